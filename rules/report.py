"""The open findings as `rapport preview` shows them: a JSON array for machines, table rows for people.

The JSON names (`kind`, `emails`, `event_id`, `thread_id`, `message_id`, `last_interaction`, `score`,
`reason`, `state`) are an interface other tools rely on. The table shows the strongest findings first and
at most `preview.max_cold_contacts` cold contacts, with a count of the rest (issue 10 point 4).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rules.findings import KINDS
from rules.persistence import ACTIVE_STATES
from rules.reasons import person_label
from store.models import Finding

_KIND_ORDER = {kind: index for index, kind in enumerate(KINDS)}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _active(session: Session, account_id: int) -> list[Finding]:
    query = select(Finding).where(Finding.account_id == account_id, Finding.state.in_(ACTIVE_STATES))
    findings = list(session.execute(query).scalars())
    findings.sort(key=lambda finding: (_KIND_ORDER.get(finding.kind, len(KINDS)), -finding.score, finding.id))
    return findings


def _names(finding: Finding) -> list[str | None]:
    names = (finding.evidence or {}).get("names")
    if isinstance(names, list) and len(names) == len(finding.emails):
        return [name if isinstance(name, str) else None for name in names]
    return [None] * len(finding.emails)


def findings_json(session: Session, account_id: int) -> list[dict[str, Any]]:
    """One object per open (or drafted) finding, for `rapport preview --json`."""
    return [
        {
            "kind": finding.kind,
            "rule": finding.rule_name,
            "occasion_key": finding.occasion_key,
            "state": finding.state,
            "emails": [email.lower() for email in finding.emails],
            "names": _names(finding),
            "event_id": finding.event_gcal_id,
            "thread_id": finding.thread_gmail_id,
            "message_id": finding.message_gmail_id,
            "last_interaction": _iso(finding.last_interaction),
            "due_at": _iso(finding.due_at),
            "score": finding.score,
            "reason": finding.reason,
        }
        for finding in _active(session, account_id)
    ]


@dataclass(frozen=True)
class PreviewRow:
    """One line of the preview table."""

    kind: str
    contacts: str  # "Dana Kim (dana@acme.io)"
    reason: str
    score: float
    state: str
    occasion_key: str


@dataclass(frozen=True)
class Preview:
    """The preview table: rows strongest first within each kind, and how many cold contacts were left out."""

    rows: list[PreviewRow]
    more_cold_contacts: int

    @property
    def more_line(self) -> str | None:
        """'12 more cold contacts (rapport preview --json lists them all)', or None."""
        if not self.more_cold_contacts:
            return None
        noun = "contact" if self.more_cold_contacts == 1 else "contacts"
        return f"{self.more_cold_contacts} more cold {noun} (rapport preview --json lists them all)"


def preview(session: Session, account_id: int, *, max_cold_contacts: int) -> Preview:
    """The rows `rapport preview` prints; cold contacts beyond `max_cold_contacts` are counted, not shown."""
    rows: list[PreviewRow] = []
    cold_shown = 0
    cold_total = 0
    for finding in _active(session, account_id):
        if finding.kind == "cold_contact":
            cold_total += 1
            if cold_shown >= max_cold_contacts:
                continue
            cold_shown += 1
        contacts = ", ".join(
            person_label(name, email) for name, email in zip(_names(finding), finding.emails, strict=True)
        )
        rows.append(
            PreviewRow(
                kind=finding.kind,
                contacts=contacts,
                reason=finding.reason,
                score=finding.score,
                state=finding.state,
                occasion_key=finding.occasion_key,
            )
        )
    return Preview(rows=rows, more_cold_contacts=cold_total - cold_shown)
