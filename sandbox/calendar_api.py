"""Calendar v3 semantics for the sandbox server: calendarList, calendars.get, events.list and events.get.

events.list follows Google's sync contract: a full listing (optionally windowed by timeMin/timeMax) ends
with `nextSyncToken` on its last page only (never when `orderBy` is given); a listing with `syncToken`
returns every event changed since, cancelled ones included whatever `showDeleted` says, and refuses the
filters Google refuses with it (400); a stale, invalidated or foreign token answers 410 fullSyncRequired.
The sync token handed out at the end is the calendar's change sequence as of the first page, so changes
made while a client pages are reported again next time rather than lost.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sandbox.calendar_filters import event_filter, sort_key_of
from sandbox.calendar_state import CalendarStore, StoredEvent, SyncTokenGoneError, event_time, rfc3339
from sandbox.errors import ApiError, bad_request, not_found
from sandbox.handlers import Call, Handler
from sandbox.state import SandboxState

DEFAULT_EVENTS_PAGE = 250
MAX_EVENTS_PAGE = 2500  # "The page size can never be larger than 2500 events."
# Google refuses these together with syncToken ("to ensure consistency of the client state").
SYNC_TOKEN_EXCLUSIVE = (
    "timeMin",
    "timeMax",
    "orderBy",
    "q",
    "updatedMin",
    "iCalUID",
    "privateExtendedProperty",
    "sharedExtendedProperty",
)


def _gone() -> ApiError:
    return ApiError(410, "Sync token is no longer valid, a full sync is required.", "fullSyncRequired")


def _encode_cursor(cursor: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(cursor, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_cursor(token: str, calendar: CalendarStore) -> dict[str, Any]:
    try:
        cursor = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, binascii.Error) as exc:
        raise bad_request("Invalid page token.", location="pageToken") from exc
    if not isinstance(cursor, dict) or cursor.get("cal") != calendar.id or "after" not in cursor:
        raise bad_request("Invalid page token.", location="pageToken")
    return cursor


def list_calendars(state: SandboxState, call: Call) -> dict[str, Any]:
    """calendarList.list: the user's calendars (they never change here, so a sync returns none)."""
    calendars = state.calendars(call.user)
    marker = "Lcalendars:" + ",".join(calendar.id for calendar in calendars)
    token = base64.urlsafe_b64encode(marker.encode()).decode().rstrip("=")
    sync_token = call.one("syncToken")
    if sync_token is not None and sync_token != token:
        raise _gone()
    entries = [] if sync_token is not None else [calendar.entry() for calendar in calendars]
    size = call.integer("maxResults", 100)
    start = int(call.one("pageToken", "0")) if (call.one("pageToken", "0")).isdigit() else 0
    page = entries[start : start + size]
    result: dict[str, Any] = {"kind": "calendar#calendarList", "etag": '"p33k9lvg4n0ug0o0"', "items": page}
    if start + size < len(entries):
        result["nextPageToken"] = str(start + size)
    else:
        result["nextSyncToken"] = token
    return result


def get_calendar_entry(state: SandboxState, call: Call) -> dict[str, Any]:
    """calendarList.get."""
    return state.calendar(call.user, call.path["calendarId"]).entry()


def get_calendar(state: SandboxState, call: Call) -> dict[str, Any]:
    """calendars.get."""
    calendar = state.calendar(call.user, call.path["calendarId"])
    return {
        "kind": "calendar#calendar",
        "etag": calendar.entry()["etag"],
        "id": calendar.id,
        "summary": calendar.summary,
        "timeZone": calendar.time_zone,
    }


def _response_zone(call: Call) -> ZoneInfo | None:
    """The `timeZone` the response is written in, if the call names one; 400 for an unknown zone."""
    name = call.one("timeZone")
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise bad_request("Invalid time zone definition.", location="timeZone") from exc


def _served(event: StoredEvent, call: Call) -> dict[str, Any]:
    """The event as served: attendees trimmed to maxAttendees, times written in the asked time zone."""
    resource = dict(event.resource)
    max_attendees = call.integer("maxAttendees")
    attendees = resource.get("attendees")
    if max_attendees is not None and isinstance(attendees, list) and len(attendees) > max_attendees:
        resource["attendees"] = attendees[:max_attendees]
        resource["attendeesOmitted"] = True
    response_zone = _response_zone(call)
    if response_zone is not None:
        for key in ("start", "end", "originalStartTime"):
            moment = resource.get(key)
            stated = event_time(moment, response_zone) if isinstance(moment, dict) else None
            if isinstance(moment, dict) and "dateTime" in moment and stated is not None:
                resource[key] = {**moment, "dateTime": stated.astimezone(response_zone).isoformat()}
    return resource


def get_event(state: SandboxState, call: Call) -> dict[str, Any]:
    """events.get (a cancelled event is still returned, with status cancelled)."""
    calendar = state.calendar(call.user, call.path["calendarId"])
    event = calendar.events.get(call.path["eventId"])
    if event is None:
        raise not_found("Not Found")
    return _served(event, call)


def _window_start(call: Call, calendar: CalendarStore) -> tuple[int, int | None]:
    """(the sequence the next sync token will carry, the sequence changes are reported after or None)."""
    sync_token = call.one("syncToken")
    page_token = call.one("pageToken")
    if page_token is not None:
        cursor = _decode_cursor(page_token, calendar)
        since = cursor.get("since")
        if since is not None and cursor.get("epoch") != calendar.epoch:
            raise _gone()
        return int(cursor["snap"]), (int(since) if since is not None else None)
    if sync_token is None:
        return calendar.seq, None
    try:
        return calendar.seq, calendar.token_seq(sync_token)
    except SyncTokenGoneError:
        raise _gone() from None


def _check_arguments(call: Call) -> None:
    if call.one("syncToken") is not None:
        clashing = [name for name in SYNC_TOKEN_EXCLUSIVE if call.many(name)]
        if clashing:
            raise bad_request(
                f"The parameter {clashing[0]} cannot be used together with syncToken.", location=clashing[0]
            )
    if call.one("orderBy") == "startTime" and not call.boolean("singleEvents", False):
        raise bad_request(
            "The requested ordering is not available for the particular query.", location="orderBy"
        )


def list_events(state: SandboxState, call: Call) -> dict[str, Any]:
    """events.list, full or incremental, paged."""
    calendar = state.calendar(call.user, call.path["calendarId"])
    _check_arguments(call)
    _response_zone(call)  # an unknown zone is refused even when no event would be written in it
    snapshot, since = _window_start(call, calendar)
    order_by = call.one("orderBy")
    accepts: Callable[[StoredEvent], bool] = event_filter(call, calendar, since)
    sort_key = sort_key_of(order_by, calendar)
    keyed = sorted((sort_key(event), event) for event in calendar.events.values() if accepts(event))
    page_token = call.one("pageToken")
    after = _decode_cursor(page_token, calendar)["after"] if page_token else None
    remaining = [(key, event) for key, event in keyed if after is None or key > after]
    size = max(1, min(MAX_EVENTS_PAGE, call.integer("maxResults", DEFAULT_EVENTS_PAGE)))
    page = remaining[:size]
    result: dict[str, Any] = {
        "kind": "calendar#events",
        "etag": f'"{1_900_000_000_000 + calendar.seq}"',
        "summary": calendar.summary,
        "updated": rfc3339(calendar.updated),
        "timeZone": call.one("timeZone", calendar.time_zone),
        "accessRole": calendar.access_role,
        "defaultReminders": [],
    }
    if len(remaining) > size:
        cursor = {
            "cal": calendar.id,
            "snap": snapshot,
            "since": since,
            "epoch": calendar.epoch,
            "after": page[-1][0],
        }
        result["nextPageToken"] = _encode_cursor(cursor)
    elif order_by is None:
        result["nextSyncToken"] = calendar.sync_token(snapshot)
    result["items"] = [_served(event, call) for _, event in page]
    return result


HANDLERS: dict[str, Handler] = {
    "calendar.calendarList.list": list_calendars,
    "calendar.calendarList.get": get_calendar_entry,
    "calendar.calendars.get": get_calendar,
    "calendar.events.list": list_events,
    "calendar.events.get": get_event,
}
