"""INSERT ... ON CONFLICT for the backend a session is bound to (SQLite and PostgreSQL share its API)."""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store.base import Base
from store.errors import StoreError


def insert(session: Session, target: type[Base] | Table) -> sqlite.Insert | postgresql.Insert:
    """An INSERT into ``target`` offering ``on_conflict_do_nothing`` / ``on_conflict_do_update``.

    Use it where two writers may insert the same natural key (an address, a Gmail id): the loser's row
    is skipped or merged instead of failing its whole transaction.
    """
    backend = session.get_bind().dialect.name
    if backend == "postgresql":
        return postgresql.insert(target)
    if backend == "sqlite":
        return sqlite.insert(target)
    raise StoreError(f"no INSERT ... ON CONFLICT for {backend}; Rapport supports sqlite and postgresql")
