"""Turns the plan into docs/mailbox-format.md: Gmail messages with wire headers and bodies, Calendar events.

The hot path is plain string formatting: dates are formatted by hand, each person's address is rendered
once, and a reply quotes only the new text of the message before it (as a client that trims quotes does).
Message ids are time-ordered hex like Gmail's, so a thread's id is its first message's id.
"""

from __future__ import annotations

import base64
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.generator import pools
from sandbox.generator.model import AUTOMATED_TEXT, Event, Mail, Thread
from sandbox.generator.people import LIST, USER, Person
from sandbox.generator.world import World

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
USER_LABELS = ({"id": "Label_1", "name": "Rapport/never-nudge"}, {"id": "Label_2", "name": "Job search"})


def rfc2822(ts: int, offset_minutes: int, *, short_day: bool = False) -> str:
    moment = time.gmtime(ts + offset_minutes * 60)
    sign = "+" if offset_minutes >= 0 else "-"
    hours, minutes = divmod(abs(offset_minutes), 60)
    day = str(moment.tm_mday) if short_day else f"{moment.tm_mday:02d}"
    return (
        f"{WEEKDAYS[moment.tm_wday]}, {day} {MONTHS[moment.tm_mon - 1]} {moment.tm_year} "
        f"{moment.tm_hour:02d}:{moment.tm_min:02d}:{moment.tm_sec:02d} {sign}{hours:02d}{minutes:02d}"
    )


class Renderer:
    def __init__(self, world: World) -> None:
        self.world = world
        self.rng = world.rng
        self.zone = ZoneInfo(world.timezone)
        self.user = world.user
        self.user_signature = f"-- \n{self.user.name}\nIndependent consultant · {self.user.email}"
        self.ids: set[str] = set()
        self.serial = 0

    def offset(self, person: Person, ts: int) -> int:
        if person.kind == USER:
            delta = datetime.fromtimestamp(ts, self.zone).utcoffset() or timedelta()
            return int(delta.total_seconds() // 60)
        return person.utc_offset_minutes

    def message_id(self, ts: int) -> str:
        self.serial += 1
        candidate = (ts * 1000) << 20 | (self.serial & 0xFFFFF)
        while f"{candidate:016x}" in self.ids:
            candidate += 1
        text = f"{candidate:016x}"
        self.ids.add(text)
        return text

    def subject(self, thread: Thread) -> tuple[str, str]:
        """(first message's Subject, replies' Subject) as written on the wire."""
        subject = thread.subject
        reply = subject if subject.startswith("Re: ") else f"Re: {subject}"
        if not subject.isascii() and self.rng.random() < 0.5:
            encoded = base64.b64encode(subject.encode("utf-8")).decode("ascii")
            reply_encoded = base64.b64encode(reply.encode("utf-8")).decode("ascii")
            return f"=?UTF-8?B?{encoded}?=", f"=?UTF-8?B?{reply_encoded}?="
        return subject, reply

    def thread(self, thread: Thread) -> list[dict[str, Any]]:
        mails = sorted(thread.mails, key=lambda mail: mail.ts)
        first_subject, reply_subject = self.subject(thread)
        out: list[dict[str, Any]] = []
        references: list[str] = []
        previous: Mail | None = None
        for index, mail in enumerate(mails):
            mail.id = self.message_id(mail.ts)
            if index == 0:
                thread.id = mail.id
            domain = (mail.spelling or mail.sender.email).rpartition("@")[2].lower()
            rfc_id = f"<{mail.id}.{self.rng.getrandbits(40):010x}@{domain}>"
            out.append(
                self.message(
                    thread,
                    mail,
                    subject=first_subject if index == 0 else reply_subject,
                    rfc_id=rfc_id,
                    references=references,
                    previous=previous,
                )
            )
            if not mail.draft:
                references.append(rfc_id)
                previous = mail
        return out

    def message(
        self,
        thread: Thread,
        mail: Mail,
        *,
        subject: str,
        rfc_id: str,
        references: list[str],
        previous: Mail | None,
    ) -> dict[str, Any]:
        rng, user = self.rng, self.user
        sender = mail.sender
        from_user = sender is user
        headers: list[dict[str, str]] = []
        if not from_user and not mail.draft:
            headers.append({"name": "Delivered-To", "value": user.email})
        headers.append({"name": "MIME-Version", "value": "1.0"})
        if not mail.missing_date:
            date_value = rfc2822(mail.ts, self.offset(sender, mail.ts), short_day=rng.random() < 0.1)
            headers.append({"name": "Date", "value": date_value})
        headers.append({"name": "Message-ID", "value": rfc_id})
        if references:
            headers.append({"name": "In-Reply-To", "value": references[-1]})
            kept = references if len(references) <= 10 else [references[0], *references[-9:]]
            headers.append({"name": "References", "value": " ".join(kept)})
        headers.append({"name": "Subject", "value": subject})
        from_value = sender.address(mail.spelling)
        if mail.sender_display:
            from_value = f'"{mail.sender_display}" <{mail.spelling or sender.email}>'
        headers.append({"name": "From", "value": from_value})
        to = [person.address(mail.to_spellings.get(index)) for index, person in enumerate(mail.to)]
        headers.append({"name": "To", "value": ", ".join(to)})
        if mail.cc:
            headers.append({"name": "Cc", "value": ", ".join(person.address() for person in mail.cc)})
        if mail.via_list is not None and not from_user:
            headers.extend({"name": name, "value": value} for name, value in mail.via_list.list_headers)
            if mail.sender_display:
                headers.append({"name": "Reply-To", "value": mail.via_list.address()})
        headers.extend({"name": name, "value": value} for name, value in sender.extra_headers)
        headers.append({"name": "Content-Type", "value": 'text/plain; charset="UTF-8"'})
        return {
            "id": mail.id,
            "threadId": thread.id,
            "labelIds": self.labels(thread, mail),
            "internalDate": mail.ts * 1000,
            "headers": headers,
            "body": self.body(mail, previous),
        }

    def labels(self, thread: Thread, mail: Mail) -> list[str]:
        if mail.draft:
            return ["DRAFT"]
        rng = self.rng
        if mail.sender is self.user:
            labels = ["SENT"]
            if any(person is self.user for person in mail.to):
                labels.append("INBOX")
            return labels + list(thread.labels)
        age_days = (self.world.clock.now - mail.ts) / 86_400
        labels = [] if age_days > 60 and rng.random() < 0.5 else ["INBOX"]
        if (age_days < 14 and rng.random() < 0.6) or rng.random() < 0.04:
            labels.append("UNREAD")
        category = next((label for label in mail.labels if label.startswith("CATEGORY_")), thread.category)
        labels.append(category)
        if category == "CATEGORY_PERSONAL" and rng.random() < 0.25:
            labels.append("IMPORTANT")
        return labels + list(thread.labels)

    def body(self, mail: Mail, previous: Mail | None) -> str:
        rng, sender = self.rng, self.user if mail.sender is self.user else mail.sender
        if mail.intent == AUTOMATED_TEXT:
            return f"{mail.text}\n\nYou are receiving this email because of your account settings.\n"
        if sender is self.user:
            recipient = next((person for person in mail.to if person.kind not in (USER, LIST)), None)
            greeting = rng.choice(pools.GREETINGS).format(first=recipient.first) if recipient else "Hi all,"
            new = f"{greeting}\n\n{mail.text}\n\n{rng.choice(pools.USER_SIGNOFFS)}\n{sender.first}\n"
            signature = self.user_signature
        else:
            new = f"Hi {self.user.first},\n\n{mail.text}\n\nBest,\n{sender.first}\n"
            signature = f"-- \n{sender.name}\n{sender.title}, {sender.company}" if sender.company else ""
        if previous is None:
            return f"{new}{signature}\n" if signature else new
        quoted_sender = previous.sender
        when = rfc2822(previous.ts, 0)
        intro = f"On {when}, {quoted_sender.name or quoted_sender.email} <{quoted_sender.email}> wrote:"
        quote = "\n".join(f"> {line}" if line else ">" for line in previous.text.splitlines() or [""])
        if mail.quote_above:
            return f"{intro}\n{quote}\n\n{new}{signature}\n"
        tail = f"{signature}\n" if signature else ""
        return f"{new}{tail}\n{intro}\n{quote}\n"

    def event(self, event: Event, master: Event | None) -> dict[str, Any]:
        user = self.user
        body: dict[str, Any] = {
            "kind": "calendar#event",
            "id": event.id,
            "status": event.status,
            "summary": event.summary,
            "created": _rfc3339(event.created),
            "updated": _rfc3339(event.created + 600),
            "creator": {"email": event.organizer.email},
            "organizer": self.organizer(event),
            "start": self.when(event.start, event.all_day),
            "end": self.when(event.end, event.all_day, end=True, start=event.start),
            "iCalUID": f"{(master or event).id}@google.com",
            "sequence": 0,
            "eventType": event.event_type,
        }
        if event.organizer is user:
            body["creator"]["self"] = True
        if event.rrule:
            body["recurrence"] = [event.rrule]
        if master is not None:
            body["recurringEventId"] = master.id
            body["originalStartTime"] = self.when(event.start, False)
        attendees = self.attendees(event)
        if attendees:
            body["attendees"] = attendees
        if event.attendees_omitted:
            body["attendeesOmitted"] = True
        return body

    def organizer(self, event: Event) -> dict[str, Any]:
        if event.organizer is self.user:
            return {"email": self.user.email, "self": True}
        return {"email": event.organizer.email, "displayName": event.organizer.name}

    def attendees(self, event: Event) -> list[dict[str, Any]]:
        if not event.attendees and not event.attendees_omitted and event.organizer is self.user:
            return []
        user = self.user
        own: dict[str, Any] = {"email": user.email, "self": True, "responseStatus": event.user_response}
        if event.organizer is user:
            own["organizer"] = True
        entries = [own]
        for attendee in event.attendees:
            person = attendee.person
            entry: dict[str, Any] = {"email": attendee.email or person.email}
            if person.name:
                entry["displayName"] = person.name
            if person is event.organizer:
                entry["organizer"] = True
            if attendee.resource:
                entry["resource"] = True
            if attendee.optional:
                entry["optional"] = True
            entry["responseStatus"] = attendee.response
            entries.append(entry)
        return entries

    def when(self, ts: int, all_day: bool, *, end: bool = False, start: int = 0) -> dict[str, str]:
        """A Calendar start or end; an all-day event ends the day after it starts (exclusive end date)."""
        local = datetime.fromtimestamp(ts, self.zone)
        if all_day:
            day: date = (
                datetime.fromtimestamp(start, self.zone).date() + timedelta(days=1) if end else local.date()
            )
            return {"date": day.isoformat()}
        return {"dateTime": local.isoformat(), "timeZone": self.world.timezone}


def _rfc3339(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def render(world: World) -> dict[str, Any]:
    renderer = Renderer(world)
    messages: list[dict[str, Any]] = []
    for thread in world.threads:
        messages.extend(renderer.thread(thread))
    masters = {event.id: event for event in world.events if event.rrule}
    events = [renderer.event(event, masters.get(event.recurring_event_id)) for event in world.events]
    user = world.user
    return {
        "email": user.email,
        "name": user.name,
        "timezone": world.timezone,
        "aliases": list(world.cast.user_aliases),
        "labels": [dict(label) for label in USER_LABELS],
        "messages": messages,
        "calendars": [
            {
                "id": user.email,
                "summary": user.email,
                "timeZone": world.timezone,
                "primary": True,
                "accessRole": "owner",
                "events": events,
            }
        ],
        "history_id": 100000,
    }
