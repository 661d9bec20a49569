"""Persisting calendars and parsed events (with attendees) in the caller's transaction; never commits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, delete, select, update
from sqlalchemy.orm import Session

from store.models import Attendee, Calendar, Event
from store.upsert import insert as upsert
from sync.calendar_parse import ParsedEvent

_EVENTS: Table = Event.__table__  # type: ignore[assignment]
_ATTENDEES: Table = Attendee.__table__  # type: ignore[assignment]


def ensure_calendar(session: Session, account_id: int, config_id: str) -> Calendar:
    """The account's calendar named `config_id` in config, created (unresolved) on first sight."""
    calendar = session.scalar(
        select(Calendar).where(Calendar.account_id == account_id, Calendar.config_id == config_id)
    )
    if calendar is None:
        calendar = Calendar(account_id=account_id, config_id=config_id)
        session.add(calendar)
        session.flush()
    return calendar


def store_events(session: Session, calendar_id: int, events: Sequence[ParsedEvent]) -> int:
    """Insert or update events and replace their attendees; returns how many rows changed.

    A cancellation without times (as incremental answers send them) only marks a stored event cancelled.
    """
    timed = list({event.gcal_id: event for event in events if event.has_times}.values())
    bare = [event for event in events if not event.has_times]
    changed = 0
    for event in bare:
        result = session.execute(
            update(_EVENTS)
            .where(_EVENTS.c.calendar_id == calendar_id, _EVENTS.c.gcal_id == event.gcal_id)
            .values(status=event.status, updated_at_remote=event.updated_at_remote)
        )
        changed += result.rowcount  # type: ignore[attr-defined]
    if not timed:
        return changed
    rows = [_event_row(calendar_id, event) for event in timed]
    statement = upsert(session, _EVENTS)
    updatable = {name: statement.excluded[name] for name in rows[0] if name not in ("calendar_id", "gcal_id")}
    session.execute(
        statement.on_conflict_do_update(index_elements=["calendar_id", "gcal_id"], set_=updatable), rows
    )
    ids = dict(
        session.execute(
            select(_EVENTS.c.gcal_id, _EVENTS.c.id).where(
                _EVENTS.c.calendar_id == calendar_id,
                _EVENTS.c.gcal_id.in_([event.gcal_id for event in timed]),
            )
        ).all()
    )
    session.execute(delete(_ATTENDEES).where(_ATTENDEES.c.event_id.in_(list(ids.values()))))
    attendee_rows = [
        {
            "event_id": ids[event.gcal_id],
            "email": attendee.email,
            "display_name": attendee.display_name,
            "response_status": attendee.response_status,
            "organizer": attendee.organizer,
            "is_self": attendee.is_self,
            "optional": attendee.optional,
            "resource": attendee.resource,
        }
        for event in timed
        for attendee in event.attendees
    ]
    if attendee_rows:
        session.execute(_ATTENDEES.insert(), attendee_rows)
    return changed + len(timed)


def _event_row(calendar_id: int, event: ParsedEvent) -> dict[str, Any]:
    return {
        "calendar_id": calendar_id,
        "gcal_id": event.gcal_id,
        "status": event.status,
        "summary": event.summary,
        "start_at": event.start_at,
        "end_at": event.end_at,
        "all_day": event.all_day,
        "event_type": event.event_type,
        "recurring_event_id": event.recurring_event_id,
        "organizer_email": event.organizer_email,
        "organizer_self": event.organizer_self,
        "self_response": event.self_response,
        "attendees_omitted": event.attendees_omitted,
        "updated_at_remote": event.updated_at_remote,
    }


def clear_events(session: Session, calendar_id: int) -> int:
    """Remove every event of a calendar (before a full re-sync); returns how many went."""
    result = session.execute(delete(_EVENTS).where(_EVENTS.c.calendar_id == calendar_id))
    return int(result.rowcount)  # type: ignore[attr-defined]
