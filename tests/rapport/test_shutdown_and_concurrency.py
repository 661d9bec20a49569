"""Real `rapport run --once` processes against the sandbox: SIGTERM in the middle of a cycle leaves a store
the next run completes to exactly what an uninterrupted run gives, and two processes started together on one
store never write a draft twice (the account's lease keeps the second out while the first works).

The cycles are slowed by Rapport's own quota pacing (the sandbox has no quota), so that the signal and the
second process find the first mid-cycle.
"""

from __future__ import annotations

import copy
import signal
import subprocess
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from sandbox.generator import generate
from sandbox.server import SandboxServer
from store.models import Calendar, CycleRun, Draft, Event, Finding, Message, PendingMessage
from tests.fixtures_rapport import (
    ALEX,
    RAPPORT,
    expected_draft_keys,
    hour_now,
    networkers_mailbox,
    sandbox_rapport_config,
)

SLOW = 1500  # Gmail units a second: an initial sync of 1,000 messages then takes a few seconds
WAIT = 120.0  # a safety net so a hung process fails the test instead of hanging it; never a measurement


def mailbox(now: datetime) -> dict[str, Any]:
    return generate(11, 1000, now=now).mailbox


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "the process never got there"
        time.sleep(0.02)


def end_state(store_url: str, server: SandboxServer, user: str) -> dict[str, Any]:
    """What the user and the store end with, without local ids or times."""
    engine = create_engine(store_url)
    with Session(engine) as session:
        state = {
            "messages": dict(session.execute(select(Message.gmail_id, Message.label_ids)).all()),
            "events": dict(session.execute(select(Event.gcal_id, Event.status).join(Calendar)).all()),
            "findings": dict(session.execute(select(Finding.occasion_key, Finding.state)).all()),
            "drafts": dict(session.execute(select(Draft.draft_key, Draft.state)).all()),
            "pending": session.scalar(select(func.count()).select_from(PendingMessage)),
        }
    engine.dispose()
    keys = [
        header["value"]
        for draft in server.state.drafts(user)
        for header in draft["headers"]
        if header["name"] == "X-Rapport-Key"
    ]
    state["gmail_drafts"] = sorted(keys)
    return state


def test_sigterm_mid_cycle_then_a_rerun_ends_where_an_uninterrupted_run_does(
    sandbox_factory: Callable[..., SandboxServer], tmp_path: Path
) -> None:
    document = mailbox(hour_now())
    user = document["users"][0]["email"]
    stopped_server = sandbox_factory(copy.deepcopy(document))
    clean_server = sandbox_factory(copy.deepcopy(document))
    stopped_store = f"sqlite:///{tmp_path}/stopped/rapport.db"
    clean_store = f"sqlite:///{tmp_path}/clean/rapport.db"
    stopped_config, _ = sandbox_rapport_config(
        stopped_server, tmp_path / "stopped", stopped_store, {"work": user}, units_per_second=SLOW
    )
    clean_config, _ = sandbox_rapport_config(clean_server, tmp_path / "clean", clean_store, {"work": user})
    run_once = ["run", "--once"]

    process = subprocess.Popen(
        [RAPPORT, "--config", str(stopped_config), *run_once],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_until(lambda: stopped_server.log.count("gmail.users.messages.get") >= 100)
    process.send_signal(signal.SIGTERM)
    _out, err = process.communicate(timeout=WAIT)
    interrupted = end_state(stopped_store, stopped_server, user)

    assert process.returncode == 0, err
    assert "outcome=stopped" in err
    assert "Traceback" not in err
    assert interrupted["pending"] > 0  # it really was stopped in the middle of the initial sync
    assert interrupted["gmail_drafts"] == []
    engine = create_engine(stopped_store)
    with Session(engine) as session:
        assert session.scalars(select(CycleRun.outcome)).all() == ["stopped"]
    engine.dispose()

    rerun, clean = (
        subprocess.run(
            [RAPPORT, "--config", str(config), *run_once],
            check=False,
            capture_output=True,
            text=True,
            timeout=WAIT,
        )
        for config in (stopped_config, clean_config)
    )

    assert (rerun.returncode, clean.returncode) == (0, 0), rerun.stderr + clean.stderr
    resumed, reference = (
        end_state(stopped_store, stopped_server, user),
        end_state(clean_store, clean_server, user),
    )
    assert resumed == reference
    assert reference["pending"] == 0
    assert len(reference["gmail_drafts"]) == 10  # [drafts] max_per_run, each exactly once
    assert len(set(reference["gmail_drafts"])) == 10


def test_two_processes_on_one_store_never_write_a_draft_twice(
    sandbox_factory: Callable[..., SandboxServer], engine_url: str, tmp_path: Path
) -> None:
    document = mailbox(hour_now())
    user = document["users"][0]["email"]
    server = sandbox_factory(document)
    config, _ = sandbox_rapport_config(server, tmp_path, engine_url, {"work": user}, units_per_second=SLOW)
    command = [RAPPORT, "--config", str(config), "run", "--once"]

    processes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    errors = [process.communicate(timeout=WAIT)[1] for process in processes]

    assert [process.returncode for process in processes] == [0, 0], errors
    skipped = [err for err in errors if "another Rapport process is working on this account" in err]
    assert len(skipped) == 1  # the second process found the account leased, and left it alone
    state = end_state(engine_url, server, user)
    assert len(state["gmail_drafts"]) == 10
    assert len(set(state["gmail_drafts"])) == 10
    assert sorted(state["drafts"]) == state["gmail_drafts"]
    assert server.log.count("gmail.users.drafts.create") == 10  # none written and then swept as a duplicate
    assert server.log.count("gmail.users.drafts.delete") == 0


def test_the_daemon_runs_a_first_cycle_at_once_and_exits_0_on_sigterm(
    sandbox_factory: Callable[..., SandboxServer], tmp_path: Path
) -> None:
    now = hour_now()
    server = sandbox_factory(networkers_mailbox(ALEX, now=now))
    config, _ = sandbox_rapport_config(server, tmp_path, f"sqlite:///{tmp_path}/rapport.db", {"work": ALEX})

    daemon = subprocess.Popen(
        [RAPPORT, "--config", str(config), "run"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    wait_until(lambda: len(server.state.drafts(ALEX)) == 3)
    wait_until(lambda: cycle_outcomes(tmp_path) == ["ok"])
    daemon.send_signal(signal.SIGTERM)
    _out, err = daemon.communicate(timeout=WAIT)

    assert daemon.returncode == 0, err
    assert "account=work synced=4 found=3 drafted=3 errors=0" in err
    assert "SIGTERM received" in err
    assert err.rstrip().endswith("stopped")
    assert end_state(f"sqlite:///{tmp_path}/rapport.db", server, ALEX)["gmail_drafts"] == expected_draft_keys(
        1, now
    )


def cycle_outcomes(root: Path) -> list[str]:
    engine = create_engine(f"sqlite:///{root}/rapport.db")
    with Session(engine) as session:
        outcomes: list[str] = list(session.scalars(select(CycleRun.outcome)))
    engine.dispose()
    return outcomes
