"""Findings in the store, so the user's decisions persist across runs.

A new occasion is stored open; an open or drafted one found again is refreshed (score, reason, due time,
contacts); a dismissed or resolved one is never reopened; an open or drafted one whose condition no longer
holds is resolved with a `state_reason` saying why (the draft writer then removes its untouched draft).
Writes are bulk statements: one INSERT for the new findings, one executemany UPDATE for the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from rules.findings import Found, Resolution
from rules.queries import chunks
from store.models import Finding

ACTIVE_STATES = ("open", "drafted")


_COMPARED = (
    Finding.rule_name,
    Finding.emails,
    Finding.person_id,
    Finding.event_gcal_id,
    Finding.thread_gmail_id,
    Finding.message_gmail_id,
    Finding.last_interaction,
    Finding.due_at,
    Finding.score,
    Finding.reason,
)


@dataclass(frozen=True)
class StoredFinding:
    """An open or drafted finding as stored: enough to refresh it or explain why it no longer holds."""

    id: int
    occasion_key: str
    kind: str
    state: str
    values: dict[str, Any]  # the columns a refresh may change, by name

    @property
    def rule_name(self) -> str:
        return str(self.values["rule_name"])


@dataclass(frozen=True)
class PersistCounts:
    opened: int
    refreshed: int  # found again with something changed (reason, score, due time, …)
    resolved: int


def active_findings(session: Session, account_id: int) -> dict[str, StoredFinding]:
    """The account's open and drafted findings by occasion key."""
    query = select(Finding.id, Finding.occasion_key, Finding.kind, Finding.state, *_COMPARED).where(
        Finding.account_id == account_id, Finding.state.in_(ACTIVE_STATES)
    )
    names = [column.key for column in _COMPARED]
    return {
        row[1]: StoredFinding(row[0], row[1], row[2], row[3], dict(zip(names, row[4:], strict=True)))
        for row in session.execute(query)
    }


def _closed_keys(session: Session, account_id: int, keys: Sequence[str]) -> set[str]:
    """Which of `keys` are stored dismissed or resolved: those occasions are never reopened."""
    closed: set[str] = set()
    for chunk in chunks(keys):
        query = select(Finding.occasion_key).where(
            Finding.account_id == account_id,
            Finding.occasion_key.in_(chunk),
            Finding.state.not_in(ACTIVE_STATES),
        )
        closed.update(session.execute(query).scalars())
    return closed


def _values(found: Found, now: datetime) -> dict[str, Any]:
    return {
        "rule_name": found.rule_name,
        "emails": list(found.emails),
        "person_id": found.person_id,
        "event_gcal_id": found.event_gcal_id,
        "thread_gmail_id": found.thread_gmail_id,
        "message_gmail_id": found.message_gmail_id,
        "last_interaction": found.last_interaction,
        "due_at": found.due_at,
        "score": found.score,
        "reason": found.reason,
        "evidence": {**found.evidence, "names": list(found.names)},
        "updated_at": now,
    }


def _changed(values: dict[str, Any], stored: dict[str, Any]) -> bool:
    """Whether a refresh changes anything shown (the evidence follows the reason, score and due time)."""
    return any(values[name] != stored[name] for name in stored)


def _evidence(session: Session, finding_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    for chunk in chunks(finding_ids):
        query = select(Finding.id, Finding.evidence).where(Finding.id.in_(chunk))
        found.update({finding_id: dict(evidence or {}) for finding_id, evidence in session.execute(query)})
    return found


def persist(
    session: Session,
    account_id: int,
    *,
    found: Iterable[Found],
    resolutions: Iterable[Resolution],
    active: dict[str, StoredFinding],
    now: datetime,
) -> PersistCounts:
    """Store this run's findings and resolutions; `active` is what was open or drafted before the run."""
    found = list(found)
    fresh = [item for item in found if item.occasion_key not in active]
    closed = _closed_keys(session, account_id, [item.occasion_key for item in fresh])
    new_rows = [
        {
            **_values(item, now),
            "account_id": account_id,
            "kind": item.kind,
            "occasion_key": item.occasion_key,
            "state": "open",
            "first_seen_at": now,
        }
        for item in fresh
        if item.occasion_key not in closed
    ]
    if new_rows:
        session.execute(insert(Finding), new_rows)
    refreshed = [
        {"id": active[item.occasion_key].id, **values}
        for item in found
        if item.occasion_key in active
        for values in [_values(item, now)]
        if _changed(values, active[item.occasion_key].values)
    ]
    settled = [resolution for resolution in resolutions if resolution.occasion_key in active]
    evidence = _evidence(session, [active[resolution.occasion_key].id for resolution in settled])
    resolved = []
    for resolution in settled:
        finding_id = active[resolution.occasion_key].id
        extra = {"resolved_by": resolution.resolved_by} if resolution.resolved_by else {}
        resolved.append(
            {
                "id": finding_id,
                "state": "resolved",
                "state_reason": resolution.reason,
                "evidence": {**evidence.get(finding_id, {}), **extra},
                "updated_at": now,
            }
        )
    for rows in (refreshed, resolved):
        if rows:
            session.execute(update(Finding), rows)
    session.flush()
    return PersistCounts(opened=len(new_rows), refreshed=len(refreshed), resolved=len(resolved))
