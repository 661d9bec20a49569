"""Leases on accounts: at most one Rapport process works an account at a time, across processes and hosts.

A lease is a row of ``account_locks`` with an expiry. Each step is one atomic statement (an INSERT that
does nothing on conflict, or a conditional UPDATE/DELETE), so the database decides who holds the lease
on SQLite and PostgreSQL alike; a holder that dies simply lets its lease expire.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlalchemy.orm import Session, sessionmaker

from store.models import AccountLock
from store.upsert import insert
from store.utc import utcnow


def make_holder() -> str:
    """A name for this process as a lease holder: ``host:pid:uuid``, unique even across restarts."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"


def acquire(
    session_factory: sessionmaker[Session],
    account_id: int,
    holder: str,
    ttl_seconds: float,
    *,
    now: datetime | None = None,
) -> bool:
    """Take the lease on ``account_id`` for ``ttl_seconds``; True when ``holder`` now holds it.

    Succeeds when nobody holds it, when the lease expired, or when ``holder`` already holds it (which
    extends it). The account must exist.
    """
    now = now or utcnow()
    expires_at = now + timedelta(seconds=ttl_seconds)
    with session_factory.begin() as session:
        connection = session.connection()
        inserted = connection.execute(
            insert(session, AccountLock)
            .values(account_id=account_id, holder=holder, acquired_at=now, expires_at=expires_at)
            .on_conflict_do_nothing(index_elements=["account_id"])
        )
        if inserted.rowcount == 1:
            return True
        taken = connection.execute(
            update(AccountLock)
            .where(
                AccountLock.account_id == account_id,
                or_(AccountLock.expires_at <= now, AccountLock.holder == holder),
            )
            .values(holder=holder, acquired_at=now, expires_at=expires_at)
        )
        return taken.rowcount == 1


def renew(
    session_factory: sessionmaker[Session],
    account_id: int,
    holder: str,
    ttl_seconds: float,
    *,
    now: datetime | None = None,
) -> bool:
    """Extend ``holder``'s lease to ``ttl_seconds`` from now; False when another process has taken it."""
    expires_at = (now or utcnow()) + timedelta(seconds=ttl_seconds)
    with session_factory.begin() as session:
        renewed = session.connection().execute(
            update(AccountLock)
            .where(AccountLock.account_id == account_id, AccountLock.holder == holder)
            .values(expires_at=expires_at)
        )
        return renewed.rowcount == 1


def release(session_factory: sessionmaker[Session], account_id: int, holder: str) -> bool:
    """Give the lease up; False when ``holder`` did not hold it (it expired and was taken, or never was)."""
    with session_factory.begin() as session:
        released = session.connection().execute(
            delete(AccountLock).where(AccountLock.account_id == account_id, AccountLock.holder == holder)
        )
        return released.rowcount == 1
