"""The generator's working state: randomness, the clock, the cast, and everything planned so far.

Scenario builders append threads and events here and record what they planted on purpose (positives and
near misses, each with its reason), so the ground truth can be checked against the plan.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from sandbox.generator import pools
from sandbox.generator.model import Clock, Event, Mail, Thread
from sandbox.generator.people import Cast, Person

_BASE32HEX = "0123456789abcdefghijklmnopqrstuv"


@dataclass(slots=True, eq=False)
class PlantedNegative:
    """A deliberate near miss: what it is (event, person or sent mail) and why it must not be found."""

    kind: str  # thank_you, cold_contact, awaiting_reply
    reason: str
    event: Event | None = None
    person: Person | None = None
    mail: Mail | None = None
    thread: Thread | None = None


@dataclass(slots=True, eq=False)
class Planted:
    """What the scenarios put in on purpose; the ground truth must equal the positives exactly."""

    thank_you: list[Event] = field(default_factory=list)
    cold_contact: list[Person] = field(default_factory=list)
    awaiting_reply: list[tuple[Thread, Mail]] = field(default_factory=list)
    negatives: list[PlantedNegative] = field(default_factory=list)

    def negative(self, kind: str, reason: str, **what: Any) -> None:
        self.negatives.append(PlantedNegative(kind=kind, reason=reason, **what))


class World:
    """Everything one generation run shares."""

    def __init__(self, seed: int, now: int, user_email: str, user_name: str, timezone: str) -> None:
        self.rng = random.Random(f"rapport-generator/{seed}")
        self.clock = Clock.for_zone(now, timezone)
        self.cast = Cast(self.rng, user_email, user_name)
        self.timezone = timezone
        self.threads: list[Thread] = []
        self.events: list[Event] = []
        self.planted = Planted()
        self.message_count = 0

    @property
    def user(self) -> Person:
        return self.cast.user

    def add_thread(self, thread: Thread) -> Thread:
        self.threads.append(thread)
        self.message_count += len(thread.mails)
        return thread

    def add_event(self, event: Event) -> Event:
        self.events.append(event)
        return event

    def event_id(self) -> str:
        bits = self.rng.getrandbits(130)
        return "".join(_BASE32HEX[(bits >> (5 * i)) & 31] for i in range(26))

    def fill(self, template: str, person: Person | None = None, **extra: str) -> str:
        """A phrase with its placeholders filled from the pools (and the person it is about)."""
        if "{" not in template:
            return template
        rng = self.rng
        values = {
            "role": rng.choice(pools.ROLES),
            "team": rng.choice(pools.TEAMS),
            "topic": rng.choice(pools.TOPICS),
            "place": rng.choice(pools.PLACES),
            "month": rng.choice(pools.MONTHS),
            "company": (person.company if person and person.company else rng.choice(pools.COMPANIES)[0]),
            "first": person.first if person else rng.choice(pools.FIRST_NAMES),
            "intro_name": rng.choice(pools.FIRST_NAMES),
            "n": str(rng.randint(2, 400)),
            "list": "",
            "summary": "",
        }
        values.update(extra)
        return template.format_map(values)

    def subject_for(self, person: Person) -> str:
        rng = self.rng
        if rng.random() < 0.03:
            return self.fill(rng.choice(pools.NON_ASCII_SUBJECTS), person)
        return self.fill(rng.choice(pools.SUBJECTS.get(person.kind, pools.SUBJECTS["colleague"])), person)

    def user_spelling(self) -> str | None:
        """Usually the user's own address; sometimes one of their send-as aliases."""
        if self.rng.random() < 0.08:
            return self.rng.choice(self.cast.user_aliases)
        return None

    def mail(self, ts: int, sender: Person, to: list[Person], intent: str, text: str, **more: Any) -> Mail:
        """A planned mail; messy spellings of the people involved are chosen here."""
        rng = self.rng
        spelling = more.pop("spelling", None)
        if spelling is None:
            if sender is self.user:
                spelling = self.user_spelling()
            elif sender.spellings and rng.random() < 0.15:
                spelling = rng.choice(sender.spellings)
        mail = Mail(ts=ts, sender=sender, to=to, intent=intent, text=text, spelling=spelling, **more)
        for index, person in enumerate(to):
            if person is self.user and rng.random() < 0.05:
                mail.to_spellings[index] = rng.choice((*self.cast.user_aliases, self.cast.user_plus))
            elif person.spellings and rng.random() < 0.1:
                mail.to_spellings[index] = rng.choice(person.spellings)
        if rng.random() < 0.004:
            mail.missing_date = True
        return mail
