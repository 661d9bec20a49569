"""Initial and incremental sync of generated mailboxes via the real client, the sandbox in its own process.

(a) quota-bound: the sandbox limits Gmail to 250 units/s and the client paces itself to it; the figure is
    wall time ÷ (the cheapest plan's units ÷ 250), target ≤ 1.15;
(b) quota off: messages per second end to end (list, fetch, parse, store), target ≥ 1,000/s on 2 cores,
    for each number of batch workers asked for;
(c) peak RSS of the syncing process over a 100,000-message mailbox, target < 300 MB;
(d) calls and units of a sync with nothing new: target one history.list per account and one events.list
    per calendar.
`python -m bench sync` runs the full sizes (several minutes); `python -m bench.bench_sync --scale 0.1` a
tenth of them; `--only a,d` picks parts.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from google.oauth2.credentials import Credentials
from sqlalchemy import func, select

from store.accounts import ensure_account
from store.db import make_engine, session_factory, upgrade
from store.models import Message, Thread
from sync.client import GoogleApi
from sync.service import SyncReport, sync_account
from sync.settings import SyncSettings

NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
SEED = 11
WINDOW_DAYS = 4000  # the generator spreads mail over ~3 years: sync all of it
QUOTA = 250


@dataclass(frozen=True)
class Sandbox:
    """A sandbox process serving one generated mailbox, and what a client needs to reach it."""

    process: multiprocessing.process.BaseProcess
    connection: Connection
    base_url: str
    token_uri: str
    refresh_token: str
    client_id: str
    client_secret: str
    email: str

    def credentials(self) -> Credentials:
        """Fresh credentials for the mailbox's user."""
        return Credentials(  # type: ignore[no-untyped-call]
            token=None,
            refresh_token=self.refresh_token,
            token_uri=self.token_uri,
            client_id=self.client_id,
            client_secret=self.client_secret,
        )

    def stop(self) -> None:
        """Stop the server and its process."""
        self.connection.send("stop")
        self.process.join(timeout=30)


def _serve(connection: Connection, messages: int, quota: int | None) -> None:
    """The sandbox process: generate the mailbox, serve it, report where, wait for "stop"."""
    from sandbox.generator import generate  # noqa: PLC0415  (only the sandbox process needs these)
    from sandbox.oauth import CLIENT_ID, CLIENT_SECRET, RAPPORT_SCOPES  # noqa: PLC0415
    from sandbox.server import SandboxServer  # noqa: PLC0415
    from sandbox.state import SandboxState  # noqa: PLC0415

    state = SandboxState.from_mailbox(generate(SEED, messages, now=NOW).mailbox)
    server = SandboxServer(state, quota_units_per_second=quota).start()
    email = state.users[0]
    connection.send(
        {
            "base_url": server.base_url,
            "token_uri": server.token_uri,
            "refresh_token": server.tokens.issue_refresh_token(email, list(RAPPORT_SCOPES)),
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "email": email,
        }
    )
    connection.recv()
    server.stop()


def start_sandbox(messages: int, quota: int | None) -> Sandbox:
    """Start a sandbox process over a generated mailbox of `messages` messages."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=_serve, args=(theirs, messages, quota), daemon=True)
    process.start()
    info: dict[str, Any] = ours.recv()
    return Sandbox(process=process, connection=ours, **info)


@dataclass(frozen=True)
class Run:
    """One sync of a sandbox into a fresh store."""

    report: SyncReport
    seconds: float
    stored: int
    plan_units: int


def sync_once(sandbox: Sandbox, folder: Path, *, units_per_second: float, workers: int) -> tuple[Run, Any]:
    """A full sync into a new SQLite store; the run and what a second sync needs (store, client)."""
    engine = make_engine(f"sqlite:///{folder / f'bench-{time.monotonic_ns()}.db'}")
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions.begin() as session:
        account_id = ensure_account(session, "bench", sandbox.email).id
    api = GoogleApi(sandbox.credentials(), api_endpoint=sandbox.base_url, units_per_second=units_per_second)
    settings = SyncSettings(window_days=WINDOW_DAYS, workers=workers)
    started = time.perf_counter()
    report = sync_account(sessions, api, account_id, settings, fold_plus=True)
    seconds = time.perf_counter() - started
    with sessions() as session:
        stored = int(session.scalar(select(func.count()).select_from(Message)) or 0)
        sizes = session.execute(
            select(func.count()).select_from(Message).join(Thread).group_by(Thread.id)
        ).scalars()
        plan = 5 * math.ceil(stored / 500) + sum(min(10, 5 * size) for size in sizes)
    return Run(report, seconds, stored, plan), (sessions, api, account_id, settings)


def part_a(messages: int, folder: Path) -> None:
    sandbox = start_sandbox(messages, QUOTA)
    try:
        run, _ = sync_once(sandbox, folder, units_per_second=QUOTA, workers=SyncSettings().workers)
    finally:
        sandbox.stop()
    floor = run.plan_units / QUOTA
    throttled = run.report.calls_by_method
    print(f"(a) quota {QUOTA} units/s, {run.stored:,} messages")
    print(f"    plan {run.plan_units:,} units (floor {floor:.1f} s); spent {run.report.units:,} units")
    print(f"    wall {run.seconds:.1f} s = {run.seconds / floor:.3f} × floor (target ≤ 1.15)")
    print(f"    calls {run.report.calls:,}: {dict(sorted(throttled.items()))}")


def part_b_and_d(messages: int, folder: Path, workers: Sequence[int]) -> None:
    sandbox = start_sandbox(messages, None)
    try:
        for count in workers:
            run, again = sync_once(sandbox, folder, units_per_second=1e9, workers=count)
            print(
                f"(b) quota off, {count} workers: {run.stored:,} messages in {run.seconds:.1f} s = "
                f"{run.stored / run.seconds:,.0f} messages/s (target ≥ 1,000/s)"
            )
        sessions, api, account_id, settings = again
        report = sync_account(sessions, api, account_id, settings, fold_plus=True)
        print(
            f"(d) no-change sync: {report.calls} calls, {report.units} units: "
            f"{dict(sorted(report.calls_by_method.items()))} (target: 1 history.list, 1 events.list, 2 units)"
        )
    finally:
        sandbox.stop()


def part_c(messages: int, folder: Path) -> None:
    sandbox = start_sandbox(messages, None)
    try:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        run, _ = sync_once(sandbox, folder, units_per_second=1e9, workers=SyncSettings().workers)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    finally:
        sandbox.stop()
    print(
        f"(c) {run.stored:,} messages in {run.seconds:.1f} s ({run.stored / run.seconds:,.0f}/s); "
        f"peak RSS of the syncing process {peak:.0f} MiB (before the sync {before:.0f} MiB; "
        "target < 286 MiB = 300 MB)"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench_sync")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the mailbox sizes (e.g. 0.1)")
    parser.add_argument("--only", default="a,b,c,d", help="parts to run, e.g. a,d")
    parser.add_argument("--workers", default="1,2,4", help="batch workers to compare in (b)")
    args = parser.parse_args([] if argv is None else argv)
    parts = set(args.only.split(","))
    sized = max(500, round(20_000 * args.scale))
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        if "a" in parts:
            part_a(sized, folder)
        if "b" in parts or "d" in parts:
            part_b_and_d(sized, folder, [int(count) for count in args.workers.split(",")])
        if "c" in parts:
            part_c(max(500, round(100_000 * args.scale)), folder)


if __name__ == "__main__":
    main(sys.argv[1:])
