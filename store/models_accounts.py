"""Per-account bookkeeping: accounts, the Gmail cursor and its resume queue, cycle and audit logs, leases."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.base import Base, one_of
from store.utc import utcnow

CursorPhase = Literal["initial", "incremental"]
# "stopped": Rapport was shut down mid-cycle (SIGTERM); nothing failed and the next cycle resumes.
CycleOutcome = Literal["running", "ok", "error", "auth_error", "stopped"]
# What ran: "cycle" the whole sync → rules → drafts (the daemon, `run --once`, the demo); "sync" and "draft"
# the user's `rapport sync` and `rapport draft` (a preview or a dry run changes no Gmail state: no record).
RunKind = Literal["cycle", "sync", "draft"]


class Account(Base):
    """One Google account Rapport works for, named as in the config's ``[[accounts]]``."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String, unique=True)
    email: Mapped[str] = mapped_column(String)  # normalised; getProfile's emailAddress once known
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GmailCursor(Base):
    """Where the Gmail sync of one account stands; committed in the transaction holding the data it covers."""

    __tablename__ = "gmail_cursors"
    __table_args__ = (one_of("phase", get_args(CursorPhase)),)

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    # The sync's format version when this cursor was written; a cursor of another version means "re-sync".
    version: Mapped[int]
    # Null until the initial sync completed. Invariant: the store has incorporated every change up to at
    # least this historyId, so history.list may start from it.
    history_id: Mapped[int | None] = mapped_column(BigInteger)
    phase: Mapped[CursorPhase] = mapped_column(String(16))
    # getProfile's historyId read before listing began: the initial sync's history_id once it completes.
    initial_history_id: Mapped[int | None] = mapped_column(BigInteger)
    window_start: Mapped[datetime | None]  # oldest internalDate the initial sync lists
    # The next messages.list/threads.list page; null when listing has not started or has finished.
    list_page_token: Mapped[str | None] = mapped_column(String)
    listing_done: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PendingMessage(Base):
    """A message id listed by an initial sync and not yet fetched.

    Invariant: a row is deleted in the same transaction that stores its message, so a killed sync resumes
    by fetching exactly what is still here.
    """

    __tablename__ = "pending_messages"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    gmail_id: Mapped[str] = mapped_column(String, primary_key=True)
    gmail_thread_id: Mapped[str] = mapped_column(String)


class CycleRun(Base):
    """One run of one account: a sync → rules → drafts cycle, or a `rapport sync` or `rapport draft` (`kind`),
    as ``rapport status`` reports it."""

    __tablename__ = "cycle_runs"
    __table_args__ = (
        one_of("outcome", get_args(CycleOutcome)),
        one_of("kind", get_args(RunKind)),
        Index("ix_cycle_runs_account_started", "account_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    kind: Mapped[RunKind] = mapped_column(String(16), default="cycle", server_default="cycle")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]  # null while running
    outcome: Mapped[CycleOutcome] = mapped_column(String(16), default="running")
    synced_messages: Mapped[int] = mapped_column(default=0)
    synced_events: Mapped[int] = mapped_column(default=0)
    found: Mapped[int] = mapped_column(default=0)
    drafted: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)  # what went wrong, one line
    fix: Mapped[str | None] = mapped_column(Text)  # what the user can do about it, e.g. a command to run


class AuditRun(Base):
    """One completeness audit: recent Gmail ids sampled, how many the store missed, how many were fixed."""

    __tablename__ = "audit_runs"
    __table_args__ = (Index("ix_audit_runs_account_at", "account_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    sampled: Mapped[int]
    missing: Mapped[int]
    repaired: Mapped[int]


class AccountLock(Base):
    """A lease on one account: at most one process works an account while ``expires_at`` is in the future."""

    __tablename__ = "account_locks"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    holder: Mapped[str] = mapped_column(String)  # "host:pid:uuid" of the process holding the lease
    acquired_at: Mapped[datetime]
    expires_at: Mapped[datetime]
