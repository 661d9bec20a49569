"""A sync killed at any point resumes from its last commit and never fetches again what it stored."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select

from store.models import PendingMessage
from tests.fixtures_sync import DyingApi, SimulatedKill, SyncEnv, SyncEnvFactory, mailbox, message


def _mailbox_of_600() -> dict[str, Any]:
    # 600 messages (two list pages) in threads of 1, 2 and 4 messages.
    messages = []
    number = 0
    for size in [1] * 200 + [2] * 100 + [4] * 50:
        first = number + 1
        for offset in range(size):
            number += 1
            messages.append(message(number, thread=first, days_ago=2 + offset / 24))
    return mailbox(messages)


def _pending_plan(env: SyncEnv) -> Counter[str]:
    """The calls the cheapest plan needs for what is still pending."""
    with env.session_factory() as session:
        threads = Counter(session.scalars(select(PendingMessage.gmail_thread_id)))
    plan: Counter[str] = Counter()
    for size in threads.values():
        if size >= 3:
            plan["gmail.users.threads.get"] += 1
        else:
            plan["gmail.users.messages.get"] += size
    return plan


@pytest.mark.parametrize("killed_after_batches", [1, 4, 7])
def test_killed_while_fetching_resumes_without_refetching_what_is_stored(
    sync_env: SyncEnvFactory, killed_after_batches: int
) -> None:
    env = sync_env(_mailbox_of_600())
    reports: list[tuple[int, int]] = []

    def die_after_some_batches(done: int, total: int) -> None:
        reports.append((done, total))
        if len(reports) > killed_after_batches:
            raise SimulatedKill

    with pytest.raises(SimulatedKill):
        env.sync(progress=die_after_some_batches)
    stored_before = env.stored_ids()
    plan = _pending_plan(env)
    assert 0 < len(stored_before) < 600
    assert reports[0] == (0, 600)
    env.server.log.clear()

    report = env.sync()

    log = env.server.log
    assert not report.interrupted
    assert len(env.stored_ids()) == 600
    assert log.count("gmail.users.getProfile") == 0  # the historyId read before listing is kept
    assert log.count("gmail.users.messages.list") == 0  # listing had finished
    assert log.count("gmail.users.threads.get") == plan["gmail.users.threads.get"]
    assert log.count("gmail.users.messages.get") == plan["gmail.users.messages.get"]


def test_killed_while_listing_resumes_at_the_next_page(sync_env: SyncEnvFactory) -> None:
    env = sync_env(_mailbox_of_600())
    # Page 1 is committed; the process dies asking for page 2.
    healthy, env.api = env.api, DyingApi(env, "gmail.users.messages.list", calls=2)

    with pytest.raises(SimulatedKill):
        env.sync()
    env.api = healthy
    with env.session_factory() as session:
        assert len(list(session.scalars(select(PendingMessage)))) == 500
    env.server.log.clear()

    env.sync()

    assert env.server.log.count("gmail.users.getProfile") == 0
    assert env.server.log.count("gmail.users.messages.list") == 1
    assert len(env.stored_ids()) == 600


def test_stop_finishes_the_current_batch_and_reports_an_interrupted_sync(sync_env: SyncEnvFactory) -> None:
    env = sync_env(_mailbox_of_600())
    stop = threading.Event()

    def stop_after_first_batch(done: int, _total: int) -> None:
        if done > 0:
            stop.set()

    first = env.sync(stop=stop, progress=stop_after_first_batch)
    partial = len(env.stored_ids())
    second = env.sync()

    assert first.interrupted
    assert 0 < partial < 600
    assert not second.interrupted
    assert len(env.stored_ids()) == 600
