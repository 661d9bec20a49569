"""Fixtures for the rules engine's scenarios: a mailbox built in code, synced for real, then evaluated.

`Scenario` builds a mailbox document (docs/mailbox-format.md) the way the user lived it: people write,
the user writes and replies, meetings happen. `rules_env(scenario)` starts the sandbox on it, and its
`run()` syncs the store through the real client (`sync.service.sync_account`) and runs
`rules.engine.run_rules` with the bodies fetched through `sync.bodies`, as the application shell does.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from sqlalchemy import select

from rules.engine import RulesReport, run_rules
from rules.report import findings_json
from rules.settings import IdentitySettings, RuleSettings, UserSettings, default_rules
from store.models import Finding, FindingState
from sync.bodies import fetch_plain_bodies
from tests.fixtures_sync import NOW, USER, SyncEnv, SyncEnvFactory

__all__ = ["NOW", "USER", "Mail", "RulesEnv", "Scenario", "days_ago", "hours_ago"]


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def hours_ago(hours: float) -> datetime:
    return NOW - timedelta(hours=hours)


@dataclass(frozen=True)
class Mail:
    """A message of the scenario: its Gmail ids and its Message-ID header."""

    id: str
    thread_id: str
    message_id: str
    subject: str


def _address_list(addresses: str | Iterable[str]) -> str:
    return addresses if isinstance(addresses, str) else ", ".join(addresses)


@dataclass
class Scenario:
    """A mailbox for USER built in code, message by message and meeting by meeting."""

    aliases: list[str] = field(default_factory=list)
    timezone: str = "Europe/London"
    messages: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    labels: list[dict[str, str]] = field(default_factory=list)
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def label(self, name: str) -> str:
        """A user label; returns its id."""
        label_id = f"Label_{len(self.labels) + 1}"
        self.labels.append({"id": label_id, "name": name})
        return label_id

    def mail(
        self,
        *,
        sender: str,
        to: str | Iterable[str],
        subject: str,
        at: datetime,
        body: str = "Hello.",
        cc: str | Iterable[str] = (),
        reply_to: Mail | None = None,
        labels: Sequence[str] | None = None,
        headers: Sequence[tuple[str, str]] = (),
        snippet: str | None = None,
    ) -> Mail:
        """A message as it sits in the mailbox; `sender` is "Name <address>" or an address."""
        number = next(self._numbers)
        gmail_id = f"{0x19D0000000000000 + number:016x}"
        thread_id = reply_to.thread_id if reply_to else gmail_id
        domain = sender.rpartition("@")[2].rstrip(">") or "example.org"
        message_id = f"<m{number}@{domain}>"
        from_user = USER in sender or any(alias in sender for alias in self.aliases)
        wire = [
            ("From", sender),
            ("To", _address_list(to)),
            *([("Cc", _address_list(cc))] if cc else []),
            ("Subject", subject),
            ("Date", format_datetime(at)),
            ("Message-ID", message_id),
        ]
        if reply_to is not None:
            wire += [("In-Reply-To", reply_to.message_id), ("References", reply_to.message_id)]
        document: dict[str, Any] = {
            "id": gmail_id,
            "threadId": thread_id,
            "labelIds": list(labels if labels is not None else (["SENT"] if from_user else ["INBOX"])),
            "internalDate": str(int(at.timestamp() * 1000)),
            "headers": [{"name": name, "value": value} for name, value in [*wire, *headers]],
            "body": body,
        }
        if snippet is not None:
            document["snippet"] = snippet
        self.messages.append(document)
        return Mail(gmail_id, thread_id, message_id, subject)

    def user_writes(
        self, to: str | Iterable[str], subject: str, body: str, *, at: datetime, **options: Any
    ) -> Mail:
        return self.mail(sender=f"Alex Morgan <{USER}>", to=to, subject=subject, body=body, at=at, **options)

    def writes(
        self,
        sender: str,
        subject: str,
        body: str = "Hello.",
        *,
        at: datetime,
        to: str | Iterable[str] = USER,
        **options: Any,
    ) -> Mail:
        return self.mail(sender=sender, to=to, subject=subject, body=body, at=at, **options)

    def meeting(
        self,
        event_id: str,
        *,
        summary: str,
        start: datetime,
        minutes: int = 60,
        attendees: Iterable[str | Mapping[str, Any]] = (),
        organizer_self: bool = True,
        self_response: str = "accepted",
        **fields: Any,
    ) -> str:
        """A meeting on the primary calendar; attendees are addresses or attendee dicts."""
        others = [
            {"email": a, "responseStatus": "accepted"} if isinstance(a, str) else dict(a) for a in attendees
        ]
        organizer = {"email": USER, "self": True} if organizer_self else {"email": others[0]["email"]}
        resource: dict[str, Any] = {
            "id": event_id,
            "status": "confirmed",
            "summary": summary,
            "start": {"dateTime": start.isoformat(), "timeZone": "UTC"},
            "end": {"dateTime": (start + timedelta(minutes=minutes)).isoformat(), "timeZone": "UTC"},
            "organizer": organizer,
            "attendees": [
                {"email": USER, "self": True, "organizer": organizer_self, "responseStatus": self_response},
                *others,
            ],
            "eventType": "default",
            "iCalUID": f"{event_id}@google.com",
            "updated": (start - timedelta(days=3)).isoformat(),
        }
        resource.update(fields)
        self.events.append(resource)
        return event_id

    def weekly_meeting(
        self, series_id: str, *, summary: str, start: datetime, attendees: Iterable[str]
    ) -> str:
        """A weekly series' master and its instance that took place at `start`; returns the instance id."""
        self.meeting(
            series_id, summary=summary, start=start, attendees=attendees, recurrence=["RRULE:FREQ=WEEKLY"]
        )
        instance = f"{series_id}_{start:%Y%m%dT%H%M%SZ}"
        original = {"dateTime": start.isoformat(), "timeZone": "UTC"}
        return self.meeting(
            instance,
            summary=summary,
            start=start,
            attendees=attendees,
            recurringEventId=series_id,
            originalStartTime=original,
        )

    def document(self) -> dict[str, Any]:
        return {
            "format": "rapport-sandbox-mailbox/1",
            "users": [
                {
                    "email": USER,
                    "name": "Alex Morgan",
                    "timezone": self.timezone,
                    "aliases": self.aliases,
                    "labels": self.labels,
                    "messages": self.messages,
                    "calendars": [
                        {
                            "id": USER,
                            "summary": USER,
                            "timeZone": self.timezone,
                            "primary": True,
                            "accessRole": "owner",
                            "events": self.events,
                        }
                    ],
                }
            ],
        }


@dataclass
class RulesEnv:
    """A synced store over a sandbox mailbox, and the rules run on it as the shell runs them."""

    sync_env: SyncEnv
    scenario: Scenario
    fetched: list[list[str]] = field(default_factory=list)  # each fetch_bodies call's ids

    def fetch_bodies(self, gmail_ids: list[str]) -> Mapping[str, str]:
        self.fetched.append(list(gmail_ids))
        return fetch_plain_bodies(self.sync_env.api, gmail_ids)

    def run(
        self,
        rules: Sequence[RuleSettings] | None = None,
        *,
        identity: IdentitySettings | None = None,
        now: datetime = NOW,
        sync: bool = True,
    ) -> RulesReport:
        """Sync the store, then run the rules at `now` in the scenario's timezone."""
        if sync:
            self.sync_env.sync()
        with self.sync_env.session_factory() as session:
            return run_rules(
                session,
                self.sync_env.account_id,
                rules=list(rules) if rules is not None else default_rules(),
                identity=identity or IdentitySettings(),
                user=UserSettings(name="Alex Morgan", timezone=self.scenario.timezone),
                now=now,
                fetch_bodies=self.fetch_bodies,
            )

    def findings(self, kind: str | None = None) -> list[dict[str, Any]]:
        """What `rapport preview --json` would print (of one kind, if given)."""
        with self.sync_env.session_factory() as session:
            found = findings_json(session, self.sync_env.account_id)
        return [finding for finding in found if kind is None or finding["kind"] == kind]

    def stored_findings(self) -> list[Finding]:
        """Every finding row of the account, whatever its state, oldest first."""
        with self.sync_env.session_factory() as session:
            query = select(Finding).where(Finding.account_id == self.sync_env.account_id).order_by(Finding.id)
            return list(session.scalars(query))

    def set_state(self, occasion_key: str, state: FindingState) -> None:
        """The user's decision on a finding (what `rapport dismiss` or the draft writer would record)."""
        with self.sync_env.session_factory.begin() as session:
            finding = session.scalars(select(Finding).where(Finding.occasion_key == occasion_key)).one()
            finding.state = state


RulesEnvFactory = Callable[[Scenario], RulesEnv]


@pytest.fixture
def rules_env(sync_env: SyncEnvFactory) -> RulesEnvFactory:
    """Start the sandbox on a scenario's mailbox; the returned env syncs and runs the rules."""

    def start(scenario: Scenario) -> RulesEnv:
        return RulesEnv(sync_env(scenario.document()), scenario)

    return start
