"""Running steps of the cycle for the configured accounts, as every command does: under each account's lease,
one account after the other, a failed account never stopping the others.

`run_accounts` opens nothing itself: the caller hands it the store (so `rapport demo` and the tests can
hand theirs) and gets back each account's outcome and what its cycle did.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rapport.config import AccountSettings, RapportConfig
from rapport.cycle import AccountCycle, Steps
from rapport.daemon import AccountJob, CycleOutcome, Daemon
from rapport.store_access import CycleRecords, Store, StoreLease
from store.locks import make_holder
from store.models_accounts import RunKind
from sync.context import Progress

ProgressFor = Callable[[AccountSettings], Progress | None]


@dataclass(frozen=True)
class AccountRun:
    """One account's part of a run: its settings, its cycle (with the step reports) and its outcome."""

    account: AccountSettings
    cycle: AccountCycle
    outcome: CycleOutcome


@dataclass(frozen=True)
class RunResult:
    exit_code: int
    runs: list[AccountRun]


def build_daemon(
    config: RapportConfig,
    store: Store,
    accounts: Sequence[AccountSettings],
    steps: Steps,
    *,
    record: bool,
    kind: RunKind = "cycle",
    log_outcomes: bool = True,
    progress_for: ProgressFor | None = None,
) -> tuple[Daemon, dict[str, AccountCycle]]:
    """A daemon over `accounts`' cycles, each under its store lease; `record` keeps `cycle_runs` rows saying
    `kind` ran, each written once the lease is held (a run skipped for another process's lease has none)."""
    holder = make_holder()
    cycles: dict[str, AccountCycle] = {}
    jobs: list[AccountJob] = []
    for account in accounts:
        account_id = store.account_ids[account.name]
        cycle = AccountCycle(
            config,
            account,
            store.sessions,
            account_id,
            steps=steps,
            progress=progress_for(account) if progress_for is not None else None,
        )
        cycles[account.name] = cycle
        lease = StoreLease(store.sessions, account_id, holder)
        jobs.append(AccountJob(account.name, account.email, cycle, lease))
    recorder = CycleRecords(store.sessions, store.account_ids, kind) if record else None
    daemon = Daemon(jobs, config.daemon, recorder=recorder, log_outcomes=log_outcomes)
    return daemon, cycles


def run_accounts(
    config: RapportConfig,
    store: Store,
    accounts: Sequence[AccountSettings],
    steps: Steps,
    *,
    record: bool = False,
    kind: RunKind = "cycle",
    log_outcomes: bool = False,
    progress_for: ProgressFor | None = None,
) -> RunResult:
    """Run `steps` once for each account in turn (SIGTERM/SIGINT stop after the current step)."""
    daemon, cycles = build_daemon(
        config,
        store,
        accounts,
        steps,
        record=record,
        kind=kind,
        log_outcomes=log_outcomes,
        progress_for=progress_for,
    )
    exit_code, outcomes = daemon.run_once()
    by_name = {outcome.account: outcome for outcome in outcomes}
    runs = [
        AccountRun(account, cycles[account.name], by_name[account.name])
        for account in accounts
        if account.name in by_name
    ]
    return RunResult(exit_code, runs)
