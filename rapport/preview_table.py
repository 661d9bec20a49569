"""What `rapport preview`, `draft` and `demo` print: the findings table and the drafts, as people read them.

The table shows the open findings with their reasons, strongest first within each kind, and at most
`preview.max_cold_contacts` cold contacts followed by an "N more" line (`rules.report.preview`). Each row
carries its finding's short key (`short_key`), which `rapport dismiss` takes as well as the full occasion key
that `preview --json` prints. A draft is shown as the user will find it in Gmail: recipients, subject,
whether it answers a thread, and its body.
"""

from __future__ import annotations

import hashlib
from collections import Counter

from rich.console import Console
from rich.table import Table
from rich.text import Text

from rules.report import Preview, PreviewRow
from sync.drafts_writer import DraftReport, WrittenDraft

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


def render_draft(console: Console, draft: WrittenDraft) -> None:
    """One draft: who it goes to, its subject, whether it replies in a thread, and its body."""
    console.rule(KIND_LABELS.get(draft.kind, draft.kind), align="left")
    console.print(f"To: {', '.join(draft.recipients)}", markup=False, highlight=False)
    console.print(f"Subject: {draft.subject}", markup=False, highlight=False)
    console.print("(a reply in its thread)" if draft.reply else "(a new conversation)", style="dim")
    console.print()
    console.print(draft.body.rstrip("\n"), markup=False, highlight=False, soft_wrap=True)


def render_drafts(console: Console, title: str, report: DraftReport) -> None:
    """The drafts a run wrote (or, for a dry run, would write), then what the run did."""
    for draft in report.planned:
        render_draft(console, draft)
    if report.planned:
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
        (report.failed, "failed (see the log)"),
        (report.misthreaded, "put in a new thread by Gmail"),
    ]
    done += [f"{count} {what}" for count, what in notes if count]
    return "; ".join(done)


def _count(count: int, noun: str) -> str:
    return f"{count} {_plural(count, noun)}"


def _plural(count: int, noun: str) -> str:
    return noun if count == 1 else f"{noun}s"
