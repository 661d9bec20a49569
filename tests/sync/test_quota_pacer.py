"""The pacer spends at most a second's quota within any second, counting calls until their answer is in,
so a server enforcing Gmail's moving window never has to refuse one."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sandbox.server import SandboxServer
from sandbox.testing import credentials_for
from sync.batches import run_batches
from sync.client import GoogleApi
from sync.gmail_calls import message_call
from sync.pacer import QuotaPacer, method_units
from tests.fixtures_sync import FAST_RETRY, USER, gmail_id, mailbox, message


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_unit_costs_follow_googles_table() -> None:
    assert method_units("gmail.users.messages.get") == 5
    assert method_units("gmail.users.threads.get") == 10
    assert method_units("gmail.users.history.list") == 2
    assert method_units("gmail.users.getProfile") == 1
    assert method_units("calendar.events.list") == 0


def test_a_full_window_admits_nothing_until_an_answer_ages_out() -> None:
    clock = FakeClock()
    pacer = QuotaPacer(100, clock=clock)
    admitted: list[float] = []
    with pacer.spend(60), pacer.spend(40):
        pass  # answered at t=0: the window holds 100 units until t=1

    def late_call() -> None:
        with pacer.spend(10):
            admitted.append(clock.now)

    waiter = threading.Thread(target=late_call)
    waiter.start()
    waiter.join(timeout=0.2)
    assert admitted == []  # still blocked: the window is full
    clock.now = 1.01
    waiter.join(timeout=5)
    assert admitted == [1.01]


def test_a_call_dearer_than_the_whole_budget_still_runs_when_nothing_else_is_counted() -> None:
    pacer = QuotaPacer(4, clock=FakeClock())

    with pacer.spend(10):
        pass

    assert pacer.capacity == 4


def test_batches_paced_to_the_quota_are_never_refused(sandbox_factory: Callable[..., SandboxServer]) -> None:
    # 120 messages.get at 300 units/s: batches are cut to 60 parts' worth of units (300), and two workers
    # share the budget.
    server = sandbox_factory(mailbox([message(n) for n in range(1, 121)]), quota_units_per_second=300)
    api = GoogleApi(
        credentials_for(server, USER), api_endpoint=server.base_url, units_per_second=300, retry=FAST_RETRY
    )

    answers = [
        answer
        for batch in run_batches(api, [message_call(gmail_id(n)) for n in range(1, 121)], workers=2)
        for answer in batch
    ]

    assert len(answers) == 120
    assert all(record.status == 200 for record in server.log.calls())
    assert server.log.units() == 600
