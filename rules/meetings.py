"""Meetings the user attended, with the people in them, as the rules need them.

"Other human attendees" are the attendees that are not the user, not rooms or resources, not groups or
lists, and did not decline; one per person, so Dana's two addresses count once. A meeting is an interaction
with them only when it is small enough for the user to know everyone in it (`Meeting.is_interaction`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rules.queries import AnyRow

if TYPE_CHECKING:
    from rules.mailbox import Mailbox


@dataclass(frozen=True)
class Attendee:
    key: str  # the person's key
    email: str  # the address the event names
    name: str | None


@dataclass
class Meeting:
    """One attended event and its other human attendees."""

    event_id: int
    gcal_id: str
    summary: str
    start: datetime
    end: datetime
    recurring: bool
    attendees_omitted: bool
    calendar_config_id: str
    calendar_gcal_id: str | None
    others: list[Attendee] = field(default_factory=list)

    def is_interaction(self, max_size: int) -> bool:
        """Whether the meeting makes its attendees people the user met: at most `max_size` other human
        attendees, and not `attendeesOmitted` (too many to list). Sitting in an all-hands is no relationship.
        """
        return not self.attendees_omitted and len(self.others) <= max_size


def meetings_from_rows(rows: Sequence[AnyRow], mailbox: Mailbox) -> list[Meeting]:
    """Group `queries.attended_events` rows (one per attendee) into meetings with their other attendees."""
    meetings: dict[int, Meeting] = {}
    seen: defaultdict[int, set[str]] = defaultdict(set)
    identity = mailbox.identity
    for row in rows:
        event_id, gcal_id, summary, start, end, recurring, omitted, config_id, calendar_gcal_id = row[:9]
        email, name, response, resource, is_self = row[9:14]
        meeting = meetings.get(event_id)
        if meeting is None:
            meeting = meetings[event_id] = Meeting(
                event_id=event_id,
                gcal_id=gcal_id,
                summary=summary or "",
                start=datetime.fromtimestamp(start, tz=UTC),
                end=datetime.fromtimestamp(end, tz=UTC),
                recurring=recurring is not None,
                attendees_omitted=bool(omitted),
                calendar_config_id=config_id,
                calendar_gcal_id=calendar_gcal_id,
            )
        if not email or is_self or response == "declined" or identity.is_user(email):
            continue
        if mailbox.is_group_or_resource(email, resource=bool(resource)):
            continue
        key = identity.key(email)
        identity.remember_name(key, name)
        if key not in seen[event_id]:
            seen[event_id].add(key)
            meeting.others.append(Attendee(key=key, email=email, name=name))
    return list(meetings.values())


@dataclass(frozen=True)
class SentMail:
    """One mail the user sent to a person: when, its Gmail id, the address it went to."""

    at: int  # epoch seconds
    gmail_id: str
    address: str


def sent_mail_by_person(rows: Iterable[AnyRow], mailbox: Mailbox) -> dict[str, list[SentMail]]:
    """`queries.sent_mail_since` rows by person key, oldest first."""
    by_person: defaultdict[str, list[SentMail]] = defaultdict(list)
    for _message, _thread, when, recipient, gmail_id in rows:
        by_person[mailbox.identity.key(recipient)].append(SentMail(when, gmail_id, recipient))
    for mails in by_person.values():
        mails.sort(key=lambda mail: mail.at)
    return by_person


def first_mail_since(
    sent: dict[str, list[SentMail]], people: Iterable[str], since: datetime
) -> SentMail | None:
    """The first mail the user sent to any of `people` at or after `since`."""
    threshold = since.timestamp()
    first: SentMail | None = None
    for key in people:
        for mail in sent.get(key, ()):
            if mail.at >= threshold:
                if first is None or mail.at < first.at:
                    first = mail
                break
    return first
