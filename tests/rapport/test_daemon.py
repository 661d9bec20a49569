"""The daemon runs each account's cycle, never twice at once, keeps going when one account fails, logs one
line per cycle, and stops cleanly on SIGTERM after the running cycle's current step.

The cycles here are fake callables: the daemon's seam is "a callable per account", not Google.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from apscheduler.events import EVENT_JOB_MAX_INSTANCES

from rapport.config import DaemonSettings
from rapport.daemon import AccountJob, CycleOutcome, CycleStats, Daemon
from rapport.errors import AuthRequired
from rapport.failures import RETRY_LATER, Failure, StepError
from rapport.logging_setup import JsonFormatter

WAIT = 10.0  # a safety net so a broken daemon fails the test instead of hanging it; never a measurement


def wait_for(event: threading.Event) -> None:
    assert event.wait(WAIT), "the daemon never got there"


@dataclass
class SteppedCycle:
    """A cycle of `steps` steps; each step waits for the test to open its gate, and the cycle checks the
    stop event between steps, as real cycles do between transactions."""

    steps: int = 3
    stats: CycleStats = field(default_factory=lambda: CycleStats(synced=12, found=3, drafted=2))
    entered: threading.Event = field(default_factory=threading.Event)
    gate: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(0))
    calls: int = 0
    running: int = 0
    most_at_once: int = 0
    steps_done: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, stop: threading.Event) -> CycleStats:
        with self._lock:
            self.calls += 1
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            self.entered.set()
            for _ in range(self.steps):
                if stop.is_set():
                    break
                assert self.gate.acquire(timeout=WAIT)
                self.steps_done += 1
            return self.stats
        finally:
            with self._lock:
                self.running -= 1


class InstantCycle:
    def __init__(self, stats: CycleStats | None = None, error: Exception | None = None) -> None:
        self.stats = stats or CycleStats()
        self.error = error
        self.calls = 0

    def __call__(self, stop: threading.Event) -> CycleStats:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return self.stats


@dataclass
class FakeLease:
    """A lease another process may hold (`free=False`), recording what the daemon asked of it."""

    free: bool = True
    renewals_allowed: int = 10**6
    acquired: int = 0
    renewed: int = 0
    released: int = 0
    renewed_event: threading.Event = field(default_factory=threading.Event)

    def acquire(self) -> bool:
        self.acquired += 1
        return self.free

    def renew(self) -> bool:
        self.renewed += 1
        self.renewed_event.set()
        return self.renewed <= self.renewals_allowed

    def release(self) -> None:
        self.released += 1


@dataclass
class ListRecorder:
    started: list[str] = field(default_factory=list)
    finished: list[CycleOutcome] = field(default_factory=list)

    def start(self, account: str) -> Callable[[CycleOutcome], None]:
        self.started.append(account)
        return self.finished.append


SETTINGS = DaemonSettings(interval_minutes=10, jitter_seconds=0)


def test_run_once_runs_every_account_and_logs_one_line_each(caplog: pytest.LogCaptureFixture) -> None:
    work = InstantCycle(CycleStats(synced=12, found=3, drafted=2))
    home = InstantCycle(CycleStats(synced=1))
    daemon = Daemon(
        [AccountJob("work", "me@work.example", work), AccountJob("home", "me@home.example", home)], SETTINGS
    )

    with caplog.at_level(logging.INFO, logger="rapport.daemon"):
        code, outcomes = daemon.run_once()

    assert code == 0
    assert [outcome.outcome for outcome in outcomes] == ["ok", "ok"]
    lines = [record.getMessage() for record in caplog.records if record.getMessage().startswith("account=")]
    assert len(lines) == 2
    assert lines[0].startswith("account=work synced=12 found=3 drafted=2 errors=0 duration=")
    assert lines[0].endswith("s outcome=ok")
    assert lines[1].startswith("account=home synced=1 found=0 drafted=0 errors=0")


def test_a_revoked_token_fails_its_account_with_the_fix_and_the_others_continue(
    caplog: pytest.LogCaptureFixture,
) -> None:
    revoked = InstantCycle(error=AuthRequired("work", "me@work.example"))
    home = InstantCycle(CycleStats(synced=5, drafted=1))
    records = ListRecorder()
    daemon = Daemon(
        [AccountJob("work", "me@work.example", revoked), AccountJob("home", "me@home.example", home)],
        SETTINGS,
        recorder=records,
    )

    with caplog.at_level(logging.INFO, logger="rapport.daemon"):
        code, _ = daemon.run_once()

    assert code == 1
    assert home.calls == 1
    assert records.started == ["work", "home"]
    assert [(outcome.account, outcome.outcome) for outcome in records.finished] == [
        ("work", "auth_error"),
        ("home", "ok"),
    ]
    assert records.finished[0].fix == "rapport auth --account work"
    failure = next(record for record in caplog.records if record.getMessage().startswith("account=work"))
    assert failure.levelno == logging.ERROR
    assert failure.getMessage().endswith(
        'outcome=auth_error: account "work" (me@work.example): Google refused the saved token '
        "(revoked or expired) — run: rapport auth --account work"
    )


def test_an_auth_error_wrapped_by_a_lower_layer_is_still_recognised() -> None:
    def wrapped(stop: threading.Event) -> CycleStats:
        try:
            raise AuthRequired("work", "me@work.example")
        except AuthRequired as error:
            raise RuntimeError("sync failed") from error

    daemon = Daemon([AccountJob("work", "me@work.example", wrapped)], SETTINGS)

    _, outcomes = daemon.run_once()

    assert outcomes[0].outcome == "auth_error"
    assert outcomes[0].fix == "rapport auth --account work"


def test_a_failed_cycles_log_line_names_the_fix(caplog: pytest.LogCaptureFixture) -> None:
    throttled = Failure("error", "sync: Google did not answer (429 rateLimitExceeded)", RETRY_LATER, True)
    daemon = Daemon(
        [AccountJob("work", "me@work.example", InstantCycle(error=StepError(throttled)))], SETTINGS
    )

    with caplog.at_level(logging.INFO, logger="rapport.daemon"):
        daemon.run_once()

    [line] = [record.getMessage() for record in caplog.records if record.getMessage().startswith("account=")]
    assert line.endswith(
        "outcome=error: sync: Google did not answer (429 rateLimitExceeded) — fix: nothing to do: "
        "the next cycle retries (check the network if this persists)"
    )


def test_any_other_failure_is_logged_with_its_traceback_and_exits_1(caplog: pytest.LogCaptureFixture) -> None:
    broken = InstantCycle(error=ValueError("bad row"))
    daemon = Daemon([AccountJob("work", "me@work.example", broken)], SETTINGS)

    with caplog.at_level(logging.INFO, logger="rapport.daemon"):
        code, outcomes = daemon.run_once()

    assert code == 1
    assert outcomes[0].error == "ValueError: bad row"
    assert any(record.exc_info for record in caplog.records)


def test_a_cycle_log_line_in_json_carries_the_counts_as_fields(caplog: pytest.LogCaptureFixture) -> None:
    daemon = Daemon(
        [AccountJob("work", "me@work.example", InstantCycle(CycleStats(synced=7, found=2)))], SETTINGS
    )

    with caplog.at_level(logging.INFO, logger="rapport.daemon"):
        daemon.run_once()

    record = next(record for record in caplog.records if record.getMessage().startswith("account=work"))
    line = json.loads(JsonFormatter().format(record))
    assert line["account"] == "work"
    assert (line["synced"], line["found"], line["drafted"], line["errors"]) == (7, 2, 0, 0)
    assert line["outcome"] == "ok"
    assert line["level"] == "INFO"


def test_an_account_another_process_holds_is_skipped_with_a_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cycle = InstantCycle()
    lease = FakeLease(free=False)
    records = ListRecorder()
    daemon = Daemon([AccountJob("work", "me@work.example", cycle, lease)], SETTINGS, recorder=records)

    with caplog.at_level(logging.INFO, logger="rapport.daemon"):
        code, outcomes = daemon.run_once()

    assert code == 0
    assert cycle.calls == 0
    assert outcomes[0].outcome == "skipped"
    assert "another Rapport process" in caplog.text
    assert lease.released == 0
    assert records.started == []  # no cycle ran, so none is recorded


def test_the_lease_is_renewed_while_the_cycle_runs_and_released_after() -> None:
    lease = FakeLease()

    def cycle_waiting_for_a_renewal(stop: threading.Event) -> CycleStats:
        wait_for(lease.renewed_event)
        return CycleStats()

    daemon = Daemon(
        [AccountJob("work", "me@work.example", cycle_waiting_for_a_renewal, lease)],
        SETTINGS,
        renew_interval_seconds=0.01,
    )

    _, outcomes = daemon.run_once()

    assert outcomes[0].outcome == "ok"
    assert (lease.acquired, lease.released) == (1, 1)
    assert lease.renewed >= 1


def test_losing_the_lease_stops_the_cycle_after_its_step() -> None:
    lease = FakeLease(renewals_allowed=0)
    seen_stop = threading.Event()

    def cycle(stop: threading.Event) -> CycleStats:
        if stop.wait(WAIT):
            seen_stop.set()
        return CycleStats()

    daemon = Daemon(
        [AccountJob("work", "me@work.example", cycle, lease)], SETTINGS, renew_interval_seconds=0.01
    )

    _, outcomes = daemon.run_once()

    assert seen_stop.is_set()
    assert outcomes[0].outcome == "stopped"
    assert lease.released == 1


def test_one_account_never_runs_twice_at_once_in_one_process() -> None:
    cycle = SteppedCycle(steps=1)
    job = AccountJob("work", "me@work.example", cycle)
    daemon = Daemon([job], SETTINGS)
    first: list[CycleOutcome] = []
    runner = threading.Thread(target=lambda: first.append(daemon.run_account(job)))
    runner.start()
    wait_for(cycle.entered)

    second = daemon.run_account(job)
    cycle.gate.release()
    runner.join(WAIT)

    assert second.outcome == "skipped"
    assert first[0].outcome == "ok"
    assert cycle.calls == 1


@pytest.fixture
def scheduled_daemon() -> Iterator[tuple[Daemon, SteppedCycle]]:
    """A daemon with one account of three steps; the test runs it in the main thread, a helper drives it."""
    cycle = SteppedCycle(steps=3)
    daemon = Daemon([AccountJob("work", "me@work.example", cycle)], SETTINGS)
    yield daemon, cycle
    daemon.request_stop()


def test_the_scheduler_skips_a_run_while_the_accounts_cycle_is_still_running(
    scheduled_daemon: tuple[Daemon, SteppedCycle],
) -> None:
    daemon, cycle = scheduled_daemon
    refused = threading.Semaphore(0)

    def drive() -> None:
        wait_for(cycle.entered)
        assert daemon.scheduler is not None
        daemon.scheduler.add_listener(lambda _event: refused.release(), EVENT_JOB_MAX_INSTANCES)
        for _ in range(3):  # the interval comes round again (three times) while the cycle still runs
            daemon.scheduler.modify_job("work", next_run_time=datetime.now(UTC))
            assert refused.acquire(timeout=WAIT)
        for _ in range(cycle.steps):
            cycle.gate.release()
        os.kill(os.getpid(), signal.SIGTERM)

    helper = threading.Thread(target=drive)
    helper.start()
    code = daemon.run_forever()
    helper.join(WAIT)

    assert code == 0
    assert cycle.calls == 1
    assert cycle.most_at_once == 1


def test_sigterm_lets_the_running_cycle_finish_its_step_then_exits_0(
    scheduled_daemon: tuple[Daemon, SteppedCycle],
) -> None:
    daemon, cycle = scheduled_daemon
    previous_handler = signal.getsignal(signal.SIGTERM)

    def drive() -> None:
        wait_for(cycle.entered)  # the cycle is inside its first step
        os.kill(os.getpid(), signal.SIGTERM)
        wait_for(daemon.stop_event)
        cycle.gate.release()  # the first step's transaction completes

    helper = threading.Thread(target=drive)
    helper.start()
    code = daemon.run_forever()
    helper.join(WAIT)

    assert code == 0
    assert cycle.steps_done == 1  # it finished the step it was in and started no other
    assert cycle.calls == 1
    assert cycle.running == 0
    assert signal.getsignal(signal.SIGTERM) == previous_handler


def test_sigterm_during_run_once_finishes_the_step_skips_the_remaining_accounts_and_exits_0(
    caplog: pytest.LogCaptureFixture,
) -> None:
    first = SteppedCycle(steps=3)
    second = InstantCycle()
    daemon = Daemon(
        [AccountJob("work", "me@work.example", first), AccountJob("home", "me@home.example", second)],
        SETTINGS,
    )

    def drive() -> None:
        wait_for(first.entered)
        os.kill(os.getpid(), signal.SIGTERM)
        wait_for(daemon.stop_event)
        first.gate.release()

    helper = threading.Thread(target=drive)
    helper.start()
    with caplog.at_level(logging.INFO, logger="rapport"):
        code, outcomes = daemon.run_once()
    helper.join(WAIT)

    assert code == 0
    assert [(outcome.account, outcome.outcome) for outcome in outcomes] == [("work", "stopped")]
    assert first.steps_done == 1
    assert second.calls == 0
    [line] = [message for message in caplog.messages if message.startswith("account=work")]
    assert line.endswith(
        "outcome=stopped: stopped before the end; what was done is kept and the next cycle resumes"
    )
