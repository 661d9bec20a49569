"""Draft-writing scenarios: a sandbox mailbox, the real client, a real store synced from it, and findings.

`draft_scenario(mailbox=None, account="work", **server_options)` starts the sandbox over `drafts_mailbox()`
(or the given document), creates the account in the migrated store (shared by the scenarios of one test)
and returns a `DraftScenario` that can sync, find, write drafts and show what the user would see in Gmail.
The sandbox's clock is frozen at `NOW`.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from rules.engine import RulesReport, run_rules
from rules.settings import IdentitySettings, RuleSettings, UserSettings, default_rules
from sandbox.server import SandboxServer
from sandbox.state import SandboxState
from sandbox.testing import credentials_for
from store.models import Account, Draft, Finding
from sync.bodies import fetch_plain_bodies
from sync.client import GoogleApi
from sync.drafts_writer import Checkpoint, DraftReport, write_drafts
from sync.retry import RetryPolicy
from sync.service import sync_account
from sync.settings import DraftSettings, SyncSettings

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # a Friday
ALEX = "alex@example.com"
USER = UserSettings(name="Alex Morgan", signature="", timezone="Europe/London")
SAM = "sam.lee@example.org"
LEE = "lee@old.example"
ZOE = "zoe@cafe.example"
DANA = "dana@acme.io"
JOERG = "joerg@acme.io"
OPS = "ops@vendor.example"
MEETING_ID = "interview20261119"
ROADMAP_THREAD = "18f0000000000001"  # Sam, 4 months ago
OLD_THREAD = "18f0000000000011"  # Lee, 16 months ago
SCHEDULE_THREAD = "18f0000000000021"  # Alex asked the vendor 10 days ago
CAFE_THREAD = "18f0000000000031"  # Zoë, a non-ASCII subject
SCHEDULE_MESSAGE = "18f0000000000021"
QUESTION = "Could you send me the schedule for next week?"
# The occasions the rules find in drafts_mailbox() at NOW (docs/rules.md).
THANK_YOU = f"thank_you:{MEETING_ID}"
COLD_SAM = f"cold_contact:{SAM}:{(NOW - timedelta(days=125)).date().isoformat()}"
COLD_LEE = f"cold_contact:{LEE}:{(NOW - timedelta(days=498)).date().isoformat()}"
COLD_ZOE = f"cold_contact:{ZOE}:{(NOW - timedelta(days=88)).date().isoformat()}"
AWAITING = f"awaiting_reply:{SCHEDULE_MESSAGE}"
EVERY_KEY = {f"{THANK_YOU}:{DANA}", f"{THANK_YOU}:{JOERG}", COLD_SAM, COLD_ZOE, COLD_LEE, AWAITING}


def _ms(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def _mail(
    gmail_id: str,
    thread_id: str,
    labels: list[str],
    at: datetime,
    *,
    sender: str,
    to: str,
    subject: str,
    message_id: str,
    body: str,
    in_reply_to: str | None = None,
) -> dict[str, Any]:
    headers = [
        {"name": "From", "value": sender},
        {"name": "To", "value": to},
        {"name": "Subject", "value": subject},
        {"name": "Date", "value": email.utils.format_datetime(at)},
        {"name": "Message-ID", "value": message_id},
    ]
    if in_reply_to:
        headers += [
            {"name": "In-Reply-To", "value": in_reply_to},
            {"name": "References", "value": in_reply_to},
        ]
    return {
        "id": gmail_id,
        "threadId": thread_id,
        "labelIds": labels,
        "internalDate": _ms(at),
        "headers": headers,
        "body": body,
    }


def drafts_mailbox() -> dict[str, Any]:
    """Alex's mailbox: a 4-month-old thread with Sam, a 16-month-old one with Lee, an unanswered question
    to a vendor, a 3-month-old thread with Zoë under a non-ASCII subject, and yesterday's interview with
    Dana and Jörg."""
    me = f"Alex Morgan <{ALEX}>"
    sam, lee, vendor = f"Sam Lee <{SAM}>", f"Lee Park <{LEE}>", f"Vendor Ops <{OPS}>"
    zoe = f"=?utf-8?q?Zo=C3=AB_=C3=87elik?= <{ZOE}>"  # as on the wire: RFC 2047
    rows: list[tuple[str, str, str, int, str, str, str, str, str | None, str]] = [
        # gmail id, thread, label, days ago, from, to, subject, Message-ID, In-Reply-To, body
        (ROADMAP_THREAD, ROADMAP_THREAD, "INBOX", 130, sam, ALEX, "Roadmap", "<roadmap-1@example.org>", None,
         "Shall we compare notes?"),
        ("18f0000000000002", ROADMAP_THREAD, "SENT", 128, me, SAM, "Re: Roadmap", "<roadmap-2@example.com>",
         "<roadmap-1@example.org>", "Yes, Thursday?"),
        ("18f0000000000003", ROADMAP_THREAD, "INBOX", 125, sam, ALEX, "Re: Roadmap",
         "<roadmap-3@example.org>", "<roadmap-2@example.com>", "Thursday it is."),
        (OLD_THREAD, OLD_THREAD, "INBOX", 500, lee, ALEX, "Old project", "<old-1@old.example>", None,
         "How is the old project?"),
        ("18f0000000000012", OLD_THREAD, "SENT", 498, me, LEE, "Re: Old project", "<old-2@example.com>",
         "<old-1@old.example>", "Going well, thanks."),
        (SCHEDULE_MESSAGE, SCHEDULE_THREAD, "SENT", 10, me, vendor, "Schedule", "<schedule-1@example.com>",
         None, f"Hi,\n\n{QUESTION}\n\nAlex\n"),
        (CAFE_THREAD, CAFE_THREAD, "INBOX", 90, zoe, ALEX, "=?utf-8?q?=C3=9Cber_den_Kaffee_=E2=98=95?=",
         "<cafe-1@cafe.example>", None, "Noch einen Kaffee?"),
        ("18f0000000000032", CAFE_THREAD, "SENT", 88, me, ZOE, "Re: Über den Kaffee ☕",
         "<cafe-2@example.com>", "<cafe-1@cafe.example>", "Gerne!"),
    ]  # fmt: skip
    messages = [
        _mail(gmail_id, thread, [label], NOW - timedelta(days=days), sender=sender, to=to, subject=subject,
              message_id=message_id, in_reply_to=in_reply_to, body=body)
        for gmail_id, thread, label, days, sender, to, subject, message_id, in_reply_to, body in rows
    ]  # fmt: skip
    start = NOW - timedelta(days=1, hours=3)
    meeting = {
        "id": MEETING_ID,
        "status": "confirmed",
        "summary": "Interview — Platform team ☕",
        "start": {"dateTime": start.isoformat(), "timeZone": "Europe/London"},
        "end": {"dateTime": (start + timedelta(hours=1)).isoformat(), "timeZone": "Europe/London"},
        "organizer": {"email": ALEX, "self": True},
        "attendees": [
            {"email": ALEX, "self": True, "organizer": True, "responseStatus": "accepted"},
            {"email": DANA, "displayName": "Kim, Dana", "responseStatus": "accepted"},
            {"email": JOERG, "displayName": "Jörg Müller", "responseStatus": "accepted"},
            {"email": "room-4@resource.calendar.google.com", "resource": True, "responseStatus": "accepted"},
        ],
        "eventType": "default",
        "iCalUID": f"{MEETING_ID}@google.com",
        "updated": (start - timedelta(days=3)).isoformat(),
    }
    return {
        "format": "rapport-sandbox-mailbox/1",
        "users": [
            {
                "email": ALEX,
                "name": "Alex Morgan",
                "timezone": "Europe/London",
                "messages": messages,
                "calendars": [
                    {
                        "id": ALEX,
                        "summary": ALEX,
                        "timeZone": "Europe/London",
                        "primary": True,
                        "accessRole": "owner",
                        "events": [meeting],
                    }
                ],
            }
        ],
    }


@dataclass(frozen=True)
class GmailDraftView:
    """A draft as the user sees it in Gmail: ids, thread, headers decoded, body."""

    draft_id: str
    message_id: str
    thread_id: str
    key: str | None
    to: list[tuple[str, str]]  # (display name, address)
    subject: str
    in_reply_to: str | None
    references: str | None
    body: str


class DraftScenario:
    """One account's sandbox mailbox, store and client, with the actions a drafts test takes."""

    def __init__(self, server: SandboxServer, session_factory: sessionmaker[Session], account: str) -> None:
        self.server = server
        self.state: SandboxState = server.state
        self.session_factory = session_factory
        self.api = self._client()
        with session_factory.begin() as session:
            row = Account(name=account, email=ALEX)
            session.add(row)
            session.flush()
            self.account_id = row.id
        self.now = NOW

    def _client(self) -> GoogleApi:
        return GoogleApi(
            credentials_for(self.server, ALEX),
            api_endpoint=self.server.base_url,
            retry=RetryPolicy(initial_wait=0.01, max_wait=0.05),
        )

    def restart(self) -> None:
        """A new process: a fresh client (connections, token); the store and Gmail stay as they are."""
        self.api = self._client()

    def sync(self) -> None:
        """Bring the store up to date with the sandbox (the cycle's first step)."""
        sync_account(
            self.session_factory, self.api, self.account_id, SyncSettings(), fold_plus=True, now=self._now
        )

    def _now(self) -> datetime:
        return self.now

    def find(self, identity: IdentitySettings | None = None) -> RulesReport:
        """Run the rules engine over the store (the cycle's second step), with the default rules."""
        with self.session_factory() as session:
            return run_rules(
                session,
                self.account_id,
                rules=default_rules(),
                identity=identity or IdentitySettings(),
                user=USER,
                now=self.now,
                fetch_bodies=lambda ids: fetch_plain_bodies(self.api, ids),
            )

    def sync_and_find(self) -> RulesReport:
        """The cycle's first two steps: what a user action in Gmail looks like to the draft writer."""
        self.sync()
        return self.find()

    def write(
        self,
        settings: DraftSettings | None = None,
        *,
        dry_run: bool = False,
        checkpoint: Checkpoint | None = None,
        rules: Sequence[RuleSettings] | None = None,
        user: UserSettings = USER,
        identity: IdentitySettings | None = None,
    ) -> DraftReport:
        """One run of the draft writer (`identity` as given to `find`)."""
        return write_drafts(
            self.session_factory,
            self.api,
            self.account_id,
            settings=settings or DraftSettings(),
            user=user,
            identity=identity or IdentitySettings(),
            rules=default_rules() if rules is None else rules,
            now=self.now,
            dry_run=dry_run,
            checkpoint=checkpoint,
        )

    def gmail_drafts(self) -> list[GmailDraftView]:
        """Every draft in the sandbox mailbox, decoded from the raw message Gmail holds."""
        return [self._view(draft) for draft in self.state.drafts(ALEX)]

    def _view(self, draft: dict[str, Any]) -> GmailDraftView:
        with self.state.lock:
            source = self.state.gmail(ALEX).messages[draft["messageId"]].raw()
        # A message with UTF-8 headers (to an internationalised address, RFC 6532) is read as text, as a
        # mail client reads it; the bytes parser would leave its non-ASCII header bytes undecoded.
        parsed = (
            email.message_from_bytes(source, policy=email.policy.default)
            if source.isascii()
            else email.message_from_string(source.decode("utf-8"), policy=email.policy.default)
        )
        assert isinstance(parsed, EmailMessage)
        body = parsed.get_body(preferencelist=("plain",))
        assert isinstance(body, EmailMessage)
        return GmailDraftView(
            draft_id=draft["id"],
            message_id=draft["messageId"],
            thread_id=draft["threadId"],
            key=parsed["X-Rapport-Key"],
            to=[(address.display_name, address.addr_spec) for address in parsed["To"].addresses],
            subject=str(parsed["Subject"]),
            in_reply_to=parsed["In-Reply-To"],
            references=parsed["References"],
            body=str(body.get_content()).replace("\r\n", "\n"),
        )

    def draft_with_key(self, key: str) -> GmailDraftView:
        """The one Gmail draft carrying `key`."""
        found = [draft for draft in self.gmail_drafts() if draft.key == key]
        assert len(found) == 1, f"{len(found)} drafts carry {key}"
        return found[0]

    def finding(self, occasion_key: str) -> Finding:
        with self.session_factory() as session:
            return session.scalars(select(Finding).where(Finding.occasion_key == occasion_key)).one()

    def score_of(self, draft_key: str) -> float:
        """The score of the finding a draft key belongs to (per-attendee keys end in ":" + address)."""
        with self.session_factory() as session:
            scores = dict(session.execute(select(Finding.occasion_key, Finding.score)).all())
        return float(scores[draft_key] if draft_key in scores else scores[draft_key.rsplit(":", 1)[0]])

    def outbox(self) -> dict[str, Draft]:
        """The outbox rows by draft key."""
        with self.session_factory() as session:
            return {row.draft_key: row for row in session.scalars(select(Draft).order_by(Draft.id))}

    def calls(self, method: str) -> int:
        """How many calls of a Gmail method (e.g. "drafts.create") reached the sandbox."""
        return self.server.log.count(f"gmail.users.{method}")


DraftScenarioFactory = Callable[..., DraftScenario]


@pytest.fixture
def draft_scenario(
    sandbox_factory: Callable[..., SandboxServer], session_factory: sessionmaker[Session]
) -> DraftScenarioFactory:
    """Build a DraftScenario over `drafts_mailbox()` (or `mailbox`), the sandbox clock frozen at NOW."""

    def build(
        mailbox: dict[str, Any] | None = None, *, account: str = "work", **server_options: Any
    ) -> DraftScenario:
        state = SandboxState.from_mailbox(mailbox or drafts_mailbox(), clock=lambda: NOW)
        return DraftScenario(sandbox_factory(state, **server_options), session_factory, account)

    return build
