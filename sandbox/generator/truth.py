"""The ground truth: what docs/rules.md with its default settings must find as of `now`.

It is computed from the plan (who wrote to whom, when, and what each mail's new text does), then checked
two ways: it must equal what the scenarios planted (so background mail created no finding), and every
verdict must hold with a margin (a finding is not within a few hours or a fraction of a threshold of not
being one), so an engine that differs in a harmless detail — the low or high median, UTC or local days —
still agrees.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from rules.settings import AwaitingReplyRule, ColdContactRule, ThankYouRule
from sandbox.generator.model import ACK, ASKS, DAY, HOUR, THANKS_NOTE, Event, Mail, Thread
from sandbox.generator.people import AUTOMATED, LIST, USER, Person
from sandbox.generator.world import World
from sync.settings import SyncSettings

THANK_YOU = ThankYouRule(name="ground-truth")
COLD = ColdContactRule(name="ground-truth")
AWAITING = AwaitingReplyRule(name="ground-truth")
SYNC = SyncSettings()
NEVER_NUDGE_LABEL = "Label_1"
TIME_MARGIN = HOUR  # thank-you windows are met or missed by at least an hour
PRESENT = ("accepted", "tentative")
Stamps = defaultdict[int, list[int]]
AWAITING_SAFE = (4 * DAY, 8 * DAY, 19.5 * DAY + HOUR, 24 * DAY)  # clear no / clear yes / clear yes / clear no


class GroundTruthError(RuntimeError):
    """The plan holds a finding nobody planted, or a verdict without its margin: a generator bug."""


def is_human(person: Person) -> bool:
    return person.kind not in (USER, LIST, AUTOMATED)


class Evaluator:
    def __init__(self, world: World) -> None:
        self.world = world
        self.now = world.clock.now
        self.zone = ZoneInfo(world.timezone)
        self.problems: list[str] = []
        self.sent: list[Mail] = [
            mail
            for thread in world.threads
            for mail in thread.mails
            if mail.sender is world.user and not mail.draft
        ]

    # thank_you -------------------------------------------------------------------------------------
    def thank_you(self) -> list[tuple[Event, list[str]]]:
        found = []
        for event in self.world.events:
            if event.rrule:
                continue
            humans = self.counted_attendees(event)
            if humans is None:
                continue
            age = self.now - event.end
            low, high = THANK_YOU.after_hours * HOUR, THANK_YOU.within_days * DAY
            if low - TIME_MARGIN < age < low + TIME_MARGIN or high - TIME_MARGIN < age < high + TIME_MARGIN:
                self.problems.append(f"thank-you timing without margin: {event.summary} {event.id}")
            if not low <= age <= high:
                continue
            if self.thanked(event, humans):
                continue
            found.append((event, sorted(person.email for person in humans)))
        return found

    def counted_attendees(self, event: Event) -> list[Person] | None:
        """The other human attendees when every condition but timing and condition 6 holds, else None."""
        user = self.world.user
        if event.status == "cancelled" or event.all_day or event.event_type != "default":
            return None
        if event.organizer is not user and event.user_response not in ("accepted", "tentative"):
            return None
        if event.recurring_event_id and not THANK_YOU.include_recurring:
            return None
        if event.attendees_omitted:
            return None
        humans = self.other_humans(event)
        if not 1 <= len(humans) <= THANK_YOU.max_attendees:
            return None
        return humans

    def thanked(self, event: Event, humans: list[Person]) -> bool:
        wanted = set(map(id, humans))
        return any(
            mail.ts >= event.start and any(id(person) in wanted for person in (*mail.to, *mail.cc))
            for mail in self.sent
        )

    # cold_contact ----------------------------------------------------------------------------------
    def cold_contacts(self, *, synced_only: bool) -> list[tuple[Person, int]]:
        """Cold contacts on the full history, or on what a default sync keeps (mail and meetings inside
        its windows); the two must agree."""
        sent, received, met, people = self.interactions(synced_only=synced_only)
        found = []
        for key, person in people.items():
            two_way = len(sent[key]) >= max(COLD.min_sent, 1) and len(received[key]) >= max(
                COLD.min_received, 1
            )
            if not (two_way or (COLD.meeting_counts and met[key])):
                continue
            stamps = sent[key] + received[key] + met[key]
            last = max(stamps)
            if self.cold_verdict(person, stamps, last):
                found.append((person, last))
        return found

    def interactions(self, *, synced_only: bool) -> tuple[Stamps, Stamps, Stamps, dict[int, Person]]:
        """Per person (by identity): when the user wrote to them, they wrote, and they met (the end of a
        meeting with at most `max_meeting_size` other attendees)."""
        user = self.world.user
        oldest_mail = self.now - SYNC.window_days * DAY if synced_only else 0
        oldest_event = self.now - SYNC.calendar_past_days * DAY if synced_only else 0
        sent: Stamps = defaultdict(list)
        received: Stamps = defaultdict(list)
        met: Stamps = defaultdict(list)
        people: dict[int, Person] = {}
        mails = (mail for thread in self.world.threads for mail in thread.mails)
        for mail in (mail for mail in mails if not mail.draft and mail.ts >= oldest_mail):
            if mail.sender is user:
                for person in filter(is_human, (*mail.to, *mail.cc)):
                    sent[id(person)].append(mail.ts)
                    people[id(person)] = person
            elif is_human(mail.sender):
                received[id(mail.sender)].append(mail.ts)
                people[id(mail.sender)] = mail.sender
        for event in self.world.events:
            if event.rrule or event.status == "cancelled" or event.attendees_omitted or event.end > self.now:
                continue
            if event.start < oldest_event:
                continue
            if event.organizer is not user and event.user_response not in ("accepted", "tentative"):
                continue
            if len(self.other_humans(event)) > COLD.max_meeting_size:
                continue  # an all-hands: the user does not know everyone in it
            for attendee in event.attendees:
                if is_human(attendee.person) and not attendee.resource and attendee.response in PRESENT:
                    met[id(attendee.person)].append(event.end)
                    people[id(attendee.person)] = attendee.person
        return sent, received, met, people

    @staticmethod
    def other_humans(event: Event) -> list[Person]:
        """The attendees that count toward a meeting's size: people, not the user, who did not decline."""
        return [
            attendee.person
            for attendee in event.attendees
            if is_human(attendee.person) and not attendee.resource and attendee.response != "declined"
        ]

    def cold_verdict(self, person: Person, stamps: list[int], last: int) -> bool:
        """Cold by the rule (local days, plain median); and clearly so, or clearly not, under any median
        and either day boundary."""
        silence = (self.now - last) / DAY
        thresholds: list[tuple[float, float, float]] = []
        for day_of in (self.local_day, self.utc_day):
            days = sorted({day_of(ts) for ts in stamps})
            gaps = [later - earlier for earlier, later in pairwise(days)]
            if not gaps:
                thresholds.append((float(COLD.min_days),) * 3)
                continue
            low_median, median, high_median = (
                max(float(COLD.min_days), COLD.k * middle(gaps))
                for middle in (statistics.median_low, statistics.median, statistics.median_high)
            )
            thresholds.append((low_median, median, high_median))
        threshold = thresholds[0][1]
        low = min(item[0] for item in thresholds)
        high = max(item[2] for item in thresholds)
        cold = threshold < silence <= COLD.max_days
        clear_cold = 1.3 * high <= silence <= 0.95 * COLD.max_days
        clear_not = silence <= 0.7 * low or silence >= 1.1 * COLD.max_days
        if not (clear_cold if cold else clear_not):
            self.problems.append(
                f"cold-contact verdict without margin: {person.email} silence {silence:.1f} "
                f"thresholds {low:.1f}..{high:.1f}"
            )
        return cold

    def local_day(self, ts: int) -> int:
        return datetime.fromtimestamp(ts, self.zone).toordinal()

    @staticmethod
    def utc_day(ts: int) -> int:
        return ts // DAY

    # awaiting_reply --------------------------------------------------------------------------------
    def awaiting(self) -> list[tuple[Thread, Mail, list[str]]]:
        found = []
        for thread in self.world.threads:
            mails = sorted((mail for mail in thread.mails if not mail.draft), key=lambda mail: mail.ts)
            if not mails or mails[-1].sender is not self.world.user:
                continue
            mail = mails[-1]
            humans = [person for person in (*mail.to, *mail.cc) if is_human(person)]
            previous = mails[-2] if len(mails) > 1 else None
            opened = len(mails) == 1
            expects = mail.intent == ASKS or (opened and mail.intent not in (ACK, THANKS_NOTE))
            eligible = (
                humans
                and expects
                and NEVER_NUDGE_LABEL not in thread.labels
                and (previous is None or previous.sender.kind != AUTOMATED)
                and mail.intent != THANKS_NOTE
            )
            age = self.now - mail.ts
            if not eligible:
                continue
            clear_no_low, clear_yes_low, clear_yes_high, clear_no_high = AWAITING_SAFE
            if clear_yes_low <= age <= clear_yes_high:
                if self.met_shortly_before(mail):
                    self.problems.append(f"awaiting-reply mail to someone just met: {mail.text[:40]}")
                found.append((thread, mail, sorted({person.email for person in humans})))
            elif clear_no_low <= age <= clear_no_high:
                self.problems.append(
                    f"awaiting-reply timing without margin: {mail.text[:40]} {age / DAY:.1f} d"
                )
        return found

    def met_shortly_before(self, mail: Mail) -> bool:
        recipients = {id(person) for person in (*mail.to, *mail.cc)}
        return any(
            0 <= mail.ts - event.end <= THANK_YOU.within_days * DAY
            and any(id(attendee.person) in recipients for attendee in event.attendees)
            for event in self.world.events
        )


def ground_truth(world: World) -> dict[str, Any]:
    """The truth document; raises GroundTruthError when it differs from the plan or lacks a margin."""
    evaluator = Evaluator(world)
    thank_you = evaluator.thank_you()
    cold = evaluator.cold_contacts(synced_only=True)
    if {id(person) for person, _ in cold} != {
        id(person) for person, _ in evaluator.cold_contacts(synced_only=False)
    }:
        evaluator.problems.append("cold contacts differ between the full history and what a sync keeps")
    awaiting = evaluator.awaiting()
    planted = world.planted
    _same("thank_you", {id(e) for e, _ in thank_you}, {id(e) for e in planted.thank_you}, evaluator.problems)
    _same("cold_contact", {id(p) for p, _ in cold}, {id(p) for p in planted.cold_contact}, evaluator.problems)
    _same(
        "awaiting_reply",
        {id(m) for _, m, _ in awaiting},
        {id(m) for _, m in planted.awaiting_reply},
        evaluator.problems,
    )
    if evaluator.problems:
        raise GroundTruthError("; ".join(evaluator.problems[:10]))
    iso = world.clock.iso
    return {
        "format": "rapport-ground-truth/1",
        "now": iso(world.clock.now),
        "user": world.user.email,
        "aliases": list(world.cast.user_aliases),
        "thank_you": [
            {"event_id": event.id, "emails": emails, "summary": event.summary, "end": iso(event.end)}
            for event, emails in sorted(thank_you, key=lambda item: item[0].end)
        ],
        "cold_contact": [
            {"emails": [person.email], "name": person.name, "last_interaction": iso(last)}
            for person, last in sorted(cold, key=lambda item: item[1])
        ],
        "awaiting_reply": [
            {
                "thread_id": thread.id,
                "message_id": mail.id,
                "emails": emails,
                "subject": thread.subject,
                "sent": iso(mail.ts),
            }
            for thread, mail, emails in sorted(awaiting, key=lambda item: item[1].ts)
        ],
        "negatives": _negatives(world),
    }


def _same(kind: str, found: set[int], planted: set[int], problems: list[str]) -> None:
    if found - planted:
        problems.append(f"{kind}: {len(found - planted)} finding(s) nobody planted")
    if planted - found:
        problems.append(f"{kind}: {len(planted - found)} planted positive(s) not found")


def _negatives(world: World) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {"thank_you": [], "cold_contact": [], "awaiting_reply": []}
    for negative in world.planted.negatives:
        entry: dict[str, Any] = {"reason": negative.reason}
        if negative.event is not None:
            entry.update(event_id=negative.event.id, summary=negative.event.summary)
        if negative.person is not None:
            person = negative.person
            email = world.cast.user_aliases[0] if person is world.user else person.email
            entry["emails"] = [email]
        if negative.mail is not None and negative.thread is not None:
            recipients = (*negative.mail.to, *negative.mail.cc)
            entry.update(
                thread_id=negative.thread.id,
                message_id=negative.mail.id,
                emails=sorted({person.email for person in recipients}),
            )
        out[negative.kind].append(entry)
    return out
