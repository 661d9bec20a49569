"""Fixtures giving tests a migrated store: SQLite always, PostgreSQL when RAPPORT_TEST_POSTGRES_URL is set."""
