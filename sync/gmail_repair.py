"""Windowed re-sync after history expired: list the window again, queue what is missing or changed, remove
what vanished, then fetch as the initial sync does. Findings, drafts and other user state are untouched.

Gmail's history.list answers 404 when the stored historyId is older than what it keeps (a week typically,
sometimes hours). Resetting the cursor to "now" would silently skip whatever happened in between; instead:
1. getProfile's historyId is read first (the incremental sync continues from it);
2. messages.list over the window gives every message id that should be stored (5 units a page), and
   threads.list gives each thread's historyId (10 units a page, 500 threads): a thread whose historyId is
   newer than every stored message of it changed (labels, new or deleted messages), so its messages are
   fetched again; unchanged threads cost nothing more;
3. labels.list, then in one transaction (no call to Google inside it): stored messages of the window that
   the listing no longer names are removed, the ids to fetch are queued in `pending_messages`, the labels
   stored, and the cursor is put back in its fetch phase;
4. `gmail_fetch` fetches the queue (resumable, like any initial sync) and the cursor becomes incremental.
Listing is held in memory and not checkpointed: it costs a small fraction of a fetch, and a run killed
while listing finds the old cursor, gets the 404 again and lists again.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, select

from store.models import Message, Thread
from sync.context import GmailCounts, SyncContext
from sync.gmail_calls import (
    list_labels,
    list_message_page,
    list_thread_history,
    profile_history_id,
    window_query,
)
from sync.gmail_initial import cursor_of
from sync.gmail_store import clear_pending, delete_messages, queue_pending, store_labels

log = logging.getLogger(__name__)


def begin_window_repair(ctx: SyncContext, counts: GmailCounts) -> None:
    """Steps 1-3 above; afterwards the cursor is in its fetch phase (`run_initial` completes it)."""
    history_id = profile_history_id(ctx.api, ctx.account_email)
    window_start = ctx.now() - timedelta(days=ctx.settings.window_days)
    query = window_query(window_start)
    listed: dict[str, str] = {}
    page_token: str | None = None
    while True:
        page = list_message_page(ctx.api, query, page_token)
        listed.update(page.ids)
        page_token = page.next_page_token
        if page_token is None:
            break
    thread_history = dict(list_thread_history(ctx.api, query))
    labels = list_labels(ctx.api)
    with ctx.session_factory.begin() as session:
        stored_threads = dict(
            session.execute(
                select(Thread.gmail_id, func.max(Message.history_id))
                .join(Message, Message.thread_id == Thread.id)
                .where(Thread.account_id == ctx.account_id)
                .group_by(Thread.gmail_id)
            ).all()
        )
        stored = set(
            session.scalars(
                select(Message.gmail_id).where(
                    Message.account_id == ctx.account_id, Message.internal_date >= window_start
                )
            )
        )
        all_stored = set(
            session.scalars(select(Message.gmail_id).where(Message.account_id == ctx.account_id))
        )
        changed_threads = {
            thread
            for thread, newest in thread_history.items()
            if newest is None or stored_threads.get(thread) is None or newest > (stored_threads[thread] or 0)
        }
        to_fetch = [
            (gmail_id, thread)
            for gmail_id, thread in listed.items()
            if gmail_id not in all_stored or thread in changed_threads
        ]
        vanished = stored - set(listed)
        counts.deleted += delete_messages(session, ctx.account_id, vanished)
        clear_pending(session, ctx.account_id)
        queue_pending(session, ctx.account_id, to_fetch)
        store_labels(session, ctx.account_id, labels)
        cursor = cursor_of(session, ctx.account_id)
        assert cursor is not None
        cursor.phase = "initial"
        cursor.initial_history_id = history_id
        cursor.window_start = window_start
        cursor.list_page_token = None
        cursor.listing_done = True
    log.warning(
        "account %s: Gmail history expired; window re-listed: %d messages, %d to fetch "
        "(%d threads changed), %d vanished and removed",
        ctx.account_email,
        len(listed),
        len(to_fetch),
        len(changed_threads),
        len(vanished),
    )
