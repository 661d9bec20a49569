"""One calendar in memory: its events, a per-calendar change sequence, and the sync tokens built on it.

Every change to an event stamps it with the calendar's next sequence number and a fresh `updated`, so an
incremental `events.list` is "the events whose sequence is above the token's". A sync token is an opaque
encoding of (calendar, epoch, sequence): invalidating a calendar's tokens bumps its epoch, and a token from
another calendar, an older epoch or a sequence the calendar never reached is answered 410 by the API.
"""

from __future__ import annotations

import base64
import binascii
import copy
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class SyncTokenGoneError(LookupError):
    """The sync token cannot be honoured: the client must do a full sync (Google's 410)."""


def rfc3339(moment: datetime) -> str:
    """A UTC timestamp as Calendar writes `updated`: milliseconds and a Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_rfc3339(text: str) -> datetime:
    """An RFC 3339 timestamp with an offset (or Z); raises ValueError otherwise."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without a time zone offset: {text}")
    return moment


def zone(name: str | None) -> ZoneInfo:
    """The named IANA zone, UTC when it is missing or unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def event_time(moment: dict[str, Any] | None, default_zone: ZoneInfo) -> datetime | None:
    """An event's start or end as an aware datetime (an all-day `date` is midnight in the calendar's zone)."""
    if not moment:
        return None
    if "dateTime" in moment:
        parsed = datetime.fromisoformat(str(moment["dateTime"]).replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            return parsed.replace(
                tzinfo=zone(moment.get("timeZone")) if moment.get("timeZone") else default_zone
            )
        return parsed
    if "date" in moment:
        return datetime.combine(date.fromisoformat(str(moment["date"])), time(), tzinfo=default_zone)
    return None


@dataclass
class StoredEvent:
    """An event resource plus the calendar's bookkeeping: change sequence and insertion position."""

    resource: dict[str, Any]
    seq: int
    position: int
    exception: bool = False  # an instance changed on its own: Google then also lists it next to its master

    @property
    def id(self) -> str:
        """The event id."""
        return str(self.resource["id"])

    @property
    def cancelled(self) -> bool:
        """True when the event's status is cancelled."""
        return self.resource.get("status") == "cancelled"

    @property
    def is_master(self) -> bool:
        """True for the master of a recurring series (it carries `recurrence`)."""
        return "recurrence" in self.resource

    @property
    def master_id(self) -> str | None:
        """The series this event is an instance of, if any."""
        value = self.resource.get("recurringEventId")
        return str(value) if value else None


@dataclass
class CalendarStore:
    """One calendar: calendarList fields, events in insertion order, change sequence and token epoch."""

    id: str
    summary: str
    time_zone: str = "UTC"
    primary: bool = False
    access_role: str = "owner"
    events: dict[str, StoredEvent] = field(default_factory=dict)
    seq: int = 0
    epoch: int = 0
    updated: datetime = field(default_factory=lambda: datetime(2000, 1, 1, tzinfo=UTC))

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone."""
        return zone(self.time_zone)

    def entry(self) -> dict[str, Any]:
        """The calendarList entry of this calendar."""
        entry: dict[str, Any] = {
            "kind": "calendar#calendarListEntry",
            "etag": f'"{1_600_000_000_000 + self.seq}"',
            "id": self.id,
            "summary": self.summary,
            "timeZone": self.time_zone,
            "accessRole": self.access_role,
        }
        if self.primary:
            entry["primary"] = True
        return entry

    def load_event(self, resource: dict[str, Any]) -> None:
        """Add an event from a mailbox file as it is (sequence 0: part of the first full sync)."""
        event_id = str(resource["id"])
        if event_id in self.events:
            raise ValueError(f"duplicate event id {event_id} in calendar {self.id}")
        served = copy.deepcopy(resource)
        served.setdefault("kind", "calendar#event")
        served.setdefault("etag", f'"{1_700_000_000_000 + len(self.events)}"')
        served.setdefault("status", "confirmed")
        served.setdefault("iCalUID", f"{event_id}@google.com")
        served.setdefault("eventType", "default")
        self.events[event_id] = StoredEvent(served, seq=0, position=len(self.events))
        if "updated" in served:
            try:
                self.updated = max(self.updated, parse_rfc3339(str(served["updated"])))
            except ValueError:
                served["updated"] = rfc3339(self.updated)
        else:
            served["updated"] = rfc3339(self.updated)

    def touch(self, event: StoredEvent, at: datetime) -> None:
        """Record a change to `event` now: next sequence, new etag and `updated`."""
        self.seq += 1
        self.updated = max(self.updated, at)
        event.seq = self.seq
        event.resource["updated"] = rfc3339(at)
        event.resource["etag"] = f'"{1_800_000_000_000 + self.seq}"'

    def change(
        self,
        event: StoredEvent,
        at: datetime,
        apply: Callable[[dict[str, Any]], object],
        *,
        to_instances: Callable[[dict[str, Any]], object] | None = None,
        exceptions_too: bool = False,
    ) -> None:
        """Apply a change to an event and record it.

        A change to a series' master also reaches its instances (`to_instances`, default the same change),
        as editing "all events" does in Google Calendar — except the instances changed on their own,
        unless `exceptions_too`. A change to one instance alone makes it an exception.
        """
        apply(event.resource)
        self.touch(event, at)
        if event.master_id is not None:
            event.exception = True
        if not event.is_master:
            return
        for instance in self.instances_of(event.id):
            if exceptions_too or not instance.exception:
                (to_instances or apply)(instance.resource)
                self.touch(instance, at)

    def put_event(self, resource: dict[str, Any], at: datetime) -> StoredEvent:
        """Add a new event (a change the next incremental sync reports)."""
        self.load_event(resource)
        event = self.events[str(resource["id"])]
        self.touch(event, at)
        return event

    def instances_of(self, master_id: str) -> list[StoredEvent]:
        """The stored instances of a recurring series."""
        return [event for event in self.events.values() if event.master_id == master_id]

    # ---- sync tokens ---------------------------------------------------------------------------------

    def _fingerprint(self) -> int:
        return zlib.crc32(self.id.encode("utf-8"))

    def sync_token(self, seq: int) -> str:
        """An opaque token meaning "every change of this calendar up to `seq` has been seen"."""
        text = f"{self._fingerprint()}:{self.epoch}:{seq}"
        return "C" + base64.urlsafe_b64encode(text.encode("ascii")).decode("ascii").rstrip("=")

    def token_seq(self, token: str) -> int:
        """The sequence a token of this calendar stands for; SyncTokenGoneError when it is no longer valid."""
        try:
            body = token[1:] + "=" * (-len(token[1:]) % 4)
            fingerprint, epoch, seq = (
                base64.urlsafe_b64decode(body.encode("ascii")).decode("ascii").split(":")
            )
            values = (int(fingerprint), int(epoch), int(seq))
        except (ValueError, binascii.Error, UnicodeError) as exc:
            raise SyncTokenGoneError("unreadable sync token") from exc
        if not token.startswith("C") or values[0] != self._fingerprint():
            raise SyncTokenGoneError("sync token of another calendar")
        if values[1] != self.epoch or values[2] > self.seq:
            raise SyncTokenGoneError("sync token no longer valid")
        return values[2]

    def invalidate_tokens(self) -> None:
        """Make every token issued so far answer 410."""
        self.epoch += 1
