"""What `rapport preview`, `draft` and `demo` print: the findings table and the drafts, as people read them.

The table shows the open findings with their reasons, strongest first within each kind, and at most
`preview.max_cold_contacts` cold contacts followed by an "N more" line (`rules.report.preview`). Each row
carries its finding's short key (`short_key`), which `rapport dismiss` takes as well as the full occasion key
that `preview --json` prints. A draft is shown as the user will find it in Gmail: recipients, subject,
whether it answers a thread, and its body. After `rapport draft`, only drafts that are in Gmail read as
written; those that could not be written come after them, each marked NOT WRITTEN with the reason.
"""

from __future__ import annotations

import hashlib
from collections import Counter

from rich.console import Console
from rich.table import Table
from rich.text import Text

from rules.report import Preview, PreviewRow
from sync.drafts_writer import DraftReport, PlannedDraft

KIND_LABELS = {"thank_you": "thank-you", "cold_contact": "cold contact", "awaiting_reply": "awaiting reply"}
MORE_NOUNS = {"thank_you": "thank-you", "cold_contact": "cold contact", "awaiting_reply": "unanswered mail"}
SHORT_KEY_LENGTH = 7  # hex digits, as git shortens commit ids: in practice unique among an account's findings


def short_key(occasion_key: str) -> str:
    """A finding's occasion key as the table shows it: a few hex digits of its hash, stable across runs
    (the full key names a meeting id or an address and a date, too long for an 80-column table)."""
    return hashlib.sha256(occasion_key.encode("utf-8")).hexdigest()[:SHORT_KEY_LENGTH]


def account_title(name: str, email: str) -> str:
    return f"{name} ({email})"


def render_preview(console: Console, title: str, preview: Preview, *, per_kind: int | None = None) -> None:
    """The open findings of one account as a table (at most `per_kind` rows of each kind, when given),
    then a line for each kind whose findings were not all shown."""
    if not preview.rows:
        console.print(f"{title}: no open findings.", markup=False, highlight=False)
        return
    shown: list[PreviewRow] = []
    more: Counter[str] = Counter({"cold_contact": preview.more_cold_contacts})
    for row in preview.rows:
        if per_kind is not None and sum(1 for kept in shown if kept.kind == row.kind) >= per_kind:
            more[row.kind] += 1
        else:
            shown.append(row)
    table = Table(title=f"Open findings — {title}", title_justify="left", show_lines=True, expand=True)
    # The short key goes under the kind, where the column has room for it: a column of its own would take
    # ten characters from Who and Why on an 80-column terminal.
    table.add_column("Kind / key", no_wrap=True)
    # A narrow terminal wraps an address over two lines rather than cutting it to "dana@ac…".
    table.add_column("Who", ratio=2, overflow="fold")
    table.add_column("Why", ratio=3, overflow="fold")
    table.add_column("Score", justify="right", no_wrap=True)
    table.add_column("State", no_wrap=True)
    for row in shown:
        table.add_row(
            Text.assemble(KIND_LABELS.get(row.kind, row.kind), "\n", (short_key(row.occasion_key), "dim")),
            row.contacts,
            row.reason,
            f"{row.score:.2f}",
            row.state,
        )
    console.print(table, markup=False, highlight=False)
    for kind, noun in MORE_NOUNS.items():
        if more[kind]:
            console.print(
                f"{more[kind]} more {_plural(more[kind], noun)} (rapport preview --json lists them all)",
                markup=False,
                highlight=False,
            )


def render_draft(console: Console, draft: PlannedDraft, *, written: bool = False) -> None:
    """One draft: who it goes to, its subject, whether it replies in a thread, and its body (headed
    "written into Gmail" when it is there)."""
    label = KIND_LABELS.get(draft.kind, draft.kind)
    console.rule(f"{label} — written into Gmail" if written else label, align="left")
    _addressed(console, draft)
    if draft.misthreaded:
        where = "(meant as a reply in its thread; Gmail put it in a new conversation)"
    else:
        where = "(a reply in its thread)" if draft.reply else "(a new conversation)"
    console.print(where, style="dim")
    console.print()
    console.print(draft.body.rstrip("\n"), markup=False, highlight=False, soft_wrap=True)


def render_failure(console: Console, draft: PlannedDraft) -> None:
    """A draft that is not in Gmail: who it was for, its subject, why it could not be written, and whether
    Rapport tries again."""
    console.rule(f"{KIND_LABELS.get(draft.kind, draft.kind)} — NOT WRITTEN", align="left", style="red")
    _addressed(console, draft)
    console.print(f"Not written: {draft.failure or 'unknown reason'}", markup=False, highlight=False)
    again = "Rapport tries again next run." if draft.retried else "Rapport will not try it again."
    console.print(again, style="dim")


def _addressed(console: Console, draft: PlannedDraft) -> None:
    console.print(f"To: {', '.join(draft.recipients)}", markup=False, highlight=False)
    console.print(f"Subject: {draft.subject}", markup=False, highlight=False)


def render_drafts(console: Console, title: str, report: DraftReport) -> None:
    """The drafts a dry run would write; or those a run wrote, then apart those it could not write, each
    with the reason; then what the run did."""
    if report.dry_run:
        shown = report.planned
        for draft in shown:
            render_draft(console, draft)
    else:
        written, failures = report.written, report.failures
        for draft in written:
            render_draft(console, draft, written=True)
        for draft in failures:
            render_failure(console, draft)
        shown = written + failures
    if shown:
        console.rule()
    console.print(f"{title}: {draft_outcome(report)}", markup=False, highlight=False)


def draft_outcome(report: DraftReport) -> str:
    """'wrote 3 drafts; deleted 1 (duplicates or drafts of findings now resolved)', in plain words."""
    if report.dry_run:
        return f"dry run: would write {_count(len(report.planned), 'draft')}; nothing was written"
    done = [f"wrote {_count(report.created, 'draft')}"]
    notes = [
        (report.adopted, "adopted from an interrupted run"),
        (report.deleted, "deleted (duplicates, or drafts of findings now resolved)"),
        (report.dismissed, "dismissed (you deleted the draft)"),
        (report.resolved, "resolved (you sent the draft or wrote yourself)"),
        (report.user_edited, "edited by you (left as you wrote them)"),
        (report.failed, "could not be written (NOT WRITTEN above, with the reason)"),
        (report.misthreaded, "put in a new thread by Gmail"),
    ]
    done += [f"{count} {what}" for count, what in notes if count]
    return "; ".join(done)


def _count(count: int, noun: str) -> str:
    return f"{count} {_plural(count, noun)}"


def _plural(count: int, noun: str) -> str:
    return noun if count == 1 else f"{noun}s"
