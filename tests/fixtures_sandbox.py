"""Fixtures that start the sandbox in-process and give tests real google-api-python-client services."""
