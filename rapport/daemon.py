"""The daemon: runs each account's cycle (sync → rules → drafts) on a schedule, one at a time per account.

APScheduler runs one interval job per account (`max_instances=1`, `coalesce=True`), so an account never
runs twice at once in this process; a lease lock in the store keeps other Rapport processes off an account
while its cycle runs. SIGTERM/SIGINT stop the scheduling and set each running cycle's stop event: cycles
check it between steps, so the current transaction finishes and the process exits 0. One account's failure,
a revoked token included, is logged with its fix and recorded; the other accounts go on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, Protocol

from apscheduler.events import EVENT_SCHEDULER_STARTED, SchedulerEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from rapport.config import DaemonSettings
from rapport.errors import EXIT_CYCLE_FAILED, EXIT_OK, with_fix
from rapport.failures import StepError, describe
from rapport.signals import on_stop_signal

logger = logging.getLogger(__name__)

RENEW_INTERVAL_SECONDS = 60.0
STOPPED_NOTE = "stopped before the end; what was done is kept and the next cycle resumes"

Outcome = Literal["ok", "error", "auth_error", "skipped", "stopped"]


@dataclass(frozen=True)
class CycleStats:
    """What one cycle did: messages and events synced, findings found, drafts written, non-fatal errors."""

    synced: int = 0  # messages added, deleted or relabelled
    events: int = 0  # calendar events changed
    found: int = 0  # findings new this cycle (occasions found again are not counted twice)
    drafted: int = 0  # drafts written into Gmail this cycle
    errors: int = 0  # drafts that failed, or 1 for a failed cycle


class Cycle(Protocol):
    """One account's sync → rules → drafts pass. It checks `stop` between steps and returns early when set."""

    def __call__(self, stop: threading.Event) -> CycleStats: ...


class Lease(Protocol):
    """A cross-process lock on one account, held for a limited time and renewed while a cycle runs."""

    def acquire(self) -> bool: ...

    def renew(self) -> bool: ...

    def release(self) -> None: ...


@dataclass(frozen=True)
class AccountJob:
    """What the daemon runs for one account."""

    name: str
    email: str
    cycle: Cycle
    lease: Lease | None = None


@dataclass(frozen=True)
class CycleOutcome:
    account: str
    outcome: Outcome
    stats: CycleStats
    duration_seconds: float
    error: str = ""
    fix: str = ""

    @property
    def failed(self) -> bool:
        return self.outcome in ("error", "auth_error")

    def log_line(self) -> str:
        stats = self.stats
        line = (
            f"account={self.account} synced={stats.synced} found={stats.found} drafted={stats.drafted} "
            f"errors={stats.errors} duration={self.duration_seconds:.1f}s outcome={self.outcome}"
        )
        if self.error:
            return f"{line}: {with_fix(self.error, self.fix)}"
        return f"{line}: {STOPPED_NOTE}" if self.outcome == "stopped" else line


class CycleRecorder(Protocol):
    """Keeps a record of cycles (the store's `cycle_runs`): `start` when one begins under its lease; the
    callable it returns completes the record with the outcome."""

    def start(self, account: str) -> Callable[[CycleOutcome], None]: ...


@dataclass
class Daemon:
    """Runs the accounts' cycles once (`run_once`) or on a schedule until a signal (`run_forever`)."""

    jobs: Sequence[AccountJob]
    settings: DaemonSettings
    recorder: CycleRecorder | None = None
    log_outcomes: bool = True  # False: the caller shows each outcome itself (interactive commands)
    renew_interval_seconds: float = RENEW_INTERVAL_SECONDS
    stop_event: threading.Event = field(default_factory=threading.Event)
    scheduler: BlockingScheduler | None = None
    _running: dict[str, threading.Event] = field(default_factory=dict)
    _idle: threading.Condition = field(default_factory=threading.Condition)

    def run_once(self) -> tuple[int, list[CycleOutcome]]:
        """One cycle for every account, in order; exit code 1 if any failed. A signal stops after the
        current cycle's step."""
        outcomes: list[CycleOutcome] = []
        with on_stop_signal(lambda _name: self.request_stop()):
            for job in self.jobs:
                if self.stop_event.is_set():
                    logger.warning("account=%s not started: stopping", job.name)
                    continue
                outcomes.append(self.run_account(job))
        failed = any(outcome.failed for outcome in outcomes)
        return (EXIT_CYCLE_FAILED if failed else EXIT_OK), outcomes

    def run_forever(self) -> int:
        """Schedule every account until SIGTERM/SIGINT, then let running cycles finish; returns 0."""
        scheduler = BlockingScheduler(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(max_workers=max(1, len(self.jobs)))},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        for job in self.jobs:
            scheduler.add_job(
                self.run_account,
                IntervalTrigger(minutes=self.settings.interval_minutes, jitter=self.settings.jitter_seconds),
                args=[job],
                id=job.name,
                name=f"cycle of {job.name}",
                next_run_time=datetime.now(UTC),
            )
        scheduler.add_listener(self._stop_if_asked_before_start, EVENT_SCHEDULER_STARTED)
        self.scheduler = scheduler
        logger.info(
            "scheduling %d account(s) every %d min (jitter %d s)",
            len(self.jobs),
            self.settings.interval_minutes,
            self.settings.jitter_seconds,
        )
        with on_stop_signal(lambda _name: self.request_stop()):
            scheduler.start()  # blocks until request_stop() shuts it down
            self._wait_for_running_cycles()
        logger.info("stopped")
        return EXIT_OK

    def request_stop(self) -> None:
        """Stop scheduling and ask running cycles to stop after their current step."""
        self.stop_event.set()
        with self._idle:
            for stop in self._running.values():
                stop.set()
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def run_account(self, job: AccountJob) -> CycleOutcome:
        """One cycle of one account under its lease; logs one line and records the outcome."""
        started = time.monotonic()
        stop = threading.Event()
        with self._tracked(job.name, stop) as admitted:
            if admitted:
                outcome = self._run_leased(job, stop, started)
            else:
                outcome = CycleOutcome(
                    job.name, "skipped", CycleStats(), 0.0, "already running in this process"
                )
        if self.log_outcomes:
            logger.log(_LEVELS[outcome.outcome], outcome.log_line(), extra={"fields": _fields(outcome)})
        return outcome

    def _run_leased(self, job: AccountJob, stop: threading.Event, started: float) -> CycleOutcome:
        try:
            acquired = job.lease is None or job.lease.acquire()
        except Exception as error:  # noqa: BLE001 - e.g. the store is down: this account fails, logged
            return _failure(job, error, started)
        if not acquired:
            reason = "another Rapport process is working on this account"
            return CycleOutcome(job.name, "skipped", CycleStats(), time.monotonic() - started, reason)
        finish = self.recorder.start(job.name) if self.recorder is not None else None
        try:
            outcome = self._run_cycle(job, stop, started)
            if finish is not None:
                finish(outcome)
            return outcome
        finally:
            if job.lease is not None:
                job.lease.release()

    def _run_cycle(self, job: AccountJob, stop: threading.Event, started: float) -> CycleOutcome:
        try:
            with self._renewing(job, stop):
                stats = job.cycle(stop)
        except Exception as error:  # noqa: BLE001 - one account's failure must not stop the others; logged
            return _failure(job, error, started)
        state: Outcome = "stopped" if stop.is_set() else "ok"
        return CycleOutcome(job.name, state, stats, time.monotonic() - started)

    @contextmanager
    def _tracked(self, name: str, stop: threading.Event) -> Iterator[bool]:
        """Register a running cycle so a stop request reaches it; refuse a second one for the account."""
        with self._idle:
            if name in self._running:
                admitted = False
            else:
                admitted = True
                self._running[name] = stop
                if self.stop_event.is_set():
                    stop.set()
        try:
            yield admitted
        finally:
            if admitted:
                with self._idle:
                    del self._running[name]
                    self._idle.notify_all()

    @contextmanager
    def _renewing(self, job: AccountJob, stop: threading.Event) -> Iterator[None]:
        """Renew the account's lease while its cycle runs; losing it stops the cycle after its step."""
        lease = job.lease
        if lease is None:
            yield
            return
        done = threading.Event()

        def renew_until_done() -> None:
            while not done.wait(self.renew_interval_seconds):
                if not lease.renew():
                    logger.warning(
                        "account=%s lost its lock to another process: stopping its cycle", job.name
                    )
                    stop.set()
                    return

        renewer = threading.Thread(target=renew_until_done, name=f"lease-{job.name}", daemon=True)
        renewer.start()
        try:
            yield
        finally:
            done.set()
            renewer.join()

    def _wait_for_running_cycles(self) -> None:
        with self._idle:
            if self._running:
                logger.info(
                    "waiting for %d running cycle(s) to finish their current step", len(self._running)
                )
            self._idle.wait_for(lambda: not self._running)

    def _stop_if_asked_before_start(self, _event: SchedulerEvent) -> None:
        # A signal that arrived while the scheduler was starting found nothing to shut down.
        if self.stop_event.is_set() and self.scheduler is not None:
            self.scheduler.shutdown(wait=False)


_LEVELS: dict[Outcome, int] = {
    "ok": logging.INFO,
    "stopped": logging.WARNING,
    "skipped": logging.WARNING,
    "auth_error": logging.ERROR,
    "error": logging.ERROR,
}


def _fields(outcome: CycleOutcome) -> dict[str, object]:
    return {
        "account": outcome.account,
        "outcome": outcome.outcome,
        "synced": outcome.stats.synced,
        "events": outcome.stats.events,
        "found": outcome.stats.found,
        "drafted": outcome.stats.drafted,
        "errors": outcome.stats.errors,
        "duration_s": round(outcome.duration_seconds, 3),
        "error": outcome.error,
        "fix": outcome.fix,
    }


def _failure(job: AccountJob, error: Exception, started: float) -> CycleOutcome:
    """A failed cycle's outcome: a failed step as the cycle described it; an error Rapport expects (a
    revoked token, the store down while taking the lease) with its fix; anything else with its traceback."""
    elapsed = time.monotonic() - started
    if isinstance(error, StepError):
        failure = error.failure
        stats = CycleStats(synced=error.synced, events=error.events, found=error.found, errors=1)
        return CycleOutcome(job.name, failure.outcome, stats, elapsed, failure.message, failure.fix)
    failure = describe("cycle", job.name, job.email, error)
    if failure.expected:
        logger.debug("account=%s cycle failed", job.name, exc_info=error)
        return CycleOutcome(
            job.name, failure.outcome, CycleStats(errors=1), elapsed, failure.message, failure.fix
        )
    logger.exception("account=%s cycle failed", job.name)
    return CycleOutcome(job.name, "error", CycleStats(errors=1), elapsed, f"{type(error).__name__}: {error}")
