"""Batches work exactly as googleapiclient's BatchHttpRequest expects: multipart/mixed in and out,
answers matched by Content-ID, each call authenticated, charged, logged and faulted on its own, and more
than 100 calls refused as a whole."""

from __future__ import annotations

from typing import Any

import pytest
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest

from sandbox.faults import Fault, FaultInjector
from sandbox.testing import (
    calendar_batch_uri,
    calendar_service,
    credentials_for,
    gmail_batch_uri,
    gmail_service,
)
from tests.fixtures_sandbox import ALEX, BatchAnswers, SandboxFactory, fault_seed

MESSAGE_IDS = ("18c0000000000001", "18c0000000000002", "18c0000000000003")


def test_a_batch_answers_every_call_under_its_own_content_id(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    gmail = gmail_service(server, credentials_for(server, ALEX))
    answers = BatchAnswers()
    batch = BatchHttpRequest(callback=answers, batch_uri=gmail_batch_uri(server))
    for message_id in MESSAGE_IDS:
        batch.add(
            gmail.users().messages().get(userId="me", id=message_id, format="minimal"), request_id=message_id
        )
    batch.add(
        gmail.users().threads().get(userId="me", id=MESSAGE_IDS[0], format="minimal"), request_id="thread"
    )
    batch.add(gmail.users().getProfile(userId="me"), request_id="profile")

    batch.execute()

    assert not answers.errors
    assert {key: value["id"] for key, value in answers.responses.items() if key in MESSAGE_IDS} == {
        message_id: message_id for message_id in MESSAGE_IDS
    }
    assert [message["id"] for message in answers.responses["thread"]["messages"]] == list(MESSAGE_IDS[:2])
    assert answers.responses["profile"]["emailAddress"] == ALEX
    calls = server.log.calls()
    assert len(calls) == 5
    assert all(call.in_batch and call.status == 200 for call in calls)
    assert server.log.units(ALEX) == 3 * 5 + 10 + 1


def test_calendar_batches_are_served_at_their_own_uri(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    calendar = calendar_service(server, credentials_for(server, ALEX))
    answers = BatchAnswers()
    batch = BatchHttpRequest(callback=answers, batch_uri=calendar_batch_uri(server))
    batch.add(calendar.calendarList().list(), request_id="calendars")
    batch.add(calendar.events().list(calendarId="primary", singleEvents=True), request_id="events")

    batch.execute()

    assert [entry["id"] for entry in answers.responses["calendars"]["items"]] == [ALEX]
    assert [event["id"] for event in answers.responses["events"]["items"]] == ["coffee20251127"]


def test_a_batch_of_more_than_100_calls_is_refused_whole(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    gmail = gmail_service(server, credentials_for(server, ALEX))
    answers = BatchAnswers()
    batch = BatchHttpRequest(callback=answers, batch_uri=gmail_batch_uri(server))
    for _ in range(101):
        batch.add(gmail.users().getProfile(userId="me"))

    with pytest.raises(HttpError) as raised:
        batch.execute()

    assert raised.value.status_code == 400
    assert server.log.count() == 0


def test_a_batch_of_exactly_100_calls_is_served(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    gmail = gmail_service(server, credentials_for(server, ALEX))
    answers = BatchAnswers()
    batch = BatchHttpRequest(callback=answers, batch_uri=gmail_batch_uri(server))
    for _ in range(100):
        batch.add(gmail.users().getProfile(userId="me"))

    batch.execute()

    assert len(answers.responses) == 100
    assert server.log.count("gmail.users.getProfile") == 100


def _whole_batch_passes_and_parts_mix(injector: FaultInjector) -> bool:
    if injector.for_request("POST /batch/gmail/v1") is not None:
        return False
    parts = [injector.for_batch_part("part") for _ in MESSAGE_IDS * 2]
    return {Fault.RATE_LIMITED, Fault.BACKEND_ERROR, None} <= set(parts)


def test_a_failing_part_reaches_its_callback_as_http_error_while_the_others_succeed(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    kinds = [Fault.RATE_LIMITED, Fault.BACKEND_ERROR]
    seed = fault_seed(0.5, kinds, _whole_batch_passes_and_parts_mix)
    server = sandbox_factory(small_mailbox, fault_rate=0.5, fault_seed=seed, fault_kinds=kinds)
    gmail = gmail_service(server, credentials_for(server, ALEX))
    answers = BatchAnswers()
    batch = BatchHttpRequest(callback=answers, batch_uri=gmail_batch_uri(server))
    for index, message_id in enumerate(MESSAGE_IDS * 2):
        batch.add(gmail.users().messages().get(userId="me", id=message_id), request_id=str(index))

    batch.execute()

    statuses = {error.status_code for error in answers.errors.values()}
    assert statuses == {429, 500}
    assert answers.responses
    assert len(answers.responses) + len(answers.errors) == 6
    failed = [call for call in server.log.calls() if call.fault is not None]
    assert sorted(call.status for call in failed) == sorted(
        error.status_code for error in answers.errors.values()
    )
    assert all(call.cost == 0 for call in failed)


def test_parts_with_an_expired_token_are_refreshed_and_resent(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    credentials = credentials_for(server, ALEX)
    gmail = gmail_service(server, credentials)
    gmail.users().getProfile(userId="me").execute()
    first_token = credentials.token
    server.tokens.expire_access_tokens()
    answers = BatchAnswers()
    batch = BatchHttpRequest(callback=answers, batch_uri=gmail_batch_uri(server))
    for message_id in MESSAGE_IDS:
        batch.add(gmail.users().messages().get(userId="me", id=message_id, format="minimal"))

    batch.execute()

    assert not answers.errors
    assert len(answers.responses) == 3
    assert credentials.token != first_token
    statuses = [call.status for call in server.log.calls() if call.in_batch]
    assert statuses == [401, 401, 401, 200, 200, 200]
