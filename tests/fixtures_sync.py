"""Fixtures and builders for syncing a sandbox mailbox into a store through the real client.

`mailbox(...)`/`message(...)`/`event(...)` build mailbox documents (docs/mailbox-format.md) in code;
`sync_env(mailbox_doc, **server_options)` starts the sandbox on it and returns a `SyncEnv` holding the
server, a migrated store with the user's account, and a `GoogleApi` with a fast retry policy; its `sync()`
runs `sync.service.sync_account` and returns the report.
"""

from __future__ import annotations

import email.utils
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from typing import Any, NamedTuple

import pytest
from googleapiclient.http import HttpRequest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sandbox.server import SandboxServer
from sandbox.state import SandboxState
from sandbox.testing import credentials_for
from store.accounts import ensure_account
from store.addresses import normalise_address
from store.models import Calendar, Event, Message, MessageAddress
from sync.client import GoogleApi
from sync.retry import RetryPolicy
from sync.service import SyncReport, sync_account
from sync.settings import SyncSettings

USER = "alex@example.com"
COMPARED_ROLES = ("from", "to", "cc")
FAST_RETRY = RetryPolicy(max_attempts=12, initial_wait=0.01, max_wait=0.2)
NOW = datetime.now(UTC).replace(microsecond=0)


def message(
    number: int,
    *,
    thread: int | None = None,
    labels: Sequence[str] = ("INBOX",),
    days_ago: float = 1.0,
    headers: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
    body: str = "Hello there.",
) -> dict[str, Any]:
    """A mailbox message with ids made from small numbers (thread defaults to its own id)."""
    pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers or ())
    if headers is None:
        pairs = [
            ("From", f"Person {number} <person{number}@example.org>"),
            ("To", USER),
            ("Subject", f"Subject {number}"),
            ("Date", (NOW - timedelta(days=days_ago)).strftime("%a, %d %b %Y %H:%M:%S +0000")),
            ("Message-ID", f"<m{number}@example.org>"),
        ]
    return {
        "id": gmail_id(number),
        "threadId": gmail_id(thread if thread is not None else number),
        "labelIds": list(labels),
        "internalDate": str(int((NOW - timedelta(days=days_ago)).timestamp() * 1000)),
        "headers": [{"name": name, "value": value} for name, value in pairs],
        "body": body,
    }


def gmail_id(number: int) -> str:
    """The 16-hex-digit Gmail id of message (or thread) `number`."""
    return f"{0x18C0000000000000 + number:016x}"


def event(event_id: str, *, hours_ago: float, attendees: Iterable[str] = (), **fields: Any) -> dict[str, Any]:
    """A confirmed one-hour meeting organised by the user that ended `hours_ago - 1` hours ago."""
    start = NOW - timedelta(hours=hours_ago)
    resource: dict[str, Any] = {
        "id": event_id,
        "status": "confirmed",
        "summary": f"Meeting {event_id}",
        "start": {"dateTime": start.isoformat(), "timeZone": "UTC"},
        "end": {"dateTime": (start + timedelta(hours=1)).isoformat(), "timeZone": "UTC"},
        "organizer": {"email": USER, "self": True},
        "attendees": [
            {"email": USER, "self": True, "organizer": True, "responseStatus": "accepted"},
            *({"email": email, "responseStatus": "accepted"} for email in attendees),
        ],
        "eventType": "default",
        "updated": (NOW - timedelta(days=3)).isoformat().replace("+00:00", "Z"),
    }
    resource.update(fields)
    return resource


def mailbox(
    messages: Iterable[Mapping[str, Any]],
    *,
    events: Iterable[Mapping[str, Any]] = (),
    labels: Iterable[Mapping[str, str]] = (),
    extra_calendars: Iterable[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """A one-user mailbox document for USER with a primary calendar."""
    return {
        "format": "rapport-sandbox-mailbox/1",
        "users": [
            {
                "email": USER,
                "name": "Alex Morgan",
                "timezone": "UTC",
                "labels": list(labels),
                "messages": list(messages),
                "calendars": [
                    {
                        "id": USER,
                        "summary": USER,
                        "timeZone": "UTC",
                        "primary": True,
                        "accessRole": "owner",
                        "events": list(events),
                    },
                    *extra_calendars,
                ],
            }
        ],
    }


class MessageFields(NamedTuple):
    """What the store holds of one message, as compared with the sandbox's copy of it."""

    labels: list[str]  # sorted
    internal_date: datetime
    date_header: datetime | None
    subject: str | None
    message_id: str | None
    in_reply_to: str | None
    from_email: str | None
    addresses: dict[str, list[str]]  # "from", "to", "cc": normalised addresses in header order


def ensure_test_account(session_factory: sessionmaker[Session], name: str = "work", email: str = USER) -> int:
    """The id of the account `name` for `email`, created when missing."""
    with session_factory.begin() as session:
        return ensure_account(session, name, email).id


@dataclass
class SyncEnv:
    """A sandbox, a store holding the user's account, and an API client for it."""

    server: SandboxServer
    session_factory: sessionmaker[Session]
    api: GoogleApi
    account_id: int
    settings: SyncSettings = field(default_factory=lambda: SyncSettings(workers=2))
    fold_plus: bool = True
    calendars: Sequence[str] = ("primary",)

    @property
    def state(self) -> SandboxState:
        """The sandbox's state (mutations go here)."""
        return self.server.state

    def sync(
        self, *, stop: threading.Event | None = None, progress: Callable[[int, int], None] | None = None
    ) -> SyncReport:
        """One `sync_account` run."""
        return sync_account(
            self.session_factory,
            self.api,
            self.account_id,
            self.settings,
            fold_plus=self.fold_plus,
            calendars=self.calendars,
            stop=stop,
            progress=progress,
        )

    def stored_ids(self) -> set[str]:
        """The Gmail ids of every stored message."""
        with self.session_factory() as session:
            return set(session.scalars(select(Message.gmail_id).where(Message.account_id == self.account_id)))

    def stored(self, gmail_id: str) -> Message:
        """One stored message, addresses loaded."""
        with self.session_factory() as session:
            found = session.scalar(
                select(Message).where(Message.account_id == self.account_id, Message.gmail_id == gmail_id)
            )
            assert found is not None, f"message {gmail_id} is not stored"
            _ = [address.email for address in found.addresses]
            return found

    def addresses(self, gmail_id: str, role: str) -> list[str]:
        """The normalised addresses of one header of a stored message, in order."""
        with self.session_factory() as session:
            return list(
                session.scalars(
                    select(MessageAddress.email)
                    .join(Message, Message.id == MessageAddress.message_id)
                    .where(Message.gmail_id == gmail_id, MessageAddress.role == role)
                    .order_by(MessageAddress.position)
                )
            )

    def stored_labels(self) -> dict[str, list[str]]:
        """Every stored message's label ids (sorted), by Gmail id."""
        with self.session_factory() as session:
            rows = session.execute(
                select(Message.gmail_id, Message.label_ids).where(Message.account_id == self.account_id)
            )
            return {gmail_id: sorted(labels) for gmail_id, labels in rows}

    def sandbox_labels(self) -> dict[str, list[str]]:
        """What the store must hold: the window's messages not in spam or trash, with their sorted labels."""
        oldest_ms = (datetime.now(UTC) - timedelta(days=self.settings.window_days)).timestamp() * 1000
        return {
            summary["id"]: sorted(summary["labelIds"])
            for summary in self.state.messages(USER)
            if int(summary["internalDate"]) > oldest_ms and not {"SPAM", "TRASH"} & set(summary["labelIds"])
        }

    def snapshot(self) -> dict[str, Any]:
        """The store's Gmail and Calendar content without local ids, for comparing two stores."""
        with self.session_factory() as session:
            messages = {
                message.gmail_id: (
                    message.thread.gmail_id,
                    sorted(message.label_ids),
                    message.internal_date,
                    message.date_header,
                    message.subject,
                    message.from_email,
                    message.from_name,
                    message.message_id_header,
                    message.references_header,
                    message.snippet,
                    message.parse_problems,
                    [
                        (address.role, address.email, address.name, address.position)
                        for address in message.addresses
                    ],
                )
                for message in session.scalars(select(Message).where(Message.account_id == self.account_id))
            }
            events = {
                event.gcal_id: (
                    event.status,
                    event.summary,
                    event.start_at,
                    event.end_at,
                    sorted((attendee.email, attendee.response_status) for attendee in event.attendees),
                )
                for event in session.scalars(
                    select(Event)
                    .join(Calendar, Calendar.id == Event.calendar_id)
                    .where(Calendar.account_id == self.account_id)
                )
            }
        return {"messages": messages, "events": events}

    def stored_fields(self) -> dict[str, MessageFields]:
        """Every stored message's compared fields, by Gmail id (two queries, whatever the count)."""
        addresses: dict[str, dict[str, list[str]]] = {}
        with self.session_factory() as session:
            rows = session.execute(
                select(Message.gmail_id, MessageAddress.role, MessageAddress.email)
                .join(Message, Message.id == MessageAddress.message_id)
                .where(Message.account_id == self.account_id, MessageAddress.role.in_(COMPARED_ROLES))
                .order_by(MessageAddress.message_id, MessageAddress.role, MessageAddress.position)
            )
            for gmail_id, role, address in rows:
                addresses.setdefault(gmail_id, {}).setdefault(role, []).append(address)
            messages = session.execute(
                select(
                    Message.gmail_id,
                    Message.label_ids,
                    Message.internal_date,
                    Message.date_header,
                    Message.subject,
                    Message.message_id_header,
                    Message.in_reply_to,
                    Message.from_email,
                ).where(Message.account_id == self.account_id)
            )
            return {
                gmail_id: MessageFields(sorted(labels), *fields, addresses.get(gmail_id, {}))
                for gmail_id, labels, *fields in messages
            }

    def sandbox_fields(self) -> dict[str, MessageFields]:
        """What the store must hold of the messages `sandbox_labels` names, read from the sandbox's headers
        with the standard library (`email.utils`, `email.header`), addresses normalised as the store does.

        Right for well-formed mail such as the generator's and `message(...)`'s; malformed mail has its own
        tests (test_header_variants_and_malformed_mail)."""
        expected: dict[str, MessageFields] = {}
        wanted = self.sandbox_labels()
        for summary in self.state.messages(USER):
            if summary["id"] not in wanted:
                continue
            headers: dict[str, list[str]] = {}
            for header in summary["headers"]:
                headers.setdefault(header["name"].lower(), []).append(header["value"])
            addresses = {
                role: found for role in COMPARED_ROLES if (found := self._normalised(headers.get(role, [])))
            }
            date = headers.get("date")
            subject = headers.get("subject")
            expected[summary["id"]] = MessageFields(
                labels=wanted[summary["id"]],
                internal_date=datetime.fromtimestamp(int(summary["internalDate"]) / 1000, UTC),
                date_header=email.utils.parsedate_to_datetime(date[0]).astimezone(UTC) if date else None,
                subject=str(make_header(decode_header(subject[0]))) if subject else None,
                message_id=headers["message-id"][0].strip() if "message-id" in headers else None,
                in_reply_to=headers["in-reply-to"][0].strip() if "in-reply-to" in headers else None,
                from_email=addresses.get("from", [None])[0],
                addresses=addresses,
            )
        return expected

    def _normalised(self, values: list[str]) -> list[str]:
        """The addresses of one header's values, normalised; what is not an address (the bits of an
        unquoted "Last, First" name that `getaddresses` splits off) left out."""
        found = (
            normalise_address(address, fold_plus=self.fold_plus)
            for _, address in email.utils.getaddresses(values)
        )
        return [address for address in found if address is not None]

    def assert_store_matches_sandbox(self) -> None:
        """The store holds exactly the sandbox's messages: ids, labels, dates, Subject, Message-ID,
        In-Reply-To and the From, To and Cc addresses of each."""
        assert self.stored_labels() == self.sandbox_labels()
        stored, expected = self.stored_fields(), self.sandbox_fields()
        wrong = {gmail_id: fields for gmail_id, fields in expected.items() if stored[gmail_id] != fields}
        if wrong:
            gmail_id, fields = next(iter(wrong.items()))
            differences = {
                name: (mine, theirs)
                for name, mine, theirs in zip(MessageFields._fields, stored[gmail_id], fields, strict=True)
                if mine != theirs
            }
            raise AssertionError(
                f"{len(wrong)} messages differ, e.g. {gmail_id} (stored, expected): {differences}"
            )


SyncEnvFactory = Callable[..., SyncEnv]


class SimulatedKill(BaseException):
    """The process dies here: nothing after this point runs (a BaseException, like SystemExit)."""


class DyingApi(GoogleApi):
    """Our own client for `env`'s account, dying just before the `calls`-th call of `method_id` goes out."""

    def __init__(self, env: SyncEnv, method_id: str, calls: int) -> None:
        super().__init__(env.api.services.credentials, api_endpoint=env.server.base_url, retry=env.api.retry)
        self.method_id = method_id
        self.remaining = calls

    def execute(self, request: HttpRequest) -> Any:
        if request.methodId == self.method_id:
            self.remaining -= 1
            if self.remaining == 0:
                raise SimulatedKill
        return super().execute(request)


@pytest.fixture
def sync_env(
    sandbox_factory: Callable[..., SandboxServer], session_factory: sessionmaker[Session]
) -> SyncEnvFactory:
    """Start a sandbox over a mailbox document (or state) and give a `SyncEnv` on the test's store
    (`account` names the store's account: two environments on one store need two names)."""

    def start(
        document: Mapping[str, Any] | SandboxState, account: str = "work", **server_options: Any
    ) -> SyncEnv:
        server = sandbox_factory(document, **server_options)
        account_id = ensure_test_account(session_factory, account)
        api = GoogleApi(
            credentials_for(server, USER),
            api_endpoint=server.base_url,
            units_per_second=server_options.get("quota_units_per_second") or 1e9,
            retry=FAST_RETRY,
        )
        return SyncEnv(server=server, session_factory=session_factory, api=api, account_id=account_id)

    return start
