"""Reconcile Rapport's outbox (the `drafts` table) with the drafts in Gmail, before anything new is written.

Gmail is the truth about what the user did; the outbox is the truth about what Rapport meant to do. Each run:
- a `pending` row whose draft exists in Gmail (found by its X-Rapport-Key) is adopted: the process died
  between drafts.create and the commit, and no second draft is written;
- two Gmail drafts with one key (httplib2 re-sent a POST after a dropped connection) — the one the outbox
  does not record is deleted, if its text is still exactly what Rapport wrote;
- a written draft that vanished was sent by the user (a SENT message carries its key: finding resolved) or
  deleted (finding dismissed: that occasion is never drafted again);
- a draft whose message changed was edited by the user (`user_edited`): never overwritten or deleted;
- a finding the rules resolved (the user wrote by hand, the contact wrote first) loses its *untouched* draft
  (`withdrawn`) when `delete_untouched_when_resolved` — unless the user sent one of its drafts, in which case
  the others are theirs to send or discard;
- a finding the user dismissed (`rapport dismiss`) has its written drafts withdrawn (`withdraw_drafts`) and
  loses the untouched ones the same way, whatever `delete_untouched_when_resolved` says.
Rapport never updates a draft's content, so any change to one is the user's. Drafts without Rapport's key
are never touched. Each decision is committed on its own; a withdrawal is committed *before* the delete, so
a kill in between is finished by the next run rather than mistaken for the user deleting the draft.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from store.models import Draft, DraftState, Finding, FindingState, Message, Thread
from sync.drafts_gmail import GmailDraft, delete_draft, draft_body, draft_key, list_drafts, thread_messages
from sync.drafts_mime import body_fingerprint
from sync.settings import DraftSettings

if TYPE_CHECKING:
    from sync.client import GoogleApi

log = logging.getLogger(__name__)

ACTIVE_FINDING_STATES: tuple[FindingState, ...] = ("open", "drafted")
SENT_LABEL = "SENT"
_IN_CHUNK = 500  # bound on the ids in one IN (...) list


@dataclass
class ReconcileCounts:
    """What reconciling found and did."""

    adopted: int = 0
    deleted_duplicates: int = 0
    withdrawn: int = 0
    dismissed: int = 0
    resolved: int = 0
    user_edited: int = 0


@dataclass
class GmailDrafts:
    """The mailbox's drafts and, for each, Rapport's key (None: not Rapport's)."""

    by_id: dict[str, GmailDraft] = field(default_factory=dict)
    keys: dict[str, str | None] = field(default_factory=dict)

    def with_key(self, key: str) -> list[GmailDraft]:
        """Gmail drafts carrying `key`, oldest id first (a stable choice of which one to keep)."""
        return sorted(
            (draft for draft_id, draft in self.by_id.items() if self.keys.get(draft_id) == key),
            key=lambda draft: (len(draft.draft_id), draft.draft_id),
        )

    def forget(self, draft_id: str) -> None:
        """Drop a draft Rapport just deleted."""
        self.by_id.pop(draft_id, None)
        self.keys.pop(draft_id, None)

    def duplicated_keys(self) -> list[str]:
        """Keys carried by more than one Gmail draft."""
        counts: dict[str, int] = defaultdict(int)
        for key in self.keys.values():
            if key is not None:
                counts[key] += 1
        return sorted(key for key, count in counts.items() if count > 1)


def read_gmail_drafts(session_factory: sessionmaker[Session], api: GoogleApi, account_id: int) -> GmailDrafts:
    """drafts.list (paged), with keys from the store where it knows the message, else from Gmail."""
    drafts = list_drafts(api)
    message_ids = [draft.message_id for draft in drafts]
    with session_factory() as session:
        known: dict[str, str | None] = {}
        for chunk in _chunks(message_ids):
            for message_id, key in session.execute(
                select(Message.gmail_id, Message.rapport_key).where(
                    Message.account_id == account_id, Message.is_draft.is_(True), Message.gmail_id.in_(chunk)
                )
            ):
                known[message_id] = key
            for written_id, draft_key_written in session.execute(
                select(Draft.gmail_message_id, Draft.draft_key).where(
                    Draft.account_id == account_id, Draft.gmail_message_id.in_(chunk)
                )
            ):
                if written_id is not None:
                    known[written_id] = draft_key_written  # what Rapport wrote is surely Rapport's
    found = GmailDrafts()
    for draft in drafts:
        found.by_id[draft.draft_id] = draft
        if draft.message_id in known:
            found.keys[draft.draft_id] = known[draft.message_id]
        else:
            found.keys[draft.draft_id] = draft_key(api, draft)
    return found


def reconcile(
    session_factory: sessionmaker[Session],
    api: GoogleApi,
    account_id: int,
    gmail: GmailDrafts,
    *,
    settings: DraftSettings,
    now: datetime,
) -> ReconcileCounts:
    """Bring the outbox and the findings up to date with what happened in Gmail (see the module doc)."""
    run = _Reconciliation(session_factory, api, gmail, now)
    for row in _rows(session_factory, account_id, gmail, ("pending",)):
        run.settle_pending(row)
    remove_duplicates(session_factory, api, account_id, gmail, run.counts)
    for row in _rows(session_factory, account_id, gmail, ("written", "user_edited")):
        run.follow_user(row)
    # A withdrawal already decided (the rules resolved the finding, or the user dismissed it) is finished
    # whatever the setting, which only says whether a resolution decides one.
    withdrawing: tuple[DraftState, ...] = (
        ("written", "withdrawn") if settings.delete_untouched_when_resolved else ("withdrawn",)
    )
    for row in _rows(session_factory, account_id, gmail, withdrawing):
        run.withdraw_if_resolved(row)
    return run.counts


def withdraw_drafts(session: Session, finding_id: int, now: datetime) -> list[Draft]:
    """Withdraw a finding's written drafts, in the caller's transaction (the user dismissed the finding).

    Nothing is deleted here: committed with the dismissal, the withdrawal is finished by the next `reconcile`,
    which deletes each draft still untouched in Gmail and keeps (as `user_edited`) any the user changed —
    so a process that dies before reaching Gmail leaves the deletion to the next cycle. Returns the rows.
    """
    written = select(Draft).where(Draft.finding_id == finding_id, Draft.state == "written")
    rows = list(session.scalars(written))
    for draft in rows:
        draft.state, draft.updated_at = "withdrawn", now
    return rows


def remove_duplicates(
    session_factory: sessionmaker[Session],
    api: GoogleApi,
    account_id: int,
    gmail: GmailDrafts,
    counts: ReconcileCounts,
) -> None:
    """Delete the extra drafts of a key, keeping the one the outbox records; only unchanged copies go."""
    for key in gmail.duplicated_keys():
        with session_factory() as session:
            row = session.scalars(
                select(Draft).where(Draft.account_id == account_id, Draft.draft_key == key)
            ).first()
        if row is None or row.gmail_draft_id is None:
            count = len(gmail.with_key(key))
            log.warning(
                "%d Gmail drafts carry key %s, which the outbox does not know: left alone", count, key
            )
            continue
        for extra in gmail.with_key(key):
            if extra.draft_id == row.gmail_draft_id:
                continue
            if not _unchanged(api, extra.draft_id, row.body_sha256):
                log.info("duplicate draft %s of %s was edited by the user: kept", extra.draft_id, key)
                continue
            delete_draft(api, extra.draft_id)
            counts.deleted_duplicates += 1
            log.info("deleted duplicate draft %s of %s (a re-sent drafts.create)", extra.draft_id, key)
            gmail.forget(extra.draft_id)


def _rows(
    session_factory: sessionmaker[Session],
    account_id: int,
    gmail: GmailDrafts,
    states: tuple[DraftState, ...],
) -> list[Draft]:
    """Outbox rows in `states`; withdrawn rows only while their draft is still in Gmail (a withdrawal's
    delete interrupted) — the others are history and not worth reading every run."""
    live = [state for state in states if state != "withdrawn"]
    condition: ColumnElement[bool] = Draft.state.in_(live)
    if "withdrawn" in states and gmail.by_id:
        condition = or_(condition, (Draft.state == "withdrawn") & Draft.gmail_draft_id.in_(list(gmail.by_id)))
    with session_factory() as session:
        return list(
            session.scalars(select(Draft).where(Draft.account_id == account_id, condition).order_by(Draft.id))
        )


@dataclass
class _Reconciliation:
    """One reconcile pass: each decision about one outbox row, committed on its own."""

    session_factory: sessionmaker[Session]
    api: GoogleApi
    gmail: GmailDrafts
    now: datetime
    counts: ReconcileCounts = field(default_factory=ReconcileCounts)

    def settle_pending(self, row: Draft) -> None:
        """Adopt the Gmail draft a killed run created, or retire a row whose occasion has passed."""
        candidates = self.gmail.with_key(row.draft_key)
        with self.session_factory.begin() as session:
            draft = session.get_one(Draft, row.id)
            if candidates:
                kept = candidates[0]
                draft.gmail_draft_id = kept.draft_id
                draft.gmail_message_id = kept.message_id
                draft.gmail_thread_id = kept.thread_id
                draft.state, draft.updated_at = "written", self.now
                _set_finding(draft.finding, ("open",), "drafted", None, self.now)
                self.counts.adopted += 1
                log.info(
                    "adopted draft %s for %s, created before an interrupted commit",
                    kept.draft_id,
                    row.draft_key,
                )
            elif draft.finding.state not in ACTIVE_FINDING_STATES:
                # The occasion ended before its draft was ever written: there is nothing to write any more.
                draft.state, draft.updated_at = "withdrawn", self.now

    def follow_user(self, row: Draft) -> None:
        """Record what the user did with a written draft: edited, sent or deleted it."""
        current = self.gmail.by_id.get(row.gmail_draft_id or "")
        if current is not None:
            if row.state == "written" and current.message_id != row.gmail_message_id:
                self._mark(row, "user_edited")
                self.counts.user_edited += 1
                log.info(
                    "draft %s (%s) was edited by the user: left alone", row.gmail_draft_id, row.draft_key
                )
            return
        sent = _was_sent(self.session_factory, self.api, row)
        who = ", ".join(row.recipients)
        with self.session_factory.begin() as session:
            draft = session.get_one(Draft, row.id)
            draft.updated_at = self.now
            if sent:
                draft.state = "sent"
                reason = f"you sent the draft to {who}"
                if _set_finding(draft.finding, ACTIVE_FINDING_STATES, "resolved", reason, self.now):
                    self.counts.resolved += 1
            else:
                draft.state = "deleted_by_user"
                reason = f"you deleted the draft to {who}; Rapport will not draft this occasion again"
                if _set_finding(draft.finding, ACTIVE_FINDING_STATES, "dismissed", reason, self.now):
                    self.counts.dismissed += 1
        log.info(
            "draft %s (%s) was %s by the user",
            row.gmail_draft_id,
            row.draft_key,
            "sent" if sent else "deleted",
        )

    def withdraw_if_resolved(self, row: Draft) -> None:
        """Delete an untouched draft whose finding the rules resolved, or finish a withdrawal already decided
        (interrupted, or the user's dismissal)."""
        current = self.gmail.by_id.get(row.gmail_draft_id or "")
        if current is None or row.gmail_draft_id is None:
            return
        with self.session_factory() as session:
            finding = session.get_one(Finding, row.finding_id)
            sibling_sent = any(sibling.state == "sent" for sibling in finding.drafts)
            finding_state = finding.state
        resolved = finding_state == "resolved"
        if row.state == "written" and (not resolved or sibling_sent):
            return
        untouched = current.message_id == row.gmail_message_id and _unchanged(
            self.api, row.gmail_draft_id, row.body_sha256
        )
        self._mark(row, "withdrawn" if untouched else "user_edited")
        if not untouched:
            self.counts.user_edited += 1
            log.info(
                "draft %s (%s) was edited by the user: kept although %s",
                row.gmail_draft_id,
                row.draft_key,
                finding_state,
            )
            return
        delete_draft(self.api, row.gmail_draft_id)
        self.counts.withdrawn += 1
        log.info(
            "withdrew untouched draft %s (%s): its finding was %s",
            row.gmail_draft_id,
            row.draft_key,
            finding_state,
        )
        self.gmail.forget(row.gmail_draft_id)

    def _mark(self, row: Draft, state: DraftState) -> None:
        with self.session_factory.begin() as session:
            draft = session.get_one(Draft, row.id)
            draft.state, draft.updated_at = state, self.now


def _was_sent(session_factory: sessionmaker[Session], api: GoogleApi, row: Draft) -> bool:
    """Whether the user sent a draft that vanished, rather than deleting it.

    Sent when a SENT message carries the draft's key, or — since Gmail's editor may drop a custom header —
    when the user sent mail into the draft's thread after Rapport wrote it. The store answers when it has
    synced that mail already; otherwise (sent after this cycle's sync) the thread itself is asked.
    """
    with session_factory() as session:
        into_thread = (Thread.gmail_id == row.gmail_thread_id) & (Message.internal_date >= row.created_at)
        stored = session.scalars(
            select(Message.id)
            .join(Thread, Message.thread_id == Thread.id)
            .where(
                Message.account_id == row.account_id,
                Message.is_sent.is_(True),
                or_(Message.rapport_key == row.draft_key, into_thread),
            )
            .limit(1)
        ).first()
    if stored is not None:
        return True
    if not row.gmail_thread_id:
        return False
    return any(
        SENT_LABEL in message.label_ids
        and (
            message.rapport_key == row.draft_key
            or (message.internal_date is not None and message.internal_date >= row.created_at)
        )
        for message in thread_messages(api, row.gmail_thread_id)
    )


def _unchanged(api: GoogleApi, draft_id: str, expected_sha256: str | None) -> bool:
    """The draft's text is still exactly what Rapport wrote (unknown text counts as changed)."""
    if expected_sha256 is None:
        return False
    body = draft_body(api, draft_id)
    return body is not None and body_fingerprint(body) == expected_sha256


def _set_finding(
    finding: Finding,
    from_states: Iterable[FindingState],
    to_state: FindingState,
    reason: str | None,
    now: datetime,
) -> bool:
    if finding.state not in tuple(from_states):
        return False
    finding.state = to_state
    if reason is not None:
        finding.state_reason = reason
    finding.updated_at = now
    return True


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]
