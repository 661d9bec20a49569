"""Shared pytest fixtures, gathered from one plugin module per layer so each layer owns its own."""

pytest_plugins = [
    "tests.fixtures_sandbox",
    "tests.fixtures_store",
    "tests.fixtures_sync",
    "tests.fixtures_rapport",
    "tests.fixtures_drafts",
    "tests.fixtures_rules",
    "tests.fixtures_resilience",
]
