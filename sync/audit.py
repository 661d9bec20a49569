"""The integrity audit: compare the server's recent message ids with the store, repair and report any gap.

Every few cycles (`[sync] audit_every_cycles`) the shell calls `audit` right after a sync. It lists the
message ids of the last `audit_days` days (messages.list, 5 units a page), finds those the store lacks,
fetches and stores them, and records an `audit_runs` row. A missing message that changed after the sync
cursor is merely newer than the last sync, not a gap; one that did not is a real loss (a bug or a skipped
change), and is logged as a WARNING naming it, so a silent loss can never look healthy.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from store.models import Account, AuditRun, Message
from sync.client import GoogleApi
from sync.context import SyncContext, utc_now
from sync.gmail_calls import list_message_page, window_query
from sync.gmail_fetch import fetch_messages
from sync.gmail_initial import cursor_of
from sync.gmail_store import ensure_labels, store_messages
from sync.settings import SyncSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuditResult:
    """One audit: ids sampled from the server, real gaps found, messages stored by the repair."""

    sampled: int
    missing: int
    repaired: int
    missing_ids: tuple[str, ...]


def audit(
    api: GoogleApi,
    session_factory: sessionmaker[Session],
    account_id: int,
    days: int,
    *,
    fold_plus: bool,
    settings: SyncSettings | None = None,
) -> AuditResult:
    """Audit the last `days` days of one account's mail against the store; repair and record the result."""
    settings = settings or SyncSettings()
    with session_factory() as session:
        account = session.get(Account, account_id)
        cursor = cursor_of(session, account_id)
        if account is None:
            raise ValueError(f"no account {account_id}")
        synced_up_to = cursor.history_id if cursor is not None else None
    query = window_query(utc_now() - timedelta(days=days))
    listed: list[str] = []
    page_token: str | None = None
    while True:
        page = list_message_page(api, query, page_token)
        listed.extend(gmail_id for gmail_id, _ in page.ids)
        page_token = page.next_page_token
        if page_token is None:
            break
    with session_factory() as session:
        stored = set(
            session.scalars(
                select(Message.gmail_id).where(Message.account_id == account_id, Message.gmail_id.in_(listed))
            )
        )
    absent = [gmail_id for gmail_id in listed if gmail_id not in stored]
    ctx = SyncContext(session_factory, api, account_id, account.email, settings, fold_plus, threading.Event())
    fetched, _gone = fetch_messages(ctx, absent) if absent else ([], set())
    gaps = tuple(
        sorted(
            message.gmail_id
            for message in fetched
            if synced_up_to is not None and (message.history_id or 0) <= synced_up_to
        )
    )
    with session_factory.begin() as session:
        ensure_labels(session, api, account_id, {label for message in fetched for label in message.label_ids})
        repaired = store_messages(session, account_id, fetched, fold_plus=fold_plus)
        session.add(
            AuditRun(account_id=account_id, sampled=len(listed), missing=len(gaps), repaired=repaired)
        )
    result = AuditResult(sampled=len(listed), missing=len(gaps), repaired=repaired, missing_ids=gaps)
    if gaps:
        log.warning(
            "account %s: audit found %d of %d recent messages missing from the store (synced up to historyId "
            "%s) and restored them: %s",
            account.email,
            len(gaps),
            len(listed),
            synced_up_to,
            ", ".join(gaps[:20]) + (" ..." if len(gaps) > 20 else ""),
        )
    else:
        log.info("account %s: audit of %d recent messages found no gap", account.email, len(listed))
    return result
