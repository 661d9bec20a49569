"""`rapport status` for a person: one block per account, a label and its value on each line, then what
needs the user (a missing token, a failed last run — cycle, `rapport sync` or `rapport draft` — with its fix,
a gap the audit found).

A block is two columns whatever the terminal's width, so it reads on an 80-column terminal too: the
values wrap, nothing is cut off. The data is `rapport.status`'s, the same that `status --json` prints.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from rapport.errors import with_fix

FINDING_LABELS = (
    ("thank_you", "thank-you"),
    ("cold_contact", "cold contact"),
    ("awaiting_reply", "awaiting reply"),
)
# What became of the drafts Rapport wrote ("pending": being written, not yet in Gmail; "failed": could never
# be written, shown apart).
DRAFT_LABELS = (
    ("written", "in Gmail"),
    ("user_edited", "edited by you"),
    ("sent", "sent"),
    ("deleted_by_user", "deleted by you"),
    ("withdrawn", "withdrawn by Rapport"),
)
# What ran, as the user knows it; and what resumes a run that ended early.
KIND_LABELS = {"cycle": "cycle", "sync": "rapport sync", "draft": "rapport draft"}
RESUMED_BY = {"cycle": "cycle", "sync": "sync", "draft": "run"}
OUTCOME_LABELS = {
    "running": "running now",
    "interrupted": "interrupted: Rapport ended mid-{word} (killed or crashed); the next {word} resumes",
    "stopped": "stopped before the end (the next {word} resumes)",
    "auth_error": "failed: authorization",
    "error": "failed",
}


def render_status(console: Console, statuses: list[dict[str, Any]]) -> None:
    """Each account's block, then one line per problem with its fix."""
    for status in statuses:
        console.print(f"{status['account']} ({status['email']})", style="bold", markup=False, highlight=False)
        block = Table.grid(padding=(0, 2))
        block.add_column(no_wrap=True)
        block.add_column(overflow="fold")
        for label, value in _rows(status):
            block.add_row(f"  {label}", value)
        console.print(block, markup=False, highlight=False)
        console.print()
    for line in problem_lines(statuses):
        console.print(line, markup=False, highlight=False, soft_wrap=True)


def _rows(status: dict[str, Any]) -> list[tuple[str, str]]:
    findings = status["open_findings"]
    last_run, last_cycle = status["last_run"], status["last_cycle"]
    runs = [("Last cycle", _run(last_cycle))]
    if last_run is not None and last_run["kind"] != "cycle":
        # A `rapport sync` or `draft` came after the last cycle (if any): it is the news, shown first.
        runs.insert(0, ("Last run", _run(last_run)))
    return [
        *runs,
        ("Open findings", ", ".join(f"{label}: {findings[kind]}" for kind, label in FINDING_LABELS)),
        ("Drafts written", _drafts(status["drafts"])),
        ("Gmail", _gmail(status["gmail_cursor"])),
        ("Calendars", _calendars(status["calendars"])),
        ("Last audit", _audit(status["last_audit"])),
    ]


def _run(run: dict[str, Any] | None) -> str:
    """'2026-12-08 10:00 UTC, rapport sync, ok: 4 mails and 1 events synced': when, what (unless a cycle,
    which its row's label names), how it ended."""
    if run is None:
        return "never"
    kind = run["kind"]
    outcome = OUTCOME_LABELS.get(run["outcome"], run["outcome"]).format(word=RESUMED_BY[kind])
    what = "" if kind == "cycle" else f"{KIND_LABELS[kind]}, "
    head = f"{_when(run['started_at'])}, {what}{outcome}"
    if run["outcome"] in ("running", "interrupted"):  # no counts recorded (yet)
        return head
    synced = f"{run['synced_messages']} mails and {run['synced_events']} events synced"
    made = f"{run['found']} found, {run['drafted']} drafted"
    # Each kind's counts: a sync finds and drafts nothing, a draft run syncs nothing.
    return f"{head}: {synced if kind == 'sync' else made if kind == 'draft' else f'{synced}, {made}'}"


def _drafts(drafts: dict[str, int]) -> str:
    written = sum(count for state, count in drafts.items() if state not in ("pending", "failed"))
    parts = [f"{label}: {drafts[state]}" for state, label in DRAFT_LABELS if drafts.get(state)]
    shown = f"{written} ({', '.join(parts)})" if parts else str(written)
    if drafts.get("failed"):
        shown += f"; {drafts['failed']} could not be written (the log says why)"
    return shown


def _gmail(cursor: dict[str, Any] | None) -> str:
    if cursor is None:
        return "not synced yet (rapport sync)"
    # The cursor's row changes only when the mailbox did: its time is the last change, not the last check.
    if cursor["phase"] == "incremental":
        return f"synced to history {cursor['history_id']} (last changed {_when(cursor['updated_at'])})"
    return f"first sync not finished, the next sync resumes it (last progress {_when(cursor['updated_at'])})"


def _calendars(calendars: list[dict[str, Any]]) -> str:
    if not calendars:
        return "not synced yet"
    return ", ".join(
        f"{calendar['calendar']} {'synced' if calendar['synced'] else 'not synced yet'}"
        for calendar in calendars
    )


def _audit(audit: dict[str, Any] | None) -> str:
    if audit is None:
        return "not yet"
    gap = f"{audit['missing']} missing (restored {audit['repaired']})" if audit["missing"] else "no gap"
    return f"{_when(audit['at'])}: {audit['sampled']} checked, {gap}"


def problem_lines(statuses: list[dict[str, Any]]) -> list[str]:
    """What needs the user: a missing token, a failed last run (with its fix), a gap the audit found."""
    lines: list[str] = []
    for status in statuses:
        name = status["account"]
        if not status["token_file_present"]:
            lines.append(f"{name}: no saved token — run: rapport auth --account {name}")
        error = status["last_error"]
        if error is not None and not error["resolved"]:
            told = with_fix(error["error"] or "", error["fix"] or "")
            lines.append(f"{name}: last {KIND_LABELS[error['kind']]} failed at {_when(error['at'])}: {told}")
        audit = status["last_audit"]
        if audit is not None and audit["missing"]:
            lines.append(
                f"{name}: the audit at {_when(audit['at'])} found {audit['missing']} recent messages missing "
                f"from the store and restored them (the log names them)"
            )
    return lines


def _when(iso: str | None) -> str:
    if iso is None:
        return "-"
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M UTC")
