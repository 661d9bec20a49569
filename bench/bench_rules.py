"""Benchmark: all rules over 100,000 messages, 5,000 contacts and 3,000 events (issue 4 point 8: < 1 s).

Builds the store directly with bulk inserts (a networker's three years: conversations with contacts at
their own cadences, list threads, newsletters and notifications, meetings), then times `run_rules` twice:
the first run opens every finding, the second is the steady state of a daemon cycle. Prints both figures.

    python -m bench.bench_rules [--messages N] [--contacts N] [--events N] [--url URL]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from rules.engine import RulesReport, run_rules
from rules.settings import IdentitySettings, UserSettings, default_rules
from store.db import make_engine, upgrade
from store.models import (
    Account,
    Attendee,
    Calendar,
    Event,
    Label,
    Message,
    MessageAddress,
    Person,
    PersonAddress,
    Thread,
)

USER = "alex.morgan@example.com"
NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)
SPAN_DAYS = 3 * 365
TITLES = ("Coffee chat", "Interview", "Sync", "Intro call", "Planning")
LISTS = [f"dev{index}@lists.example" for index in range(12)]
AUTOMATED = [
    f"{local}@service{index}.example" for index, local in enumerate(["no-reply", "news", "alerts"] * 15)
]


class _Builder:
    """Rows for every table, with explicit ids so they can be inserted in bulk."""

    def __init__(self, seed: int, contacts: int) -> None:
        self.rng = random.Random(seed)
        self.contacts = [f"contact{index}@org{index % 300}.example" for index in range(contacts)]
        # A few contacts are close (weekly), most are occasional: a Zipf-like pick.
        self.weights = [1.0 / (1 + index) ** 0.8 for index in range(contacts)]
        self.threads: list[dict[str, Any]] = []
        self.messages: list[dict[str, Any]] = []
        self.addresses: list[dict[str, Any]] = []

    def at(self, days_ago: float) -> datetime:
        return NOW - timedelta(days=days_ago)

    def thread(self) -> int:
        thread_id = len(self.threads) + 1
        self.threads.append({"id": thread_id, "account_id": 1, "gmail_id": f"{thread_id:016x}"})
        return thread_id

    def message(self, thread_id: int, when: datetime, sender: str, to: list[str], **extra: Any) -> None:
        message_id = len(self.messages) + 1
        sent = sender == USER
        self.messages.append(
            {
                "id": message_id,
                "account_id": 1,
                "thread_id": thread_id,
                "gmail_id": f"{message_id + (1 << 40):016x}",
                "internal_date": when,
                "subject": extra.pop("subject", "Hello"),
                "message_id_header": f"<m{message_id}@bench.example>",
                "from_email": sender,
                "label_ids": ["SENT"] if sent else ["INBOX"],
                "is_sent": sent,
                "is_draft": False,
                "is_inbox": not sent,
                "snippet": "Could you send me the figures?" if sent else "Here is the update",
                **extra,
            }
        )
        roles = [("from", sender)] + [("to", address) for address in to]
        for position, (role, email) in enumerate(roles):
            self.addresses.append(
                {
                    "message_id": message_id,
                    "role": role,
                    "email": email,
                    "raw_email": email,
                    "position": position,
                }
            )

    def conversation(self) -> None:
        contact = self.rng.choices(self.contacts, weights=self.weights)[0]
        thread_id = self.thread()
        when = self.at(self.rng.uniform(0, SPAN_DAYS))
        user_first = self.rng.random() < 0.5
        for index in range(self.rng.choice((1, 2, 2, 3, 4))):
            from_user = user_first == (index % 2 == 0)
            sender, to = (USER, [contact]) if from_user else (contact, [USER])
            self.message(thread_id, min(when, NOW), sender, to)
            when += timedelta(hours=self.rng.uniform(1, 72))

    def list_thread(self) -> None:
        mailing_list = self.rng.choice(LISTS)
        headers = {"list_id": f"<{mailing_list.replace('@', '.')}>", "list_post": f"<mailto:{mailing_list}>"}
        thread_id = self.thread()
        when = self.at(self.rng.uniform(0, SPAN_DAYS))
        for _ in range(self.rng.choice((1, 2, 3))):
            poster = self.rng.choice(self.contacts)
            self.message(thread_id, min(when, NOW), poster, [mailing_list], precedence="list", **headers)
            when += timedelta(hours=self.rng.uniform(1, 48))
        if self.rng.random() < 0.3:
            self.message(thread_id, min(when, NOW), USER, [poster, mailing_list])

    def automated(self) -> None:
        sender = self.rng.choice(AUTOMATED)
        self.message(
            self.thread(),
            self.at(self.rng.uniform(0, SPAN_DAYS)),
            sender,
            [USER],
            list_unsubscribe=f"<mailto:leave@{sender.partition('@')[2]}>",
            precedence="bulk",
        )

    def build_mail(self, messages: int) -> None:
        while len(self.messages) < messages:
            pick = self.rng.random()
            if pick < 0.6:
                self.conversation()
            elif pick < 0.8:
                self.list_thread()
            else:
                self.automated()
        del self.messages[messages:]
        kept = {message["id"] for message in self.messages}
        self.addresses = [address for address in self.addresses if address["message_id"] in kept]

    def events(self, count: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        events: list[dict[str, Any]] = []
        attendees: list[dict[str, Any]] = []
        for event_id in range(1, count + 1):
            start = self.at(self.rng.uniform(-60, SPAN_DAYS)).replace(minute=0, second=0, microsecond=0)
            response = self.rng.choice(("accepted", "accepted", "accepted", "tentative", "declined"))
            events.append(
                {
                    "id": event_id,
                    "calendar_id": 1,
                    "gcal_id": f"event{event_id}",
                    "status": "cancelled" if self.rng.random() < 0.03 else "confirmed",
                    "summary": self.rng.choice(
                        ("Coffee chat", "Interview", "Sync", "Intro call", "Planning")
                    ),
                    "start_at": start,
                    "end_at": start + timedelta(minutes=self.rng.choice((30, 45, 60))),
                    "recurring_event_id": "weekly" if self.rng.random() < 0.2 else None,
                    "organizer_email": USER,
                    "organizer_self": response == "accepted",
                    "self_response": response,
                }
            )
            people = [USER, *self.rng.sample(self.contacts, self.rng.choice((1, 1, 2, 3, 5)))]
            for email in people:
                attendees.append(
                    {
                        "event_id": event_id,
                        "email": email,
                        "response_status": response if email == USER else "accepted",
                        "is_self": email == USER,
                    }
                )
        return events, attendees


def build_store(engine: Engine, *, messages: int, contacts: int, events: int, seed: int = 7) -> None:
    """Fill an empty, migrated store with one account's generated mailbox and calendar."""
    builder = _Builder(seed, contacts)
    builder.build_mail(messages)
    event_rows, attendee_rows = builder.events(events)
    emails = sorted({address["email"] for address in builder.addresses} | {a["email"] for a in attendee_rows})
    with Session(engine) as session:
        session.execute(insert(Account), [{"id": 1, "name": "bench", "email": USER}])
        session.execute(
            insert(Label),
            [
                {"account_id": 1, "gmail_id": gmail_id, "name": name, "type": kind}
                for gmail_id, name, kind in (
                    ("SENT", "SENT", "system"),
                    ("INBOX", "INBOX", "system"),
                    ("Label_1", "Rapport/never-nudge", "user"),
                )
            ],
        )
        session.execute(insert(Thread), builder.threads)
        session.execute(insert(Message), builder.messages)
        session.execute(insert(MessageAddress), builder.addresses)
        session.execute(
            insert(Person),
            [{"id": index, "account_id": 1, "primary_email": email} for index, email in enumerate(emails, 1)],
        )
        session.execute(
            insert(PersonAddress),
            [{"account_id": 1, "person_id": index, "email": email} for index, email in enumerate(emails, 1)],
        )
        session.execute(
            insert(Calendar),
            [{"id": 1, "account_id": 1, "config_id": "primary", "gcal_id": USER, "time_zone": "UTC"}],
        )
        session.execute(insert(Event), event_rows)
        session.execute(insert(Attendee), attendee_rows)
        session.commit()


class _Bodies:
    """The stand-in for `sync.bodies`: every candidate asks something; counts what it was asked for."""

    def __init__(self) -> None:
        self.fetched = 0

    def __call__(self, gmail_ids: list[str]) -> Mapping[str, str]:
        self.fetched += len(gmail_ids)
        return {gmail_id: "Hi,\n\nCould you send me the figures?\n\nThanks" for gmail_id in gmail_ids}


def time_rules(engine: Engine) -> tuple[float, RulesReport]:
    bodies = _Bodies()
    started = time.perf_counter()
    with Session(engine) as session:
        report = run_rules(
            session,
            1,
            rules=default_rules(),
            identity=IdentitySettings(),
            user=UserSettings(timezone="Europe/London"),
            now=NOW,
            fetch_bodies=bodies,
        )
    return time.perf_counter() - started, report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--contacts", type=int, default=5_000)
    parser.add_argument("--events", type=int, default=3_000)
    parser.add_argument("--url", default="", help="store URL (default: a fresh SQLite file)")
    args = parser.parse_args(argv or [])  # `python -m bench` calls main() with no arguments
    with tempfile.TemporaryDirectory() as directory:
        url = args.url or f"sqlite:///{Path(directory) / 'bench.db'}"
        engine = make_engine(url)
        upgrade(engine)
        started = time.perf_counter()
        build_store(engine, messages=args.messages, contacts=args.contacts, events=args.events)
        built = time.perf_counter() - started
        first, report = time_rules(engine)
        second, steady = time_rules(engine)
        engine.dispose()
    size = f"{args.messages} messages, {args.contacts} contacts, {args.events} events"
    print(f"bench_rules: {size} ({built:.1f}s to build the store)")
    print(f"  first run:  {first:.3f}s  found={report.found_by_kind} bodies fetched={report.bodies_fetched}")
    print(f"  second run: {second:.3f}s  found={steady.found} refreshed={steady.refreshed}")


if __name__ == "__main__":
    main(sys.argv[1:])
