"""A local stand-in for the Gmail v1 and Calendar v3 REST APIs, for tests, the demo and benchmarks."""
