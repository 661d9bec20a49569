"""What one account's sync run carries through its steps: store, API, settings, and the caller's controls."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from sync.client import GoogleApi
from sync.settings import SyncSettings

Progress = Callable[[int, int], None]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, aware UTC."""
    return datetime.now(UTC)


@dataclass
class SyncContext:
    """One account's sync: `stop` is checked between batches and pages; `progress(done, total)` is told."""

    session_factory: sessionmaker[Session]
    api: GoogleApi
    account_id: int
    account_email: str
    settings: SyncSettings
    fold_plus: bool
    stop: threading.Event = field(default_factory=threading.Event)
    progress: Progress | None = None
    now: Clock = utc_now  # windows are computed from it; tests may fix it
    known_labels: set[str] = field(default_factory=set)  # label ids known to be stored, to skip queries

    def stopping(self) -> bool:
        """Whether the caller asked the sync to stop at the next safe point."""
        return self.stop.is_set()

    def report(self, done: int, total: int) -> None:
        """Tell the caller's progress callback (exceptions it raises stop the sync, on purpose)."""
        if self.progress is not None:
            self.progress(done, total)


@dataclass
class GmailCounts:
    """What a Gmail pass changed in the store."""

    added: int = 0
    deleted: int = 0
    relabelled: int = 0
    gone: int = 0  # listed or announced, then deleted before it could be fetched
