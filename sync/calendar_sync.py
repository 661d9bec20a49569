"""Calendar sync: every configured calendar, a full pass over a window, then incremental with syncToken.

- The configured ids (default `primary`) are resolved once with calendarList.list and the resolved id kept.
- Full pass: `events.list(singleEvents=true, timeMin=now-past, timeMax=now+future, maxResults=2500)`, page by
  page, each page stored in the transaction that saves the next page token (a killed pass resumes there);
  `nextSyncToken` comes only on the last page and is saved with it.
- Incremental: `events.list(syncToken=...)` and nothing that conflicts with it (timeMin/timeMax with a sync
  token is a 400); cancelled events come back with status cancelled and are stored as such.
- 410 (`SyncTokenExpired`): that calendar's events are cleared and a full pass runs again. Findings refer
  to events by Google id and are not touched.
- 404 (the account no longer has the calendar): a warning, the calendar is skipped and resolved again next
  time; the other calendars are synced.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from store.models import Calendar, CalendarCursor
from sync.calendar_parse import parse_event
from sync.calendar_store import clear_events, ensure_calendar, store_events
from sync.context import SyncContext
from sync.errors import ApiRejected, NotFound, SyncTokenExpired

log = logging.getLogger(__name__)

# Bump when what the sync stores from an event changes: every calendar then re-syncs.
CALENDAR_CURSOR_VERSION = 1
EVENTS_PAGE_SIZE = 2500  # events.list maximum


@dataclass
class CalendarCounts:
    """What a calendar pass changed."""

    events: int = 0
    resynced: int = 0  # calendars fully re-synced after a 410 or a version change
    unresolved: int = 0  # configured calendars the account does not have


def sync_calendars(ctx: SyncContext, config_ids: Sequence[str], counts: CalendarCounts) -> bool:
    """Sync each configured calendar; False when stopped before all were done."""
    calendars = _resolved_calendars(ctx, config_ids)
    counts.unresolved += len(config_ids) - len(calendars)
    return all(not ctx.stopping() and _sync_one(ctx, calendar, counts) for calendar in calendars)


def _resolved_calendars(ctx: SyncContext, config_ids: Sequence[str]) -> list[Calendar]:
    """The configured calendars with their Google ids, resolved by one calendarList.list the first time."""
    with ctx.session_factory.begin() as session:
        calendars = [ensure_calendar(session, ctx.account_id, config_id) for config_id in config_ids]
        if all(calendar.gcal_id is not None for calendar in calendars):
            return calendars
    entries = _calendar_list(ctx)
    resolved: list[Calendar] = []
    with ctx.session_factory.begin() as session:
        for config_id in config_ids:
            calendar = ensure_calendar(session, ctx.account_id, config_id)
            entry = next((item for item in entries if _names(item, config_id)), None)
            if entry is None:
                log.warning(
                    "account %s: calendar %r is not in the account's calendar list; skipped",
                    ctx.account_email,
                    config_id,
                )
                continue
            calendar.gcal_id = str(entry["id"])
            calendar.summary = entry.get("summary")
            calendar.time_zone = entry.get("timeZone")
            resolved.append(calendar)
    return resolved


def _names(entry: dict[str, Any], config_id: str) -> bool:
    """Whether a calendarList entry is the calendar config calls `config_id`."""
    return bool(entry.get("primary")) if config_id == "primary" else entry.get("id") == config_id


def _calendar_list(ctx: SyncContext) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    page_token: str | None = None
    while True:
        answer = ctx.api.execute(ctx.api.calendar().calendarList().list(pageToken=page_token))
        entries.extend(answer.get("items", []))
        page_token = answer.get("nextPageToken") or None
        if page_token is None:
            return entries


def _sync_one(ctx: SyncContext, calendar: Calendar, counts: CalendarCounts) -> bool:
    try:
        return _sync_calendar(ctx, calendar, counts)
    except NotFound as gone:
        # Unsubscribed or access lost while the config still names it: the account's other calendars and
        # the steps after the sync go on; its stored events stay, and it is looked up again next time.
        log.warning(
            "account %s: calendar %s is no longer in the account (%s); skipped until it is back",
            ctx.account_email,
            calendar.config_id,
            gone,
        )
        with ctx.session_factory.begin() as session:
            session.execute(update(Calendar).where(Calendar.id == calendar.id).values(gcal_id=None))
        counts.unresolved += 1
        return True


def _sync_calendar(ctx: SyncContext, calendar: Calendar, counts: CalendarCounts) -> bool:
    with ctx.session_factory() as session:
        cursor = session.get(CalendarCursor, calendar.id)
    if cursor is None or cursor.version != CALENDAR_CURSOR_VERSION:
        _reset(ctx, calendar, reason="first sync" if cursor is None else f"cursor version {cursor.version}")
        counts.resynced += cursor is not None
    elif cursor.phase == "incremental":
        try:
            return _incremental(ctx, calendar, counts)
        except SyncTokenExpired:
            log.warning(
                "account %s: calendar %s sync token expired (410); clearing its events and re-syncing",
                ctx.account_email,
                calendar.config_id,
            )
            _reset(ctx, calendar, reason="sync token expired")
            counts.resynced += 1
    return _full_pass(ctx, calendar, counts)


def _reset(ctx: SyncContext, calendar: Calendar, *, reason: str) -> None:
    now = ctx.now()
    with ctx.session_factory.begin() as session:
        cursor = session.get(CalendarCursor, calendar.id)
        if cursor is None:
            cursor = CalendarCursor(calendar_id=calendar.id, version=CALENDAR_CURSOR_VERSION, phase="initial")
            session.add(cursor)
        cursor.version = CALENDAR_CURSOR_VERSION
        cursor.phase = "initial"
        cursor.sync_token = None
        cursor.page_token = None
        cursor.time_min = now - timedelta(days=ctx.settings.calendar_past_days)
        cursor.time_max = now + timedelta(days=ctx.settings.calendar_future_days)
        cleared = clear_events(session, calendar.id)
    log.info(
        "account %s: full sync of calendar %s (%s; %d events cleared)",
        ctx.account_email,
        calendar.config_id,
        reason,
        cleared,
    )


def _full_pass(ctx: SyncContext, calendar: Calendar, counts: CalendarCounts) -> bool:
    while True:
        with ctx.session_factory() as session:
            cursor = _cursor(session, calendar)
            time_min, time_max, page_token = cursor.time_min, cursor.time_max, cursor.page_token
        assert time_min is not None
        assert time_max is not None
        if ctx.stopping():
            return False
        request = (
            ctx.api.calendar()
            .events()
            .list(
                calendarId=calendar.gcal_id or calendar.config_id,
                singleEvents=True,
                timeMin=time_min.isoformat(),
                timeMax=time_max.isoformat(),
                maxResults=EVENTS_PAGE_SIZE,
                pageToken=page_token,
            )
        )
        try:
            answer = ctx.api.execute(request)
        except (ApiRejected, SyncTokenExpired) as error:
            if page_token is None:
                raise
            # A page token saved by an interrupted pass may not outlive it: start the pass again.
            log.warning(
                "calendar %s: saved page token refused (%s); restarting its pass", calendar.config_id, error
            )
            _reset(ctx, calendar, reason="saved page token refused")
            continue
        next_page = answer.get("nextPageToken") or None
        with ctx.session_factory.begin() as session:
            counts.events += _store_page(session, ctx, calendar, answer)
            cursor = _cursor(session, calendar)
            cursor.page_token = next_page
            if next_page is None:
                cursor.sync_token = answer.get("nextSyncToken")
                cursor.phase = "incremental"
        if next_page is None:
            return True


def _incremental(ctx: SyncContext, calendar: Calendar, counts: CalendarCounts) -> bool:
    page_token: str | None = None
    while True:
        with ctx.session_factory() as session:
            sync_token = _cursor(session, calendar).sync_token
        answer = ctx.api.execute(
            ctx.api.calendar()
            .events()
            .list(
                calendarId=calendar.gcal_id or calendar.config_id,
                singleEvents=True,
                syncToken=sync_token,
                maxResults=EVENTS_PAGE_SIZE,
                pageToken=page_token,
            )
        )
        page_token = answer.get("nextPageToken") or None
        with ctx.session_factory.begin() as session:
            counts.events += _store_page(session, ctx, calendar, answer)
            if page_token is None:
                _cursor(session, calendar).sync_token = answer.get("nextSyncToken") or sync_token
        if page_token is None:
            return True
        if ctx.stopping():
            return False


def _store_page(session: Session, ctx: SyncContext, calendar: Calendar, answer: dict[str, Any]) -> int:
    events = [parse_event(item, fold_plus=ctx.fold_plus) for item in answer.get("items", [])]
    return store_events(session, calendar.id, events)


def _cursor(session: Session, calendar: Calendar) -> CalendarCursor:
    cursor = session.get(CalendarCursor, calendar.id)
    assert cursor is not None  # _reset created it
    return cursor
