"""Calendar v3 Event JSON into typed `ParsedEvent`s; no Google JSON goes further than this module.

Times become aware UTC datetimes; an all-day event (`start.date`) runs from midnight UTC of its start date
to midnight UTC of its (exclusive) end date. A cancelled event in an incremental answer may carry nothing
but its id and status: its times are then None, and the store only marks what it already holds.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from store.addresses import normalise_address

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ParsedAttendee:
    """One attendee entry: a normalised address and what Google says about it."""

    email: str
    display_name: str | None
    response_status: str | None
    organizer: bool
    is_self: bool
    optional: bool
    resource: bool


@dataclass(frozen=True)
class ParsedEvent:
    """What Rapport keeps of one event instance."""

    gcal_id: str
    status: str
    summary: str | None
    start_at: datetime | None
    end_at: datetime | None
    all_day: bool
    event_type: str
    recurring_event_id: str | None
    organizer_email: str | None
    organizer_self: bool
    self_response: str | None
    attendees_omitted: bool
    updated_at_remote: datetime | None
    attendees: tuple[ParsedAttendee, ...]

    @property
    def has_times(self) -> bool:
        """Whether start and end are known (a bare cancellation has neither)."""
        return self.start_at is not None and self.end_at is not None


def parse_event(resource: Mapping[str, Any], *, fold_plus: bool) -> ParsedEvent:
    """Parse one event resource; never raises on content (unparsable times become None, logged)."""
    gcal_id = str(resource["id"])
    start, start_all_day = _moment(resource.get("start"), gcal_id, "start")
    end, _ = _moment(resource.get("end"), gcal_id, "end")
    attendees = tuple(
        attendee
        for entry in resource.get("attendees") or ()
        if (attendee := _attendee(entry, fold_plus)) is not None
    )
    organizer = resource.get("organizer") or {}
    own_entries = [attendee for attendee in attendees if attendee.is_self]
    return ParsedEvent(
        gcal_id=gcal_id,
        status=str(resource.get("status") or "confirmed"),
        summary=_text(resource.get("summary")),
        start_at=start,
        end_at=end,
        all_day=start_all_day,
        event_type=str(resource.get("eventType") or "default"),
        recurring_event_id=str(resource["recurringEventId"]) if resource.get("recurringEventId") else None,
        organizer_email=normalise_address(str(organizer.get("email") or ""), fold_plus=fold_plus),
        organizer_self=bool(organizer.get("self", False)),
        self_response=own_entries[0].response_status if own_entries else None,
        attendees_omitted=bool(resource.get("attendeesOmitted", False)),
        updated_at_remote=_timestamp(resource.get("updated")),
        attendees=attendees,
    )


def _moment(value: Any, gcal_id: str, which: str) -> tuple[datetime | None, bool]:
    """(the instant in UTC, whether it is an all-day date)."""
    if not isinstance(value, Mapping):
        return None, False
    try:
        if value.get("dateTime"):
            moment = datetime.fromisoformat(str(value["dateTime"]).replace("Z", "+00:00"))
            if moment.tzinfo is None:  # Google always sends an offset; be lenient when it does not
                moment = moment.replace(tzinfo=UTC)
            return moment.astimezone(UTC), False
        if value.get("date"):
            return datetime.combine(date.fromisoformat(str(value["date"])), time(), tzinfo=UTC), True
    except ValueError:
        log.warning("event %s: unparsable %s %r", gcal_id, which, value)
    return None, False


def _text(value: Any) -> str | None:
    """Free text typed by people (a title, a name) as the store keeps it: NUL bytes, which PostgreSQL
    refuses in text, removed."""
    return None if value is None else str(value).replace("\x00", "")


def _timestamp(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _attendee(entry: Any, fold_plus: bool) -> ParsedAttendee | None:
    if not isinstance(entry, Mapping):
        return None
    email = normalise_address(str(entry.get("email") or ""), fold_plus=fold_plus)
    if email is None:
        return None
    return ParsedAttendee(
        email=email,
        display_name=_text(entry.get("displayName")) or None,
        response_status=str(entry["responseStatus"]) if entry.get("responseStatus") else None,
        organizer=bool(entry.get("organizer", False)),
        is_self=bool(entry.get("self", False)),
        optional=bool(entry.get("optional", False)),
        resource=bool(entry.get("resource", False)),
    )
