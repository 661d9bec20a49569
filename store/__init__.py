"""Persistence: SQLAlchemy models, engine and sessions, Alembic migrations."""
