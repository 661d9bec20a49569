"""Fault injection: seeded and reproducible; 500/503/429 with Google's bodies; a dropped connection before
or after the handler ran (httplib2 silently re-sends, so a POST can land twice); slow answers; and never
on the token or admin endpoints."""

from __future__ import annotations

import http.client
import json
from typing import Any

import google_auth_httplib2
import httplib2
import pytest
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest

from sandbox.faults import Fault, FaultInjector
from sandbox.server import SandboxServer
from sandbox.testing import credentials_for, gmail_batch_uri, gmail_service
from tests.fixtures_sandbox import ALEX, BatchAnswers, SandboxFactory, fault_seed, raw_request

RAW_DRAFT = "VG86IGRhbmFAYWNtZS5pbw0KU3ViamVjdDogVGhhbmtzIQ0KDQpUaGFua3MgZm9yIHRoZSBjb2ZmZWUu"


def _drop_then_clean(injector: FaultInjector) -> bool:
    first = injector.for_request("first attempt")
    return first is not None and injector.for_request("second attempt") is None


def _outcomes(server: SandboxServer, calls: int) -> list[str]:
    gmail = gmail_service(server, credentials_for(server, ALEX))
    outcomes: list[str] = []
    for _ in range(calls):
        try:
            gmail.users().messages().get(userId="me", id="18c0000000000001", format="minimal").execute()
        except HttpError as error:
            outcomes.append(str(error.status_code))
        except http.client.HTTPException as error:
            outcomes.append(type(error).__name__)
        else:
            outcomes.append("ok")
    return outcomes


def test_the_same_seed_gives_the_same_faults(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    first = sandbox_factory(small_mailbox, fault_rate=0.4, fault_seed=7, slow_seconds=0.001)
    second = sandbox_factory(small_mailbox, fault_rate=0.4, fault_seed=7, slow_seconds=0.001)
    third = sandbox_factory(small_mailbox, fault_rate=0.4, fault_seed=8, slow_seconds=0.001)

    outcomes = [_outcomes(server, 30) for server in (first, second, third)]

    assert outcomes[0] == outcomes[1]
    assert first.faults.history() == second.faults.history()
    assert {"ok", "500", "503", "429"} <= set(outcomes[0])
    assert [(call.status, call.fault) for call in first.log.calls()] == [
        (call.status, call.fault) for call in second.log.calls()
    ]
    assert first.faults.history() != third.faults.history()


@pytest.mark.parametrize(
    ("fault", "status", "reason"),
    [
        (Fault.BACKEND_ERROR, 500, "backendError"),
        (Fault.UNAVAILABLE, 503, "backendError"),
        (Fault.RATE_LIMITED, 429, "rateLimitExceeded"),
    ],
)
def test_status_faults_answer_with_googles_error_and_charge_nothing(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any], fault: Fault, status: int, reason: str
) -> None:
    server = sandbox_factory(small_mailbox, fault_rate=1.0, fault_kinds=[fault])
    gmail = gmail_service(server, credentials_for(server, ALEX))

    with pytest.raises(HttpError) as raised:
        gmail.users().messages().list(userId="me").execute()

    assert raised.value.status_code == status
    error = json.loads(raised.value.content)["error"]
    assert error["code"] == status
    assert error["errors"][0]["reason"] == reason
    assert server.log.units() == 0
    [call] = server.log.calls()
    assert (call.status, call.fault) == (status, fault.value)


def test_a_connection_dropped_after_the_handler_ran_makes_a_post_land_twice(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    seed = fault_seed(0.5, [Fault.DROP_AFTER], _drop_then_clean)
    server = sandbox_factory(small_mailbox, fault_rate=0.5, fault_seed=seed, fault_kinds=[Fault.DROP_AFTER])
    gmail = gmail_service(server, credentials_for(server, ALEX))

    draft = gmail.users().drafts().create(userId="me", body={"message": {"raw": RAW_DRAFT}}).execute()

    assert draft["id"]
    assert [(call.status, call.fault) for call in server.log.calls()] == [(200, "drop_after"), (200, None)]
    assert len(server.state.drafts(ALEX)) == 2


def test_a_connection_dropped_before_the_handler_ran_is_resent_once(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    seed = fault_seed(0.5, [Fault.DROP_BEFORE], _drop_then_clean)
    server = sandbox_factory(small_mailbox, fault_rate=0.5, fault_seed=seed, fault_kinds=[Fault.DROP_BEFORE])
    gmail = gmail_service(server, credentials_for(server, ALEX))

    gmail.users().drafts().create(userId="me", body={"message": {"raw": RAW_DRAFT}}).execute()

    assert [(call.status, call.fault) for call in server.log.calls()] == [(0, "drop_before"), (200, None)]
    assert len(server.state.drafts(ALEX)) == 1
    assert server.log.units(ALEX) == 10


def test_a_connection_dropped_twice_reaches_the_caller(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    gmail = gmail_service(server, credentials_for(server, ALEX))
    gmail.users().getProfile(userId="me").execute()
    server.set_faults(1.0, 0, [Fault.DROP_BEFORE])

    with pytest.raises(http.client.RemoteDisconnected):
        gmail.users().getProfile(userId="me").execute()

    assert [call.fault for call in server.log.calls()][1:] == ["drop_before", "drop_before"]


def test_a_slow_answer_is_still_the_right_answer(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox, fault_rate=1.0, fault_kinds=[Fault.SLOW], slow_seconds=0.01)
    gmail = gmail_service(server, credentials_for(server, ALEX))

    profile = gmail.users().getProfile(userId="me").execute()

    assert profile["emailAddress"] == ALEX
    [call] = server.log.calls()
    assert (call.status, call.fault, call.cost) == (200, "slow", 1)


def test_batch_parts_only_get_status_faults(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    kinds = [Fault.DROP_AFTER, Fault.DROP_BEFORE, Fault.SLOW]
    seed = fault_seed(0.5, kinds, lambda injector: injector.for_request("batch") is None)
    server = sandbox_factory(small_mailbox, fault_rate=0.5, fault_seed=seed, fault_kinds=kinds)
    gmail = gmail_service(server, credentials_for(server, ALEX))
    answers = BatchAnswers()
    batch = BatchHttpRequest(callback=answers, batch_uri=gmail_batch_uri(server))
    for _ in range(20):
        batch.add(gmail.users().getProfile(userId="me"))

    batch.execute()

    assert len(answers.responses) == 20
    assert [target for target, _ in server.faults.history()] == []


def test_the_token_and_admin_endpoints_are_never_faulted(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(
        small_mailbox, fault_rate=1.0, fault_kinds=[Fault.BACKEND_ERROR, Fault.DROP_BEFORE]
    )
    credentials = credentials_for(server, ALEX)

    credentials.refresh(google_auth_httplib2.Request(httplib2.Http()))
    health = raw_request(server, "GET", "/_admin/health")

    assert credentials.token
    assert health.status == 200
    assert server.faults.history() == []
