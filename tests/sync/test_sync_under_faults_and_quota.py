"""A sync through a faulty or throttled server ends with the same store as through a perfect one: failed
calls and batch parts are retried, 429s stay rare when the pacer keeps to the quota, nothing is lost."""

from __future__ import annotations

from typing import Any

import pytest

from sync.client import GoogleApi
from sync.retry import RETRYABLE_ERRORS
from tests.fixtures_sync import NOW, USER, SyncEnv, SyncEnvFactory, event, gmail_id, mailbox, message


def _mailbox() -> dict[str, Any]:
    messages = []
    number = 0
    for size in [1] * 120 + [2] * 40 + [3] * 20:
        first = number + 1
        for offset in range(size):
            number += 1
            messages.append(message(number, thread=first, days_ago=3 + number / 10 + offset / 48))
    events = [
        event(f"meeting{n}", hours_ago=10 * n + 3, attendees=[f"person{n}@example.org"]) for n in range(30)
    ]
    return mailbox(messages, events=events)


def _changes(env: SyncEnv) -> None:
    env.state.deliver(USER, from_="dana@acme.io", to=USER, subject="News", body="Hello", at=NOW)
    env.state.user_sends(
        USER, to="person7@example.org", subject="Re: Subject 7", body="Yes", in_reply_to=gmail_id(7), at=NOW
    )
    env.state.modify_labels(USER, gmail_id(3), add=["STARRED"], remove=["INBOX"])
    env.state.delete_message(USER, gmail_id(11))
    env.state.cancel_event(USER, "primary", "meeting4")


RUNS = 5


def _run(env: SyncEnv) -> dict[str, Any]:
    """The store once a sync has completed. A sync that gave up on a call whose retries ran out (the
    RateLimited or TransientApiError the retry policy re-raises) is simply run again from where it stopped,
    as the daemon does at its next cycle; at most RUNS runs, whatever the fault seed."""
    gave_up: list[Exception] = []
    for _ in range(RUNS):
        try:
            if not env.sync().interrupted:
                return env.snapshot()
        except RETRYABLE_ERRORS as error:
            gave_up.append(error)
    pytest.fail(f"no sync completed in {RUNS} runs; gave up on: {gave_up}")


def test_fault_rate_of_thirty_percent_converges_to_the_fault_free_store(sync_env: SyncEnvFactory) -> None:
    clean = sync_env(_mailbox(), account="clean")
    faulty = sync_env(_mailbox(), account="faulty", fault_rate=0.3, fault_seed=7, slow_seconds=0.05)

    assert _run(faulty) == _run(clean)
    for env in (clean, faulty):
        _changes(env)
    assert _run(faulty) == _run(clean)

    faults = [record.fault for record in faulty.server.log.calls() if record.fault]
    assert len(faults) > 50
    assert {"500", "503", "429"} <= set(faults)
    faulty.assert_store_matches_sandbox()


def test_the_pacer_keeps_a_quota_limited_sync_free_of_429_storms(sync_env: SyncEnvFactory) -> None:
    env = sync_env(_mailbox(), quota_units_per_second=500)

    report = env.sync()

    calls = env.server.log.calls()
    throttled = [record for record in calls if record.status == 429]
    assert not report.interrupted
    assert len(throttled) <= 0.01 * len(calls)
    env.assert_store_matches_sandbox()
    assert isinstance(env.api, GoogleApi)
    assert env.api.pacer.capacity == 500
