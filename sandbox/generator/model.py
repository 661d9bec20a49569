"""What the generator plans before anything is rendered: mails, threads, calendar events and the clock.

A planned mail carries the meaning the rules must read from it (does it ask, is it an acknowledgement, a
thank-you note) next to what will be written; the ground truth is computed from these plans, and
`render` turns them into the wire format of docs/mailbox-format.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sandbox.generator.people import Person

DAY = 86_400
HOUR = 3_600

# What a mail's new text does, as far as the awaiting-reply rule is concerned.
ASKS = "asks"
ACK = "ack"
THANKS_NOTE = "thanks_note"
OUTREACH = "outreach"
STATEMENT = "statement"
AUTOMATED_TEXT = "automated"


@dataclass(slots=True, eq=False)
class Mail:
    """One planned message. `spelling` is the sender's wire address when it is not their usual one."""

    ts: int  # epoch seconds, UTC
    sender: Person
    to: list[Person]
    cc: list[Person] = field(default_factory=list)
    intent: str = STATEMENT
    text: str = ""  # the new text (greeting, sign-off, signature and quote are added by render)
    spelling: str | None = None
    to_spellings: dict[int, str] = field(default_factory=dict)  # index in `to` -> wire spelling
    via_list: Person | None = None  # the list this copy was relayed through (adds its headers)
    draft: bool = False
    missing_date: bool = False
    quote_above: bool = False  # bottom-posting: the quote comes first, the new text under it
    labels: tuple[str, ...] = ()
    sender_display: str = ""  # overrides the sender's display name ("Dana Kim via Platform Guild")
    id: str = ""  # the Gmail message id, assigned by render


@dataclass(slots=True, eq=False)
class Thread:
    subject: str
    mails: list[Mail]
    labels: tuple[str, ...] = ()  # user labels on every message of the thread
    category: str = "CATEGORY_PERSONAL"
    id: str = ""  # the Gmail thread id (its first message's id), assigned by render


@dataclass(slots=True, eq=False)
class Attendee:
    person: Person
    response: str = "accepted"  # accepted, tentative, declined, needsAction
    email: str | None = None  # the address the calendar lists, when not the person's own
    resource: bool = False
    optional: bool = False


@dataclass(slots=True, eq=False)
class Event:
    """One planned calendar event; a recurring series is a master (`rrule`) plus instance events."""

    id: str
    summary: str
    start: int
    end: int
    attendees: list[Attendee]
    organizer: Person
    user_response: str = "accepted"  # the user's own attendee entry; "" when the user is not listed
    status: str = "confirmed"
    event_type: str = "default"
    all_day: bool = False
    attendees_omitted: bool = False
    rrule: str = ""
    recurring_event_id: str = ""
    created: int = 0


@dataclass(frozen=True, slots=True)
class Clock:
    """`now` and the helpers that place things relative to it. Days are UTC days. A nominal hour of the
    working day (07:00–20:00) is mapped into `day_window`, UTC hours at which the user's timezone is on the
    same date (with an hour to spare for daylight saving), so a UTC day is also the user's day."""

    now: int
    day_window: tuple[float, float] = (7.0, 20.0)

    @classmethod
    def for_zone(cls, now: int, timezone: str) -> Clock:
        offset = (
            datetime.fromtimestamp(now, ZoneInfo(timezone)).utcoffset() or timedelta()
        ).total_seconds() / HOUR
        same_date = (max(0.0, -offset) + 1.5, min(24.0, 24.0 - offset) - 1.5)
        working = (max(same_date[0], 7.0 - offset), min(same_date[1], 20.0 - offset))
        return cls(now, working if working[1] - working[0] >= 6 else same_date)

    @property
    def today(self) -> int:
        """Midnight UTC of `now`'s day."""
        return self.now - self.now % DAY

    def day(self, days_ago: int, hour: float) -> int:
        """`days_ago` UTC days before today, at nominal working hour `hour` (7–20) in `day_window`."""
        start, end = self.day_window
        utc_hour = start + (min(max(hour, 7.0), 20.0) - 7.0) / 13.0 * (end - start)
        return self.today - days_ago * DAY + int(utc_hour * HOUR)

    @staticmethod
    def iso(ts: int) -> str:
        return datetime.fromtimestamp(ts, UTC).isoformat()

    @staticmethod
    def from_datetime(moment: datetime) -> int:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return int(moment.timestamp())

    @staticmethod
    def default_now() -> datetime:
        current = datetime.now(UTC)
        return current.replace(minute=0, second=0, microsecond=0)
