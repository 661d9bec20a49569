"""Alembic environment package for the store."""
