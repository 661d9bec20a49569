"""Fetch the messages queued in `pending_messages` with the cheapest plan, storing each batch as it lands.

The plan groups pending ids by thread: threads.get (10 units) for a thread with three or more pending
messages, messages.get (5 units each) otherwise. Each batch's messages are stored and their pending rows
deleted in one transaction, so a sync killed at any point resumes with exactly what is not stored yet.
The pending rows are read in chunks of threads, from the batch workers, each chunk in its own short session,
so memory stays flat and no read transaction stays open.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from store.models import PendingMessage
from sync.batches import BatchAnswer, BatchCall, run_batches
from sync.context import GmailCounts, SyncContext
from sync.gmail_calls import answered_messages, cheapest_calls, message_call
from sync.gmail_parse import ParsedMessage, parse_message
from sync.gmail_store import ensure_labels, store_messages

log = logging.getLogger(__name__)

PLAN_CHUNK_THREADS = 1000


def pending_count(session: Session, account_id: int) -> int:
    """How many listed messages are still to be fetched."""
    query = select(func.count()).select_from(PendingMessage).where(PendingMessage.account_id == account_id)
    return int(session.scalar(query) or 0)


def planned_calls(session_factory: sessionmaker[Session], account_id: int) -> Iterator[BatchCall]:
    """The cheapest calls fetching every pending message, thread by thread, read chunk by chunk."""
    after = ""
    while True:
        with session_factory() as session:
            threads = list(
                session.scalars(
                    select(PendingMessage.gmail_thread_id)
                    .where(PendingMessage.account_id == account_id, PendingMessage.gmail_thread_id > after)
                    .group_by(PendingMessage.gmail_thread_id)
                    .order_by(PendingMessage.gmail_thread_id)
                    .limit(PLAN_CHUNK_THREADS)
                )
            )
            if not threads:
                return
            rows = session.execute(
                select(PendingMessage.gmail_thread_id, PendingMessage.gmail_id)
                .where(PendingMessage.account_id == account_id, PendingMessage.gmail_thread_id.in_(threads))
                .order_by(PendingMessage.gmail_thread_id, PendingMessage.gmail_id)
            ).all()
        by_thread: dict[str, list[str]] = {}
        for thread_id, gmail_id in rows:
            by_thread.setdefault(thread_id, []).append(gmail_id)
        for thread_id in threads:
            yield from cheapest_calls(thread_id, tuple(by_thread.get(thread_id, ())))
        after = threads[-1]


def fetch_pending(ctx: SyncContext, counts: GmailCounts) -> bool:
    """Fetch and store every pending message; False when stopped before the queue was empty."""
    with ctx.session_factory() as session:
        total = pending_count(session, ctx.account_id)
    done = 0
    ctx.report(done, total)
    answers_stream = run_batches(
        ctx.api,
        planned_calls(ctx.session_factory, ctx.account_id),
        batch_size=ctx.settings.batch_size,
        workers=ctx.settings.workers,
        stop=ctx.stop,
    )
    for answers in answers_stream:
        done += _store_answers(ctx, answers, counts)
        ctx.report(done, total)
    with ctx.session_factory() as session:
        return pending_count(session, ctx.account_id) == 0


def _store_answers(ctx: SyncContext, answers: list[BatchAnswer], counts: GmailCounts) -> int:
    """Store one batch's messages and settle their pending rows in one transaction; returns ids settled."""
    parsed: list[ParsedMessage] = []
    settled: list[str] = []
    for answer in answers:
        settled.extend(answer.call.covers)
        messages = [parse_message(resource) for resource in answered_messages(answer.call, answer.body)]
        counts.gone += len(answer.call.covers) - len(messages)
        parsed.extend(messages)
    with ctx.session_factory.begin() as session:
        labels = {label for message in parsed for label in message.label_ids}
        ensure_labels(session, ctx.api, ctx.account_id, labels, ctx.known_labels)
        counts.added += store_messages(session, ctx.account_id, parsed, fold_plus=ctx.fold_plus)
        session.execute(
            delete(PendingMessage).where(
                PendingMessage.account_id == ctx.account_id, PendingMessage.gmail_id.in_(settled)
            )
        )
    return len(settled)


def fetch_messages(ctx: SyncContext, gmail_ids: Collection[str]) -> tuple[list[ParsedMessage], set[str]]:
    """Fetch a bounded set of messages (messages.get in batches); the parsed ones and the ids now gone."""
    parsed: list[ParsedMessage] = []
    gone: set[str] = set()
    calls = [message_call(gmail_id) for gmail_id in sorted(gmail_ids)]
    for answers in run_batches(
        ctx.api, calls, batch_size=ctx.settings.batch_size, workers=ctx.settings.workers
    ):
        for answer in answers:
            if answer.gone:
                gone.add(answer.call.key)
            else:
                parsed.append(parse_message(answer.body))
    return parsed, gone
