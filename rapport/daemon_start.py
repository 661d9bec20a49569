"""`rapport run` without --once: wait for the store if it cannot be reached yet, then schedule the cycles.

A database that is restarting, or not up yet at boot, passes by itself, and exiting would be the wrong
answer: systemd leaves a unit that exited 2 failed for good (`RestartPreventExitStatus=2`), so one database
restart at the wrong moment would stop Rapport until someone noticed. So the daemon retries, waiting a
little longer each time, with one WARNING line per attempt naming `store.url`, the cause and the fix; a
SIGTERM or SIGINT while it waits ends it with exit code 0. Only a URL no retry can fix (a `ConfigError`)
ends it at once, with exit code 2. Once running, a cycle that cannot reach the store is that cycle's error
and the next cycle tries again (the daemon's own rule for any failed cycle).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

from rapport.config import RapportConfig
from rapport.cycle import FULL_CYCLE
from rapport.errors import EXIT_OK, StoreUnreachableError
from rapport.runs import build_daemon
from rapport.signals import on_stop_signal
from rapport.store_access import Store, open_store

logger = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 2.0
LONGEST_RETRY_SECONDS = 60.0  # systemd's RestartSec: no longer a wait than a restart would have been


def retry_delays() -> Iterator[float]:
    """2, 4, 8, ... seconds, then a minute for ever."""
    delay = FIRST_RETRY_SECONDS
    while True:
        yield delay
        delay = min(delay * 2, LONGEST_RETRY_SECONDS)


def open_store_when_reachable(
    config_path: Path, config: RapportConfig, stop: threading.Event
) -> Store | None:
    """The opened store, once it answers; None if `stop` was set first. A `ConfigError` other than an
    unreachable database is raised at once."""
    delays = retry_delays()
    attempt = 0
    while not stop.is_set():
        attempt += 1
        try:
            return open_store(config_path, config)
        except StoreUnreachableError as error:
            problem = error.problem
            delay = next(delays)
            logger.warning(
                "cannot reach the store (attempt %d): store.url: got %s; fix: %s; retrying in %.0f s",
                attempt,
                problem.given,
                problem.fix,
                delay,
                extra={"fields": {"attempt": attempt, "error": problem.given, "fix": problem.fix}},
            )
        stop.wait(delay)
    return None


def run_daemon(config_path: Path, config: RapportConfig) -> int:
    """Wait for the store, then run every account's cycle on schedule until SIGTERM/SIGINT; the exit code."""
    stop = threading.Event()
    # One signal watcher from the first attempt to the end, so no SIGTERM falls between waiting and running
    # (the daemon's own watcher nests inside it while it runs).
    with on_stop_signal(lambda _name: stop.set()):
        store = open_store_when_reachable(config_path, config, stop)
        if store is None:
            logger.info("stopped before the store could be reached")
            return EXIT_OK
        try:
            daemon, _cycles = build_daemon(config, store, config.accounts, FULL_CYCLE, record=True)
            daemon.stop_event = stop
            return daemon.run_forever()
        finally:
            store.engine.dispose()
