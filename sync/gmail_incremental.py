"""Incremental Gmail sync: history.list from the stored historyId, applied page by page.

Each page's records are reduced to their net effect per message (added then deleted is just deleted; the
last label record carries the message's label list), the added messages (and relabelled ones the store does
not know) are fetched with messages.get in batches (404: gone, skipped), and everything is applied in one
transaction together with the cursor: that page's last record id, or on the last page the response's
`historyId` (a page with more to come and no records leaves the cursor alone). Invariant: the store holds
every change up to the cursor. A mailbox with nothing new costs exactly one history.list call (2 units).

A 404 (`HistoryExpired`: the cursor is older than what Gmail keeps) is left to the caller, which repairs
the window (`gmail_repair`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sync.context import GmailCounts, SyncContext
from sync.gmail_fetch import fetch_messages
from sync.gmail_initial import cursor_of
from sync.gmail_store import delete_messages, ensure_labels, store_messages, stored_labels, update_labels

log = logging.getLogger(__name__)

HistoryType = Literal["messageAdded", "messageDeleted", "labelAdded", "labelRemoved"]
HISTORY_TYPES: list[HistoryType] = ["messageAdded", "messageDeleted", "labelAdded", "labelRemoved"]
HISTORY_PAGE_SIZE = 500


@dataclass
class PageChanges:
    """The net effect of one page of history records."""

    added: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)
    labels: dict[str, list[str]] = field(default_factory=dict)  # message id → its labels after the page
    label_deltas: dict[str, tuple[set[str], set[str]]] = field(default_factory=dict)  # when no list given


def net_changes(records: Sequence[Mapping[str, Any]]) -> PageChanges:
    """Reduce history records, oldest first, to what must be fetched, deleted and relabelled."""
    changes = PageChanges()
    for record in records:
        for item in record.get("messagesAdded", []):
            gmail_id = str(item["message"]["id"])
            changes.deleted.discard(gmail_id)
            changes.added.add(gmail_id)
        for item in record.get("messagesDeleted", []):
            gmail_id = str(item["message"]["id"])
            changes.added.discard(gmail_id)
            changes.labels.pop(gmail_id, None)
            changes.label_deltas.pop(gmail_id, None)
            changes.deleted.add(gmail_id)
        for key, adding in (("labelsAdded", True), ("labelsRemoved", False)):
            for item in record.get(key, []):
                _note_labels(changes, item, adding=adding)
    return changes


def _note_labels(changes: PageChanges, item: Mapping[str, Any], *, adding: bool) -> None:
    message = item["message"]
    gmail_id = str(message["id"])
    if gmail_id in changes.added or gmail_id in changes.deleted:
        return  # the fetch brings the current labels; a deleted message has none
    if "labelIds" in message:
        changes.labels[gmail_id] = [str(label) for label in message["labelIds"]]
        changes.label_deltas.pop(gmail_id, None)
        return
    if gmail_id in changes.labels:
        current = changes.labels[gmail_id]
        delta = set(item.get("labelIds", []))
        changes.labels[gmail_id] = (
            current + [label for label in delta if label not in current]
            if adding
            else [label for label in current if label not in delta]
        )
        return
    added, removed = changes.label_deltas.setdefault(gmail_id, (set(), set()))
    for label in item.get("labelIds", []):
        (added if adding else removed).add(str(label))
        (removed if adding else added).discard(str(label))


def run_incremental(ctx: SyncContext, counts: GmailCounts) -> bool:
    """Apply every history page since the cursor; False when stopped between pages."""
    with ctx.session_factory() as session:
        cursor = cursor_of(session, ctx.account_id)
        assert cursor is not None  # the caller ran the initial sync first
        assert cursor.history_id is not None
        start = cursor.history_id
    page_token: str | None = None
    while True:
        answer = ctx.api.execute(
            ctx.api.gmail()
            .users()
            .history()
            .list(
                userId="me",
                startHistoryId=str(start),
                historyTypes=HISTORY_TYPES,
                maxResults=HISTORY_PAGE_SIZE,
                pageToken=page_token,
            )
        )
        records: list[Mapping[str, Any]] = answer.get("history", [])
        page_token = answer.get("nextPageToken") or None
        _apply_page(ctx, net_changes(records), _covered(answer, records, page_token), counts)
        if page_token is None:
            return True
        if ctx.stopping():
            return False


def _covered(
    answer: Mapping[str, Any], records: Sequence[Mapping[str, Any]], page_token: str | None
) -> int | None:
    """How far the store is up to date once this page is applied: the response's historyId after the last
    page, the page's last record before it. A page with more to come and no records (Gmail may send one)
    says nothing, so the cursor stays where it is (None)."""
    if page_token is None:
        return int(answer["historyId"])
    return int(records[-1]["id"]) if records else None


def _apply_page(ctx: SyncContext, changes: PageChanges, covered: int | None, counts: GmailCounts) -> None:
    with ctx.session_factory() as session:
        known = stored_labels(session, ctx.account_id, set(changes.labels) | set(changes.label_deltas))
    labels = dict(changes.labels)
    for gmail_id, (added, removed) in changes.label_deltas.items():
        if gmail_id in known:
            current = known[gmail_id]
            labels[gmail_id] = [label for label in current if label not in removed] + sorted(
                added - set(current)
            )
    unknown = (set(changes.labels) | set(changes.label_deltas)) - set(known)
    fetched, gone = fetch_messages(ctx, changes.added | unknown) if changes.added or unknown else ([], set())
    with ctx.session_factory.begin() as session:
        ensure_labels(
            session,
            ctx.api,
            ctx.account_id,
            {label for message in fetched for label in message.label_ids}
            | {label for ids in labels.values() for label in ids},
            ctx.known_labels,
        )
        counts.added += store_messages(session, ctx.account_id, fetched, fold_plus=ctx.fold_plus)
        counts.deleted += delete_messages(session, ctx.account_id, changes.deleted | gone)
        counts.gone += len(gone)
        relabel = {gmail_id: ids for gmail_id, ids in labels.items() if gmail_id in known}
        update_labels(session, ctx.account_id, relabel)
        counts.relabelled += len(relabel)
        if covered is not None:
            cursor = cursor_of(session, ctx.account_id)
            assert cursor is not None
            cursor.history_id = max(covered, cursor.history_id or 0)
