"""The initial (full) Gmail sync of an account over `window_days`: resumable at every page and batch.

1. getProfile's historyId is read FIRST (and its address checked against the account's), then labels.list:
   whatever changes while the long sync runs is later caught by history.list from that historyId.
2. messages.list `after:<window start>` pages of 500 ids (each with its threadId); each page's ids go into
   `pending_messages` in the transaction that saves the next page token.
3. When listing is done, stored messages the listing no longer names are removed (a re-sync after a cursor
   version bump), and the pending messages are fetched with the cheapest plan (`gmail_fetch`).
4. Done: the cursor's history_id becomes the historyId read in step 1 and the phase `incremental`.

A stored cursor of another `GMAIL_CURSOR_VERSION` (the parsed format changed) starts this over; messages
already stored are updated in place, so findings and drafts that refer to them are untouched.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import GmailCursor, Message, PendingMessage
from sync.context import GmailCounts, SyncContext
from sync.gmail_calls import list_labels, list_message_page, profile_history_id, window_query
from sync.gmail_fetch import fetch_pending
from sync.gmail_store import clear_pending, delete_messages, queue_pending, store_labels

log = logging.getLogger(__name__)

# Bump when what the sync stores from a message changes: every account then re-syncs its window.
GMAIL_CURSOR_VERSION = 1


def cursor_of(session: Session, account_id: int) -> GmailCursor | None:
    """The account's Gmail cursor, if a sync ever started."""
    return session.get(GmailCursor, account_id)


def needs_full_sync(cursor: GmailCursor | None) -> bool:
    """Whether the account has never been synced, or was synced by a sync of another format version."""
    return cursor is None or cursor.version != GMAIL_CURSOR_VERSION


def run_initial(ctx: SyncContext, counts: GmailCounts) -> bool:
    """Start or resume the full sync; True when it completed (the cursor is then incremental)."""
    with ctx.session_factory() as session:
        cursor = cursor_of(session, ctx.account_id)
    if needs_full_sync(cursor):
        begin_full_sync(ctx, reason="first sync" if cursor is None else f"cursor version {cursor.version}")
    elif cursor is not None and cursor.phase == "initial":
        log.info("account %s: resuming the initial Gmail sync", ctx.account_email)
    if not list_window(ctx):
        return False
    if not fetch_pending(ctx, counts):
        return False
    finish_full_sync(ctx)
    return True


def begin_full_sync(ctx: SyncContext, *, reason: str) -> None:
    """Read the historyId first, then reset the cursor to list the window from its first page."""
    history_id = profile_history_id(ctx.api, ctx.account_email)
    labels = list_labels(ctx.api)  # asked before the write transaction: no call to Google holds the store
    window_start = ctx.now() - timedelta(days=ctx.settings.window_days)
    with ctx.session_factory.begin() as session:
        cursor = cursor_of(session, ctx.account_id)
        if cursor is None:
            cursor = GmailCursor(account_id=ctx.account_id, version=GMAIL_CURSOR_VERSION, phase="initial")
            session.add(cursor)
        cursor.version = GMAIL_CURSOR_VERSION
        cursor.phase = "initial"
        cursor.history_id = None
        cursor.initial_history_id = history_id
        cursor.window_start = window_start
        cursor.list_page_token = None
        cursor.listing_done = False
        clear_pending(session, ctx.account_id)
        store_labels(session, ctx.account_id, labels)
    log.info(
        "account %s: full Gmail sync (%s) from historyId %d over %d days",
        ctx.account_email,
        reason,
        history_id,
        ctx.settings.window_days,
    )


def list_window(ctx: SyncContext) -> bool:
    """List the window page by page into pending_messages; False when stopped before the last page."""
    while True:
        with ctx.session_factory() as session:
            cursor = cursor_of(session, ctx.account_id)
            assert cursor is not None  # begin_full_sync made it
            assert cursor.window_start is not None
            if cursor.listing_done:
                return True
            query, page_token = window_query(cursor.window_start), cursor.list_page_token
        if ctx.stopping():
            return False
        page = list_message_page(ctx.api, query, page_token)
        with ctx.session_factory.begin() as session:
            queue_pending(session, ctx.account_id, page.ids)
            cursor = cursor_of(session, ctx.account_id)
            assert cursor is not None
            cursor.list_page_token = page.next_page_token
            cursor.listing_done = page.next_page_token is None
            if cursor.listing_done:
                _remove_unlisted(session, ctx.account_id)


def finish_full_sync(ctx: SyncContext) -> None:
    """Everything listed is stored: continue incrementally from the historyId read before listing."""
    with ctx.session_factory.begin() as session:
        cursor = cursor_of(session, ctx.account_id)
        assert cursor is not None
        assert cursor.initial_history_id is not None
        cursor.history_id = cursor.initial_history_id
        cursor.phase = "incremental"
        cursor.list_page_token = None
    log.info("account %s: full Gmail sync complete", ctx.account_email)


def _remove_unlisted(session: Session, account_id: int) -> None:
    """Remove stored messages a completed listing did not name: they left the mailbox (or the window)."""
    listed = select(PendingMessage.gmail_id).where(PendingMessage.account_id == account_id)
    unlisted = list(
        session.scalars(
            select(Message.gmail_id).where(Message.account_id == account_id, Message.gmail_id.not_in(listed))
        )
    )
    if unlisted:
        removed = delete_messages(session, account_id, unlisted)
        log.info(
            "account %d: removed %d stored messages the full listing no longer names", account_id, removed
        )
