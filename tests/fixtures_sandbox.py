"""Fixtures that start the sandbox in-process and give tests real google-api-python-client services.

`sandbox_factory(state_or_mailbox, **server_options)` starts a `SandboxServer` on a free loopback port
and stops it at teardown; at teardown it also fails the test if any call Rapport must never make (send,
trash, modify, calendar writes) reached the sandbox, unless the test is marked
`@pytest.mark.allow_forbidden`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httplib2
import pytest
from googleapiclient.errors import HttpError

from sandbox.faults import Fault, FaultInjector
from sandbox.server import SandboxServer
from sandbox.state import SandboxState

SandboxFactory = Callable[..., SandboxServer]


@dataclass(frozen=True)
class RawAnswer:
    """A raw HTTP answer from the sandbox: status, headers (lower-case names) and parsed JSON body."""

    status: int
    headers: dict[str, str]
    json: Any


class BatchAnswers:
    """A BatchHttpRequest callback that collects answers and HttpErrors by request id."""

    def __init__(self) -> None:
        self.responses: dict[str, Any] = {}
        self.errors: dict[str, HttpError] = {}

    def __call__(self, request_id: str, response: Any, exception: Exception | None) -> None:
        if exception is None:
            self.responses[request_id] = response
        elif isinstance(exception, HttpError):
            self.errors[request_id] = exception
        else:
            raise exception


def raw_request(
    server: SandboxServer,
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
) -> RawAnswer:
    """One plain HTTP request to the sandbox (no client library), for what the client refuses to send."""
    sent_headers = dict(headers or {})
    if token is not None:
        sent_headers["Authorization"] = f"Bearer {token}"
    payload: str | None = None
    if body is not None:
        payload = json.dumps(body)
        sent_headers.setdefault("Content-Type", "application/json")
    http = httplib2.Http()
    http.follow_redirects = False
    response, content = http.request(server.base_url + path, method, body=payload, headers=sent_headers)
    parsed = json.loads(content) if content else None
    return RawAnswer(response.status, {name.lower(): value for name, value in response.items()}, parsed)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "allow_forbidden: the test makes calls Rapport must never make, on purpose"
    )


@pytest.fixture
def sandbox_factory(request: pytest.FixtureRequest) -> Iterator[SandboxFactory]:
    """Start sandbox servers over a SandboxState or a mailbox document; all stopped at teardown."""
    servers: list[SandboxServer] = []

    def start(state_or_mailbox: SandboxState | Mapping[str, Any], **server_options: Any) -> SandboxServer:
        state = (
            state_or_mailbox
            if isinstance(state_or_mailbox, SandboxState)
            else SandboxState.from_mailbox(state_or_mailbox)
        )
        server = SandboxServer(state, **server_options).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
    if request.node.get_closest_marker("allow_forbidden") is None:
        forbidden = [entry for server in servers for entry in server.log.forbidden()]
        assert not forbidden, f"calls Rapport must never make reached the sandbox: {forbidden}"


ALEX = "alex@example.com"
SAM = "sam@example.org"


def _message(
    message_id: str, thread_id: str, labels: list[str], at_ms: int, *, headers: dict[str, str], body: str
) -> dict[str, Any]:
    return {
        "id": message_id,
        "threadId": thread_id,
        "labelIds": labels,
        "internalDate": str(at_ms),
        "headers": [{"name": name, "value": value} for name, value in headers.items()],
        "body": body,
    }


def small_mailbox_document() -> dict[str, Any]:
    """Two users: Alex (a two-message thread, a newsletter, a primary calendar with one meeting) and Sam."""
    return {
        "format": "rapport-sandbox-mailbox/1",
        "users": [
            {
                "email": ALEX,
                "name": "Alex Morgan",
                "timezone": "Europe/London",
                "messages": [
                    _message(
                        "18c0000000000001",
                        "18c0000000000001",
                        ["INBOX"],
                        1764000000000,
                        headers={
                            "From": "Dana Reyes <dana@acme.io>",
                            "To": ALEX,
                            "Subject": "Coffee next week?",
                            "Date": "Mon, 24 Nov 2025 16:00:00 +0000",
                            "Message-ID": "<coffee-1@acme.io>",
                        },
                        body="Are you free for a coffee next week?",
                    ),
                    _message(
                        "18c0000000000002",
                        "18c0000000000001",
                        ["SENT"],
                        1764003600000,
                        headers={
                            "From": f"Alex Morgan <{ALEX}>",
                            "To": "dana@acme.io",
                            "Subject": "Re: Coffee next week?",
                            "Date": "Mon, 24 Nov 2025 17:00:00 +0000",
                            "Message-ID": "<reply-1@example.com>",
                            "In-Reply-To": "<coffee-1@acme.io>",
                            "References": "<coffee-1@acme.io>",
                        },
                        body="Thursday works for me.",
                    ),
                    _message(
                        "18c0000000000003",
                        "18c0000000000003",
                        ["INBOX", "CATEGORY_PROMOTIONS"],
                        1764100000000,
                        headers={
                            "From": "Weekly Digest <news@digest.example>",
                            "To": ALEX,
                            "Subject": "This week in platforms",
                            "Date": "Tue, 25 Nov 2025 19:46:40 +0000",
                            "Message-ID": "<digest-48@digest.example>",
                            "List-Id": "<weekly.digest.example>",
                        },
                        body="Top stories this week.",
                    ),
                ],
                "calendars": [
                    {
                        "id": ALEX,
                        "summary": ALEX,
                        "timeZone": "Europe/London",
                        "primary": True,
                        "accessRole": "owner",
                        "events": [
                            {
                                "id": "coffee20251127",
                                "status": "confirmed",
                                "summary": "Coffee with Dana",
                                "start": {
                                    "dateTime": "2025-11-27T10:00:00+00:00",
                                    "timeZone": "Europe/London",
                                },
                                "end": {"dateTime": "2025-11-27T10:30:00+00:00", "timeZone": "Europe/London"},
                                "organizer": {"email": ALEX, "self": True},
                                "attendees": [
                                    {
                                        "email": ALEX,
                                        "self": True,
                                        "organizer": True,
                                        "responseStatus": "accepted",
                                    },
                                    {"email": "dana@acme.io", "responseStatus": "accepted"},
                                ],
                                "eventType": "default",
                                "iCalUID": "coffee20251127@google.com",
                                "updated": "2025-11-24T17:05:00.000Z",
                            }
                        ],
                    }
                ],
            },
            {
                "email": SAM,
                "messages": [
                    _message(
                        "18c0000000000101",
                        "18c0000000000101",
                        ["INBOX"],
                        1764000000000,
                        headers={"From": "someone@example.net", "To": SAM, "Subject": "Hello Sam"},
                        body="Hi.",
                    )
                ],
            },
        ],
    }


@pytest.fixture
def small_mailbox() -> dict[str, Any]:
    """A fresh copy of the two-user mailbox (see `small_mailbox_document`)."""
    return small_mailbox_document()


def fault_seed(
    rate: float, kinds: Iterable[Fault], wanted: Callable[[FaultInjector], bool], *, tries: int = 10_000
) -> int:
    """The first seed whose fault sequence `wanted` accepts (it draws from a fresh injector): a way to
    ask for "the first request drops, the retry goes through" without depending on one seed's luck."""
    allowed = list(kinds)
    for seed in range(tries):
        if wanted(FaultInjector(rate, seed, allowed)):
            return seed
    raise AssertionError(f"no seed below {tries} gives the wanted fault sequence")
