"""Per-user Gmail quota: Google's per-method costs, a moving one-second window, Gmail's 429 once it is
exceeded (charged nothing), and Calendar calls free of the Gmail quota. The window runs on a frozen clock
so nothing here depends on timing."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest

from sandbox.quota import GMAIL_METHOD_COSTS, cost_of
from sandbox.testing import calendar_service, credentials_for, gmail_batch_uri, gmail_service
from tests.fixtures_sandbox import ALEX, SAM, SandboxFactory

RFC3339_UTC = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


class FrozenClock:
    """Seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


def test_the_costs_are_googles_published_ones() -> None:
    assert cost_of("gmail.users.messages.list") == 5
    assert cost_of("gmail.users.messages.get") == 5
    assert cost_of("gmail.users.threads.list") == 10
    assert cost_of("gmail.users.threads.get") == 10
    assert cost_of("gmail.users.history.list") == 2
    assert cost_of("gmail.users.drafts.create") == 10
    assert cost_of("gmail.users.drafts.update") == 15
    assert cost_of("gmail.users.messages.send") == 100
    assert cost_of("calendar.events.list") == 0
    assert len(GMAIL_METHOD_COSTS) >= 50


def test_a_call_over_the_quota_is_429_with_gmails_error_and_costs_nothing(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox, quota_units_per_second=12, clock=FrozenClock())
    gmail = gmail_service(server, credentials_for(server, ALEX))
    gmail.users().getProfile(userId="me").execute()
    gmail.users().messages().get(userId="me", id="18c0000000000001").execute()
    gmail.users().messages().get(userId="me", id="18c0000000000002").execute()

    with pytest.raises(HttpError) as raised:
        gmail.users().messages().get(userId="me", id="18c0000000000003").execute()

    assert raised.value.status_code == 429
    assert raised.value.resp["retry-after"] == "1"
    error = json.loads(raised.value.content)["error"]
    assert error["code"] == 429
    assert re.fullmatch(r"User-rate limit exceeded\.  Retry after " + RFC3339_UTC, error["message"])
    assert error["errors"] == [
        {"message": error["message"], "domain": "usageLimits", "reason": "rateLimitExceeded"}
    ]
    assert error["status"] == "RESOURCE_EXHAUSTED"
    assert server.log.units(ALEX) == 11
    rejected = server.log.calls()[-1]
    assert (rejected.method_id, rejected.status, rejected.cost) == ("gmail.users.messages.get", 429, 0)


def test_the_window_moves_on_after_a_second(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    clock = FrozenClock()
    server = sandbox_factory(small_mailbox, quota_units_per_second=5, clock=clock)
    gmail = gmail_service(server, credentials_for(server, ALEX))
    gmail.users().messages().get(userId="me", id="18c0000000000001").execute()
    with pytest.raises(HttpError):
        gmail.users().messages().get(userId="me", id="18c0000000000001").execute()

    clock.now += 1.0
    gmail.users().messages().get(userId="me", id="18c0000000000001").execute()

    assert [call.status for call in server.log.calls()] == [200, 429, 200]


def test_each_user_has_a_quota_of_their_own(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox, quota_units_per_second=5, clock=FrozenClock())
    alex = gmail_service(server, credentials_for(server, ALEX))
    sam = gmail_service(server, credentials_for(server, SAM))

    alex.users().messages().list(userId="me").execute()
    sam.users().messages().list(userId="me").execute()

    assert server.log.units(ALEX) == 5
    assert server.log.units(SAM) == 5


def test_batch_parts_are_charged_one_by_one_and_refused_past_the_quota(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox, quota_units_per_second=20, clock=FrozenClock())
    gmail = gmail_service(server, credentials_for(server, ALEX))
    statuses: list[int] = []

    def collect(request_id: str, response: Any, exception: Exception | None) -> None:
        statuses.append(exception.status_code if isinstance(exception, HttpError) else 200)

    batch = BatchHttpRequest(callback=collect, batch_uri=gmail_batch_uri(server))
    for _ in range(6):
        batch.add(gmail.users().messages().get(userId="me", id="18c0000000000001", format="minimal"))
    batch.execute()

    assert statuses == [200, 200, 200, 200, 429, 429]
    assert server.log.units(ALEX) == 20


def test_calendar_calls_cost_nothing_against_the_gmail_quota(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox, quota_units_per_second=1, clock=FrozenClock())
    calendar = calendar_service(server, credentials_for(server, ALEX))

    for _ in range(5):
        calendar.events().list(calendarId="primary").execute()

    assert server.log.count("calendar.events.list") == 5
    assert server.log.units() == 0


def test_quota_is_off_by_default_and_can_be_switched_on_later(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox, clock=FrozenClock())
    gmail = gmail_service(server, credentials_for(server, ALEX))
    for _ in range(60):
        gmail.users().getProfile(userId="me").execute()

    server.set_quota(1)
    gmail.users().getProfile(userId="me").execute()
    with pytest.raises(HttpError) as raised:
        gmail.users().getProfile(userId="me").execute()

    assert raised.value.status_code == 429
    assert server.log.units(ALEX) == 61
