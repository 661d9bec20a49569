"""The shell's use of the store: a store that cannot be opened is a config error naming `store.url` (exit
2), a database that cannot be reached being the kind the daemon waits out (StoreUnreachableError) and a
store path no retry can fix not; two processes on one store never work one account at once; every cycle
leaves a `cycle_runs` row for `rapport status`.

Each command's message for a database it cannot reach: tests/rapport/test_unreachable_store_commands.py."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from rapport.config import load_config
from rapport.daemon import AccountJob, CycleStats, Daemon
from rapport.errors import AuthRequired, ConfigError, StoreUnreachableError
from rapport.store_access import CycleRecords, Store, StoreLease, open_store
from store.locks import acquire, make_holder
from store.models import CycleRun
from tests.fixtures_rapport import ConfigWriter
from tests.rapport.test_daemon import SETTINGS, WAIT, InstantCycle, SteppedCycle, wait_for


def store_for(rapport_config: ConfigWriter, store_url: str) -> Store:
    path, config = load_config(str(rapport_config(store=f'url = "{store_url}"')))
    return open_store(path, config)


def test_a_database_that_cannot_be_reached_is_a_config_error_the_daemon_may_wait_out(
    rapport_config: ConfigWriter,
) -> None:
    path, config = load_config(
        str(rapport_config(store='url = "postgresql+psycopg://rapport@127.0.0.1:1/rapport"'))
    )

    with pytest.raises(StoreUnreachableError) as caught:
        open_store(path, config)

    assert caught.value.exit_code == 2
    assert caught.value.problems == [caught.value.problem]
    assert caught.value.problem.key == "store.url"
    assert "Connection refused" in caught.value.problem.given


@pytest.mark.parametrize(
    ("database", "cause"),
    [("a-file/rapport.db", "cannot create directory"), ("a-folder", "unable to open database file")],
    ids=["folder under a file", "file that is a folder"],
)
def test_a_sqlite_store_that_cannot_be_made_is_a_config_error_no_retry_can_fix(
    database: str, cause: str, rapport_config: ConfigWriter, tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    (tmp_path / "a-folder").mkdir()
    path, config = load_config(str(rapport_config(store=f'url = "sqlite:///{tmp_path}/{database}"')))

    with pytest.raises(ConfigError) as caught:
        open_store(path, config)

    assert caught.value.exit_code == 2
    assert not isinstance(caught.value, StoreUnreachableError)  # the daemon exits at once on it
    [problem] = caught.value.problems
    assert problem.key == "store.url"
    assert cause in problem.given


def test_opening_the_store_migrates_it_and_gives_each_account_a_stable_id(
    rapport_config: ConfigWriter, store_url: str
) -> None:
    first = store_for(rapport_config, store_url)
    again = store_for(rapport_config, store_url)

    assert list(first.account_ids) == ["work"]
    assert again.account_ids == first.account_ids


def test_two_processes_on_one_store_never_work_the_same_account_at_once(
    rapport_config: ConfigWriter, store_url: str
) -> None:
    store = store_for(rapport_config, store_url)
    account_id = store.account_ids["work"]
    busy = SteppedCycle(steps=1)
    idle = InstantCycle()
    first = Daemon(
        [AccountJob("work", "me@work.example", busy, StoreLease(store.sessions, account_id, make_holder()))],
        SETTINGS,
    )
    second_lease = StoreLease(store.sessions, account_id, make_holder())
    second = Daemon([AccountJob("work", "me@work.example", idle, second_lease)], SETTINGS)
    running = threading.Thread(target=first.run_once)
    running.start()
    wait_for(busy.entered)

    _, while_busy = second.run_once()
    busy.gate.release()
    running.join(WAIT)
    _, afterwards = second.run_once()

    assert while_busy[0].outcome == "skipped"
    assert afterwards[0].outcome == "ok"
    assert (busy.calls, idle.calls) == (1, 1)


def test_each_cycle_leaves_a_row_with_its_outcome_counts_and_fix(
    rapport_config: ConfigWriter, store_url: str
) -> None:
    store = store_for(rapport_config, store_url)
    records = CycleRecords(store.sessions, store.account_ids)
    fine = Daemon(
        [
            AccountJob(
                "work", "me@work.example", InstantCycle(CycleStats(synced=12, events=4, found=3, drafted=2))
            )
        ],
        SETTINGS,
        recorder=records,
    )
    revoked = Daemon(
        [AccountJob("work", "me@work.example", InstantCycle(error=AuthRequired("work", "me@work.example")))],
        SETTINGS,
        recorder=records,
    )

    fine.run_once()
    revoked.run_once()

    with store.sessions() as session:
        runs = session.scalars(select(CycleRun).order_by(CycleRun.id)).all()
    assert [
        (run.outcome, run.synced_messages, run.synced_events, run.found, run.drafted) for run in runs
    ] == [
        ("ok", 12, 4, 3, 2),
        ("auth_error", 0, 0, 0, 0),
    ]
    assert all(run.finished_at is not None for run in runs)
    assert runs[1].fix == "rapport auth --account work"
    assert runs[1].error is not None
    assert "Google refused the saved token" in runs[1].error


def test_a_running_cycle_is_visible_as_running_and_a_stopped_one_as_stopped_not_failed(
    rapport_config: ConfigWriter, store_url: str
) -> None:
    store = store_for(rapport_config, store_url)
    cycle = SteppedCycle(steps=2)
    daemon = Daemon(
        [AccountJob("work", "me@work.example", cycle)],
        SETTINGS,
        recorder=CycleRecords(store.sessions, store.account_ids),
    )
    running = threading.Thread(target=daemon.run_once)
    running.start()
    wait_for(cycle.entered)

    with store.sessions() as session:
        while_running = session.scalars(select(CycleRun.outcome)).all()
    daemon.request_stop()
    cycle.gate.release()
    running.join(WAIT)

    with store.sessions() as session:
        run = session.scalars(select(CycleRun)).one()
    assert while_running == ["running"]
    assert (run.outcome, run.error, run.fix) == ("stopped", None, None)
    assert run.finished_at is not None


def test_a_lease_left_by_a_killed_process_on_this_host_is_taken_over_at_once(
    rapport_config: ConfigWriter, store_url: str
) -> None:
    store = store_for(rapport_config, store_url)
    account_id = store.account_ids["work"]
    exited = subprocess.Popen([sys.executable, "-c", "pass"])
    exited.wait()  # reaped: its pid names no process now
    dead_holder = f"{socket.gethostname()}:{exited.pid}:{uuid.uuid4().hex}"
    assert acquire(store.sessions, account_id, dead_holder, ttl_seconds=3600)

    taken = StoreLease(store.sessions, account_id, make_holder()).acquire()

    assert taken


def test_a_lease_held_by_a_process_on_another_host_is_respected_until_it_expires(
    rapport_config: ConfigWriter, store_url: str
) -> None:
    store = store_for(rapport_config, store_url)
    account_id = store.account_ids["work"]
    assert acquire(store.sessions, account_id, f"elsewhere.example:1:{uuid.uuid4().hex}", ttl_seconds=3600)

    assert not StoreLease(store.sessions, account_id, make_holder()).acquire()
