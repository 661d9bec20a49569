"""The entry the application shell calls per account: sync Gmail, then the configured calendars.

Gmail: a full sync the first time (or after a cursor version bump), resumed where it stopped when it was
interrupted; then history.list from the cursor; an expired history (404) repairs the window and carries on.
Calendars: each configured calendar, full once, then by sync token. `stop` is checked between pages and
batches (SIGTERM lets the current transaction finish); `progress(done, total)` follows the fetching of
messages. One INFO line per sync gives the figures; `SyncReport` carries them to the caller.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from store.models import Account
from sync.calendar_sync import CalendarCounts, sync_calendars
from sync.client import GoogleApi
from sync.context import Clock, GmailCounts, Progress, SyncContext, utc_now
from sync.errors import HistoryExpired
from sync.gmail_incremental import run_incremental
from sync.gmail_initial import cursor_of, needs_full_sync, run_initial
from sync.gmail_repair import begin_window_repair
from sync.settings import SyncSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncReport:
    """What one account's sync did and what it cost."""

    account_id: int
    messages_added: int
    messages_deleted: int
    messages_relabelled: int
    messages_gone: int
    events_changed: int
    calls: int
    units: int
    full_sync: bool  # a full (initial or re-) sync ran or resumed
    resynced: bool  # history expired, a cursor version changed, or a calendar token expired
    interrupted: bool  # stopped before everything was synced: the next run resumes
    seconds: float
    calls_by_method: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """The one-line figures, as logged."""
        figures = {
            "added": self.messages_added,
            "deleted": self.messages_deleted,
            "relabelled": self.messages_relabelled,
            "gone": self.messages_gone,
            "events": self.events_changed,
            "calls": self.calls,
            "units": self.units,
            "full": self.full_sync,
            "resynced": self.resynced,
            "interrupted": self.interrupted,
            "duration": f"{self.seconds:.1f}s",
        }
        return " ".join(f"{name}={value}" for name, value in figures.items())


@dataclass
class _Flags:
    full_sync: bool = False
    resynced: bool = False


def sync_account(
    session_factory: sessionmaker[Session],
    api: GoogleApi,
    account_id: int,
    settings: SyncSettings,
    *,
    fold_plus: bool,
    calendars: Sequence[str] = ("primary",),
    stop: threading.Event | None = None,
    progress: Progress | None = None,
    now: Clock = utc_now,
) -> SyncReport:
    """Bring one account's Gmail and calendars in the store up to date (or as far as `stop` allows)."""
    started = time.monotonic()
    with session_factory() as session:
        account = session.get(Account, account_id)
        if account is None:
            raise ValueError(f"no account {account_id} in the store")
        email = account.email
    ctx = SyncContext(
        session_factory=session_factory,
        api=api,
        account_id=account_id,
        account_email=email,
        settings=settings,
        fold_plus=fold_plus,
        stop=stop or threading.Event(),
        progress=progress,
        now=now,
    )
    before = api.meter.snapshot()
    gmail = GmailCounts()
    calendar = CalendarCounts()
    flags = _Flags()
    complete = sync_gmail(ctx, gmail, flags) and sync_calendars(ctx, calendars, calendar)
    spent = api.meter.snapshot().since(before)
    report = SyncReport(
        account_id=account_id,
        messages_added=gmail.added,
        messages_deleted=gmail.deleted,
        messages_relabelled=gmail.relabelled,
        messages_gone=gmail.gone,
        events_changed=calendar.events,
        calls=spent.calls,
        units=spent.units,
        full_sync=flags.full_sync,
        resynced=flags.resynced or calendar.resynced > 0,
        interrupted=not complete,
        seconds=time.monotonic() - started,
        calls_by_method=spent.by_method,
    )
    log.info("sync account=%s %s", email, report.summary())
    return report


def sync_gmail(ctx: SyncContext, counts: GmailCounts, flags: _Flags) -> bool:
    """Full sync if needed, then incremental; False when stopped before the store was up to date."""
    with ctx.session_factory() as session:
        cursor = cursor_of(session, ctx.account_id)
    if needs_full_sync(cursor) or (cursor is not None and cursor.phase == "initial"):
        flags.full_sync = True
        flags.resynced = cursor is not None and needs_full_sync(cursor)
        if not run_initial(ctx, counts):
            return False
    if ctx.stopping():
        return False
    try:
        return run_incremental(ctx, counts)
    except HistoryExpired as expired:
        log.warning("account %s: %s; repairing the sync window", ctx.account_email, expired)
        flags.full_sync = flags.resynced = True
        begin_window_repair(ctx, counts)
        if not run_initial(ctx, counts):
            return False
        return run_incremental(ctx, counts)
