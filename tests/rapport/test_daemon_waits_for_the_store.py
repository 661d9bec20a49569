"""The daemon outlives its database: `rapport run` started while the store cannot be reached waits for it
(a WARNING line per attempt naming `store.url`, the cause and the fix) instead of exiting — systemd would
never restart an exit 2 — and a SIGTERM while it waits ends it with exit code 0; once the store answers it
runs its cycles. While it runs, a cycle that cannot reach the store is that cycle's error, and the next cycle
goes on. Only a store URL no retry can fix ends it at once, with exit code 2.

The database that comes and goes is the test PostgreSQL server behind a local port the test opens and cuts
(tests/rapport/tcp_forwarder.py); those tests skip without RAPPORT_TEST_POSTGRES_URL.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from rapport.config import load_config
from rapport.cycle import FULL_CYCLE
from rapport.runs import run_accounts
from rapport.store_access import open_store
from sandbox.server import SandboxServer
from tests.fixtures_rapport import (
    ALEX,
    RAPPORT,
    ConfigWriter,
    expected_draft_keys,
    hour_now,
    networkers_mailbox,
    sandbox_rapport_config,
)
from tests.rapport.tcp_forwarder import TcpForwarder

WAIT = 120.0  # a safety net so a hung process fails the test instead of hanging it; never a measurement
DOWN = "postgresql+psycopg://postgres:s3cret@127.0.0.1:1/none"  # nothing listens on port 1
SHOWN = "postgresql+psycopg://postgres:***@127.0.0.1:1/none"
WAITING = "WARNING rapport.daemon_start: cannot reach the store (attempt "
STORE_FIX = "fix: start the database or correct the URL (host, port, name, user)"
FIRST_CYCLE = "account=work synced=4 found=3 drafted=3 errors=0"


class Daemon:
    """`rapport --config CONFIG run` in a subprocess, its log lines collected as they come."""

    def __init__(self, config: Path) -> None:
        self.process = subprocess.Popen(
            [RAPPORT, "--config", str(config), "run"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    def matching(self, fragment: str) -> list[str]:
        return [line for line in list(self.lines) if fragment in line]

    def wait_for(self, fragment: str, count: int = 1) -> None:
        wait_until(lambda: len(self.matching(fragment)) >= count or self.process.poll() is not None)
        assert len(self.matching(fragment)) >= count, "\n".join(self.lines)

    def stop(self) -> int:
        """SIGTERM, then its exit code once it has ended and its log is read to the end."""
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=WAIT)
        self._reader.join(WAIT)
        return code


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "the daemon never got there"
        time.sleep(0.02)


def files_of(root: Path) -> dict[Path, int]:
    return {path: path.stat().st_mtime_ns for path in root.rglob("*")}


@pytest.fixture
def database_behind_a_port(store_url: str) -> Iterator[tuple[str, TcpForwarder]]:
    """A new PostgreSQL database reached through a local port that refuses connections until opened."""
    real = make_url(store_url)
    with TcpForwarder((real.host or "127.0.0.1", real.port or 5432)) as forwarder:
        yield real.set(host="127.0.0.1", port=forwarder.port).render_as_string(hide_password=False), forwarder


def test_the_daemon_on_a_database_that_is_down_waits_logging_each_attempt_and_a_sigterm_ends_it_with_0(
    rapport_config: ConfigWriter, tmp_path: Path
) -> None:
    config = rapport_config(store=f'url = "{DOWN}"')
    before = files_of(tmp_path)

    daemon = Daemon(config)
    daemon.wait_for(WAITING, count=2)
    code = daemon.stop()

    assert code == 0, "\n".join(daemon.lines)
    first, second = daemon.matching(WAITING)[:2]
    assert f'attempt 1): store.url: got "{SHOWN}" (connection failed: ' in first
    assert "Connection refused" in first
    assert STORE_FIX in first
    assert first.endswith("retrying in 2 s")
    assert "attempt 2)" in second
    assert second.endswith("retrying in 4 s")  # each wait longer than the one before
    assert daemon.lines[-1].endswith("INFO rapport.daemon_start: stopped before the store could be reached")
    assert "s3cret" not in "\n".join(daemon.lines)
    assert not daemon.matching("Traceback")
    assert files_of(tmp_path) == before


@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
def test_the_daemon_started_before_its_database_runs_its_cycles_once_the_database_answers(
    database_behind_a_port: tuple[str, TcpForwarder],
    sandbox_factory: Callable[..., SandboxServer],
    tmp_path: Path,
) -> None:
    url, database = database_behind_a_port
    now = hour_now()
    server = sandbox_factory(networkers_mailbox(ALEX, now=now))
    config, _ = sandbox_rapport_config(server, tmp_path, url, {"work": ALEX})

    daemon = Daemon(config)
    daemon.wait_for(WAITING)
    asked_while_down = server.log.calls()
    database.open()
    daemon.wait_for(FIRST_CYCLE)
    code = daemon.stop()

    assert code == 0, "\n".join(daemon.lines)
    assert asked_while_down == []  # nothing was done before the store answered
    keys = sorted(
        header["value"]
        for draft in server.state.drafts(ALEX)
        for header in draft["headers"]
        if header["name"] == "X-Rapport-Key"
    )
    assert keys == expected_draft_keys(1, now)
    assert not daemon.matching("Traceback")


@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
def test_a_cycle_that_loses_the_database_is_that_cycles_error_and_the_next_cycle_goes_on(
    database_behind_a_port: tuple[str, TcpForwarder],
    sandbox_factory: Callable[..., SandboxServer],
    tmp_path: Path,
) -> None:
    url, database = database_behind_a_port
    now = hour_now()
    server = sandbox_factory(networkers_mailbox(ALEX, now=now))
    config_path, _ = sandbox_rapport_config(server, tmp_path, url, {"work": ALEX})
    path, config = load_config(str(config_path))
    database.open()
    store = open_store(path, config)
    try:
        first = run_accounts(config, store, config.accounts, FULL_CYCLE, record=True)
        database.cut()  # the database restarts between two cycles
        during = run_accounts(config, store, config.accounts, FULL_CYCLE, record=True)
        database.open()
        after = run_accounts(config, store, config.accounts, FULL_CYCLE, record=True)
    finally:
        store.engine.dispose()

    assert [run.outcome.outcome for run in first.runs] == ["ok"]
    [lost] = [run.outcome for run in during.runs]
    assert (during.exit_code, lost.outcome) == (1, "error")
    assert lost.error.startswith("cycle: the store failed ("), lost.error
    assert lost.fix == "check that the database of store.url is running, reachable and writable"
    assert (after.exit_code, [run.outcome.outcome for run in after.runs]) == (0, ["ok"])
    assert len(server.state.drafts(ALEX)) == 3  # the cycle after the outage neither lost nor doubled one


def test_a_store_url_no_retry_can_fix_ends_the_daemon_at_once_with_2(
    rapport_config: ConfigWriter, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("a file where the store's folder should be\n", encoding="utf-8")
    config = rapport_config(store=f'url = "sqlite:///{tmp_path}/notes.txt/rapport.db"')

    ended = subprocess.run(
        [RAPPORT, "--config", str(config), "run"], capture_output=True, text=True, timeout=WAIT, check=False
    )

    assert ended.returncode == 2, ended.stderr
    assert f"rapport: config error in {config}:\n" in ended.stderr
    assert f'  store.url: got "sqlite:///{tmp_path}/notes.txt/rapport.db" (cannot create directory' in (
        ended.stderr
    )
    assert STORE_FIX in ended.stderr
    assert "cannot reach the store" not in ended.stderr
