"""What `rapport status` knows about each account, read from the store: the last run (of any kind) and the
last cycle with their outcomes, cursors, open findings by kind, drafts written, the last audit, and the last
error with its fix (`rapport.status_table` shows it to a person; `status --json` prints it as it is).

A run is a whole cycle (`kind` "cycle": the daemon, `run --once`, the demo) or the user's `rapport sync`
("sync") or `rapport draft` ("draft"); `preview` and `draft --dry-run` are not recorded. `last_run` is the
newest run, `last_cycle` the newest cycle (what it always was), `last_error` the newest run that failed, of
any kind, `resolved` once a later run ended "ok".

The JSON keys (`account`, `email`, `last_run`, `last_cycle`, `last_error`, `gmail_cursor`, `calendars`,
`open_findings`, `drafts`, `last_audit`, `token_file_present`) are an interface scripts may rely on. A run's
`outcome` is "running" while a live process works the account; a run whose process died before recording
its end (killed, crashed) reads "interrupted".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from rapport.config import AccountSettings, RapportConfig
from rapport.store_access import is_worked_on
from store.models import AuditRun, Calendar, CalendarCursor, CycleRun, Draft, Finding, GmailCursor

KINDS = ("thank_you", "cold_contact", "awaiting_reply")
FAILED = ("error", "auth_error")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def account_status(session: Session, account: AccountSettings, account_id: int | None) -> dict[str, Any]:
    """What `status --json` says about one account (`account_id` None: not in the store yet)."""
    status = _never_run(account)
    if account_id is None:
        return status
    runs = (
        select(CycleRun)
        .where(CycleRun.account_id == account_id)
        .order_by(CycleRun.started_at.desc(), CycleRun.id.desc())
    )
    last = session.scalars(runs.limit(1)).first()
    if last is not None:
        # Only the newest run can still be running: a later one began under the lease its process had lost.
        live = last.outcome == "running" and is_worked_on(session, account_id)
        status["last_run"] = _run(last, live=live)
        cycles = runs.where(CycleRun.kind == "cycle").limit(1)
        cycle = last if last.kind == "cycle" else session.scalars(cycles).first()
        if cycle is not None:
            status["last_cycle"] = _run(cycle, live=live and cycle is last)
    failed = session.scalars(runs.where(CycleRun.outcome.in_(FAILED)).limit(1)).first()
    if failed is not None:
        status["last_error"] = {
            "at": _iso(failed.started_at),
            "kind": failed.kind,
            "error": failed.error,
            "fix": failed.fix,
            "resolved": last is not None and last.outcome == "ok" and last.id > failed.id,
        }
    cursor = session.get(GmailCursor, account_id)
    if cursor is not None:
        status["gmail_cursor"] = {
            "phase": cursor.phase,
            "history_id": cursor.history_id,
            "updated_at": _iso(cursor.updated_at),
        }
    status["calendars"] = _calendars(session, account_id)
    open_counts = session.execute(
        select(Finding.kind, func.count())
        .where(Finding.account_id == account_id, Finding.state == "open")
        .group_by(Finding.kind)
    ).all()
    status["open_findings"] |= {kind: count for kind, count in open_counts}
    draft_counts = session.execute(
        select(Draft.state, func.count()).where(Draft.account_id == account_id).group_by(Draft.state)
    ).all()
    status["drafts"] = {state: count for state, count in draft_counts}
    audit = session.scalars(
        select(AuditRun).where(AuditRun.account_id == account_id).order_by(AuditRun.at.desc()).limit(1)
    ).first()
    if audit is not None:
        status["last_audit"] = {
            "at": _iso(audit.at),
            "sampled": audit.sampled,
            "missing": audit.missing,
            "repaired": audit.repaired,
        }
    return status


def _run(run: CycleRun, *, live: bool) -> dict[str, Any]:
    """A recorded run; one still "running" without a `live` process working it reads "interrupted"."""
    interrupted = run.outcome == "running" and not live  # its process died (killed, crashed) mid-run
    return {
        "kind": run.kind,
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "outcome": "interrupted" if interrupted else run.outcome,
        "synced_messages": run.synced_messages,
        "synced_events": run.synced_events,
        "found": run.found,
        "drafted": run.drafted,
        "error": run.error,
        "fix": run.fix,
    }


def _calendars(session: Session, account_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Calendar, CalendarCursor)
        .outerjoin(CalendarCursor, CalendarCursor.calendar_id == Calendar.id)
        .where(Calendar.account_id == account_id)
        .order_by(Calendar.id)
    ).all()
    return [
        {
            "calendar": calendar.config_id,
            "synced": cursor is not None and cursor.sync_token is not None,
            "updated_at": _iso(cursor.updated_at) if cursor is not None else None,
        }
        for calendar, cursor in rows
    ]


def collect_status(
    config: RapportConfig, sessions: sessionmaker[Session] | None, account_ids: dict[str, int]
) -> list[dict[str, Any]]:
    """Every configured account's status; without a store (`sessions` None) they all read "never run"."""
    if sessions is None:
        return [_never_run(account) for account in config.accounts]
    with sessions() as session:
        return [
            account_status(session, account, account_ids.get(account.name)) for account in config.accounts
        ]


def _never_run(account: AccountSettings) -> dict[str, Any]:
    return {
        "account": account.name,
        "email": account.email,
        "token_file_present": account.token_file.is_file(),
        "last_run": None,
        "last_cycle": None,
        "last_error": None,
        "gmail_cursor": None,
        "calendars": [],
        "open_findings": dict.fromkeys(KINDS, 0),
        "drafts": {},
        "last_audit": None,
    }
