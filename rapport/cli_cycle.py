"""The commands that run the cycle or part of it: `run [--once]`, `sync`, `preview`, `draft [--dry-run]`.

Each works on every configured account in turn (or the one `--account` names), each account under its
store lease. One account's failure (a revoked token, Google down) never stops the others: the command ends
with exit code 1 and a line per failed account naming the fix. `run`, `sync` and `draft` (not --dry-run)
leave a `cycle_runs` row per account saying what ran and how it ended, for `rapport status`; `preview` and
`draft --dry-run` leave none: they sync nothing and write nothing to Gmail, and a preview that went well
says nothing of whether the sync's last error is gone. Ctrl+C or SIGTERM stops after the current
step; what was committed stays and the next run resumes. A store that cannot be opened ends each of them
with exit code 2 before anything is written, except the daemon (`run` without --once), which waits for it
(rapport/daemon_start.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from rich.console import Console

from rapport.cli_state import CliState, account_option_value, state_of
from rapport.config import AccountSettings, RapportConfig
from rapport.cycle import FULL_CYCLE, RULES_ONLY, SYNC_ONLY, draft_steps
from rapport.daemon_start import run_daemon
from rapport.errors import with_fix
from rapport.preview_table import account_title, render_drafts, render_preview
from rapport.progress import sync_progress
from rapport.runs import AccountRun, RunResult, run_accounts
from rapport.store_access import Store, open_store
from rules.report import findings_json
from rules.report import preview as preview_rows
from store.models import GmailCursor

DISMISS_HINT = "Never to be nudged about one again: rapport dismiss KEY (the key under its kind)"

ACCOUNT_OPTION = click.option(
    "--account", "account_name", metavar="NAME", help="Only this account (default: every account)."
)


def interactive_start(
    ctx: click.Context, account_name: str | None
) -> tuple[CliState, RapportConfig, list[AccountSettings]]:
    """What `sync`, `preview` and `draft` begin with: the config, quiet logging, the accounts chosen."""
    state = state_of(ctx)
    config = state.config()
    state.setup_logging(config, interactive=True)
    return state, config, account_option_value(config, account_name)


@contextmanager
def opened_store(state: CliState, config: RapportConfig) -> Iterator[Store]:
    store = open_store(state.config_path, config)
    try:
        yield store
    finally:
        store.engine.dispose()


@click.command()
@click.option("--once", is_flag=True, help="One cycle for every account, then exit (1 if any failed).")
@click.pass_context
def run(ctx: click.Context, once: bool) -> None:
    """Run every account's cycle every interval_minutes, until stopped.

    A cycle is sync → rules → drafts. SIGTERM or Ctrl+C stops after the current step. A store that cannot
    be reached yet is waited for (a WARNING line per attempt), not an exit.
    """
    state = state_of(ctx)
    config = state.config()
    state.setup_logging(config)
    if not once:
        ctx.exit(run_daemon(state.config_path, config))
    with opened_store(state, config) as store:
        # Each account's log line says what failed and its fix: no second report on stderr.
        result = run_accounts(config, store, config.accounts, FULL_CYCLE, record=True, log_outcomes=True)
    ctx.exit(result.exit_code)


@click.command()
@ACCOUNT_OPTION
@click.pass_context
def sync(ctx: click.Context, account_name: str | None) -> None:
    """Bring the store up to date with Gmail and the calendars.

    Nothing else: no rules, no drafts. Every audit_every_cycles syncs (the daemon's included) it also checks
    a sample of recent mail against the store and restores what is missing. A first sync shows a progress bar
    on a terminal.
    """
    state, config, accounts = interactive_start(ctx, account_name)
    console = Console()
    bars = sync_progress(console)
    with opened_store(state, config) as store:
        if bars is None:
            result = run_accounts(config, store, accounts, SYNC_ONLY, record=True, kind="sync")
        else:
            with bars:
                result = run_accounts(
                    config,
                    store,
                    accounts,
                    SYNC_ONLY,
                    record=True,
                    kind="sync",
                    progress_for=bars.for_account,
                )
    for account_run in result.runs:
        line = sync_line(account_run)
        if line:
            console.print(line, markup=False, highlight=False)
    report_problems(result)
    ctx.exit(result.exit_code)


def sync_line(account_run: AccountRun) -> str | None:
    """'work (me@x.example): 1717 messages added, ... ; 1107 calls, 6574 quota units (full sync)', and the
    audit's finding when one ran."""
    results = account_run.cycle.results
    report = results.sync
    if report is None:
        return None
    title = account_title(account_run.account.name, account_run.account.email)
    kind = " (full sync)" if report.full_sync else ""
    stopped = "; stopped before the end, the next sync resumes" if report.interrupted else ""
    line = (
        f"{title}: {report.messages_added} messages added, {report.messages_deleted} deleted, "
        f"{report.messages_relabelled} relabelled, {report.events_changed} calendar events changed{kind}; "
        f"{report.calls} calls, {report.units} quota units{stopped}"
    )
    audit = results.audit
    if audit is None:
        return line
    gap = f"{audit.missing} missing, {audit.repaired} restored" if audit.missing else "none missing"
    # The calls and units above are the sync's; the audit's come on top (nothing else ran).
    calls, units = results.usage.calls - report.calls, results.usage.units - report.units
    return (
        f"{line}\n{title}: audit of {audit.sampled} recent messages against the store: {gap}; "
        f"{calls} calls, {units} quota units"
    )


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print every open finding as JSON.")
@ACCOUNT_OPTION
@click.pass_context
def preview(ctx: click.Context, as_json: bool, account_name: str | None) -> None:
    """Show the open findings with their reasons, strongest first.

    The rules run over what the store holds (run `rapport sync` first); nothing is written to Gmail. Each
    finding's key (under its kind; `occasion_key` in --json) is what `rapport dismiss` takes.
    """
    state, config, accounts = interactive_start(ctx, account_name)
    with opened_store(state, config) as store:
        result = run_accounts(config, store, accounts, RULES_ONLY)
        warn_if_not_synced(store, result)
        with store.sessions() as session:
            if as_json:
                findings: list[dict[str, Any]] = [
                    {"account": account.name, **finding}
                    for account in accounts
                    for finding in findings_json(session, store.account_ids[account.name])
                ]
                click.echo(json.dumps(findings, indent=2, ensure_ascii=False))
            else:
                console = Console()
                shown = False
                for account in accounts:
                    rows = preview_rows(
                        session,
                        store.account_ids[account.name],
                        max_cold_contacts=config.preview.max_cold_contacts,
                    )
                    render_preview(console, account_title(account.name, account.email), rows)
                    shown = shown or bool(rows.rows)
                if shown:
                    console.print(DISMISS_HINT, style="dim", markup=False, highlight=False)
    report_problems(result)
    ctx.exit(result.exit_code)


@click.command()
@click.option("--dry-run", is_flag=True, help="Show the drafts it would write; write nothing to Gmail.")
@ACCOUNT_OPTION
@click.pass_context
def draft(ctx: click.Context, dry_run: bool, account_name: str | None) -> None:
    """Write the findings' drafts into Gmail (it never sends).

    The rules run first over what the store holds; each draft is printed.
    """
    state, config, accounts = interactive_start(ctx, account_name)
    with opened_store(state, config) as store:
        # A dry run writes nothing to Gmail: no record (see the module's docstring).
        steps = draft_steps(dry_run=dry_run)
        result = run_accounts(config, store, accounts, steps, record=not dry_run, kind="draft")
        warn_if_not_synced(store, result)
    console = Console()
    for account_run in result.runs:
        report = account_run.cycle.results.drafts
        if report is not None:
            title = account_title(account_run.account.name, account_run.account.email)
            render_drafts(console, title, report)
    report_problems(result)
    ctx.exit(result.exit_code)


def warn_if_not_synced(store: Store, result: RunResult) -> None:
    """`preview` and `draft` work on what the store holds: say so when it holds no whole mailbox yet (an
    account that failed has its own line, with its fix)."""
    with store.sessions() as session:
        for account in (run.account for run in result.runs if not run.outcome.failed):
            cursor = session.get(GmailCursor, store.account_ids[account.name])
            if cursor is None or cursor.phase != "incremental":
                click.echo(
                    f"rapport: account {account.name} has not finished its first sync, so its findings "
                    "are incomplete — run: rapport sync",
                    err=True,
                )


def report_problems(result: RunResult) -> None:
    """On stderr: each failed account with its fix, each skipped or stopped one with why."""
    for account_run in result.runs:
        outcome = account_run.outcome
        name = account_run.account.name
        if outcome.failed:
            named = "" if outcome.error.startswith(f'account "{name}"') else f"account {name}: "
            click.echo(f"rapport: {named}{with_fix(outcome.error, outcome.fix)}", err=True)
        elif outcome.outcome == "skipped":
            click.echo(f"rapport: account {name} skipped: {outcome.error}", err=True)
        elif outcome.outcome == "stopped":
            click.echo(f"rapport: account {name} stopped before the end; the next run resumes", err=True)
