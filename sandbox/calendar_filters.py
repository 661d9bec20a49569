"""Which events an events.list call selects, and in which order, as Google Calendar decides it.

`singleEvents=true` expands series: instances and single events, never masters; `false` gives masters and
single events, plus instances changed on their own (Google's "exceptions"). An incremental call (a sync
sequence given) selects exactly the events changed since, cancelled ones included. Otherwise cancelled
events need `showDeleted` (or `updatedMin`, which always includes what was deleted since), and
timeMin/timeMax select the events that overlap the window (end > timeMin and start < timeMax).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sandbox.calendar_state import CalendarStore, StoredEvent, event_time, parse_rfc3339
from sandbox.errors import bad_request
from sandbox.handlers import Call

EventKey = list[Any]  # JSON-friendly, so it can ride in a page token


def parse_time_parameter(call: Call, name: str) -> datetime | None:
    """An RFC 3339 query parameter with an offset; 400 naming it when malformed."""
    value = call.one(name)
    if value is None:
        return None
    try:
        return parse_rfc3339(value)
    except ValueError as exc:
        raise bad_request(
            f"Bad Request: {name} must be an RFC 3339 timestamp with an offset", location=name
        ) from exc


def _searchable(resource: dict[str, Any]) -> str:
    people = [*resource.get("attendees", []), resource.get("organizer") or {}, resource.get("creator") or {}]
    texts = [str(resource.get(key, "")) for key in ("summary", "description", "location")]
    texts += [f"{person.get('displayName', '')} {person.get('email', '')}" for person in people]
    return " ".join(texts).lower()


def _properties_match(resource: dict[str, Any], scope: str, wanted: list[str]) -> bool:
    stored = (resource.get("extendedProperties") or {}).get(scope) or {}
    for constraint in wanted:
        name, _, value = constraint.partition("=")
        if stored.get(name) != value:
            return False
    return True


def _overlaps(
    event: StoredEvent, calendar: CalendarStore, time_min: datetime | None, time_max: datetime | None
) -> bool:
    start = event_time(event.resource.get("start"), calendar.zone)
    end = event_time(event.resource.get("end"), calendar.zone)
    if start is None or end is None:
        return False
    return (time_min is None or end > time_min) and (time_max is None or start < time_max)


def _window_test(call: Call, calendar: CalendarStore, single: bool) -> Callable[[StoredEvent], bool] | None:
    time_min = parse_time_parameter(call, "timeMin")
    time_max = parse_time_parameter(call, "timeMax")
    if time_min is None and time_max is None:
        return None
    instances: dict[str, list[StoredEvent]] = {}
    if not single:
        for event in calendar.events.values():
            if event.master_id is not None:
                instances.setdefault(event.master_id, []).append(event)

    def in_window(event: StoredEvent) -> bool:
        if event.is_master and not single:
            own = instances.get(event.id)
            if own:
                return any(_overlaps(instance, calendar, time_min, time_max) for instance in own)
            start = event_time(event.resource.get("start"), calendar.zone)
            return start is not None and (time_max is None or start < time_max)
        return _overlaps(event, calendar, time_min, time_max)

    return in_window


def _content_test(call: Call) -> Callable[[dict[str, Any]], bool]:
    """iCalUID, eventTypes, q and the extended-property filters, on an event resource."""
    ical_uid = call.one("iCalUID")
    event_types = set(call.many("eventTypes"))
    terms = (call.one("q") or "").lower().split()
    private = call.many("privateExtendedProperty")
    shared = call.many("sharedExtendedProperty")

    def matches(resource: dict[str, Any]) -> bool:
        checks = (
            ical_uid is None or resource.get("iCalUID") == ical_uid,
            not event_types or resource.get("eventType", "default") in event_types,
            not terms or all(term in _searchable(resource) for term in terms),
        )
        return (
            all(checks)
            and _properties_match(resource, "private", private)
            and _properties_match(resource, "shared", shared)
        )

    return matches


def event_filter(call: Call, calendar: CalendarStore, since: int | None) -> Callable[[StoredEvent], bool]:
    """The predicate selecting the events an events.list call returns (`since`: incremental sync)."""
    single = bool(call.boolean("singleEvents", False))
    show_deleted = bool(call.boolean("showDeleted", False))
    updated_min = parse_time_parameter(call, "updatedMin")
    in_window = _window_test(call, calendar, single)
    content_matches = _content_test(call)

    def expanded_as_asked(event: StoredEvent) -> bool:
        if single:
            return not event.is_master
        return event.master_id is None or event.exception

    def visible(event: StoredEvent) -> bool:
        if updated_min is not None:
            return parse_rfc3339(str(event.resource["updated"])) >= updated_min
        return show_deleted or not event.cancelled

    def accepts(event: StoredEvent) -> bool:
        if not expanded_as_asked(event):
            return False
        if since is not None:
            return event.seq > since
        return visible(event) and (in_window is None or in_window(event)) and content_matches(event.resource)

    return accepts


def sort_key_of(order_by: str | None, calendar: CalendarStore) -> Callable[[StoredEvent], EventKey]:
    """The listing order: by start time, by last change, or Google's unspecified (stable) order."""
    if order_by == "startTime":

        def by_start(event: StoredEvent) -> EventKey:
            start = event_time(event.resource.get("start"), calendar.zone)
            return [start.timestamp() if start else 0.0, event.id]

        return by_start
    if order_by == "updated":
        return lambda event: [str(event.resource.get("updated", "")), event.id]
    return lambda event: [event.position, event.id]
