"""Persisting parsed Gmail messages: bulk upserts of threads, messages, addresses, people and labels.

A person is named by the newest stored message that gives one of their addresses a non-empty name
(store.people.NameSighting), whatever order the messages are stored in.

Every function works inside the caller's transaction and never commits, so the caller can commit a batch of
messages together with the cursor or the pending rows it covers. Statements are Core bulk statements
(one round trip per table per batch) and run on SQLite and PostgreSQL alike.

The store holds what Gmail lists without `includeSpamTrash`: a message labelled SPAM or TRASH is not
stored, and is removed when it gets one of those labels.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Column, Table, and_, delete, exists, select, update
from sqlalchemy.orm import Session

from store.addresses import normalise_address
from store.models import Label, Message, MessageAddress, PendingMessage, Thread
from store.people import NameSighting, newest, person_ids_for
from store.upsert import insert as upsert
from sync.client import GoogleApi
from sync.gmail_calls import list_labels
from sync.gmail_parse import ParsedMessage

log = logging.getLogger(__name__)

HIDDEN_LABELS = frozenset({"SPAM", "TRASH"})
_MESSAGES: Table = Message.__table__  # type: ignore[assignment]
_THREADS: Table = Thread.__table__  # type: ignore[assignment]
_ADDRESSES: Table = MessageAddress.__table__  # type: ignore[assignment]
_LABELS: Table = Label.__table__  # type: ignore[assignment]
_PENDING: Table = PendingMessage.__table__  # type: ignore[assignment]
_CHUNK = 500  # ids per IN (...) list: far below SQLite's and PostgreSQL's parameter limits


def is_hidden(label_ids: Iterable[str]) -> bool:
    """Whether a message with these labels is outside what the store keeps (spam, trash)."""
    return not HIDDEN_LABELS.isdisjoint(label_ids)


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def store_messages(
    session: Session, account_id: int, messages: Sequence[ParsedMessage], *, fold_plus: bool
) -> int:
    """Insert or update `messages` (and their threads, addresses, people); returns how many are stored.

    Messages in spam or trash are not stored (and removed if they were).
    """
    hidden = [message.gmail_id for message in messages if is_hidden(message.label_ids)]
    if hidden:
        delete_messages(session, account_id, hidden)
    kept = list(
        {message.gmail_id: message for message in messages if not is_hidden(message.label_ids)}.values()
    )
    if not kept:
        return 0
    thread_ids = _ensure_threads(session, account_id, sorted({message.thread_id for message in kept}))
    rows = [_message_row(account_id, thread_ids[message.thread_id], message, fold_plus) for message in kept]
    statement = upsert(session, _MESSAGES)
    updatable = {name: statement.excluded[name] for name in rows[0] if name not in ("account_id", "gmail_id")}
    session.execute(
        statement.on_conflict_do_update(index_elements=["account_id", "gmail_id"], set_=updatable), rows
    )
    local_ids = _message_ids(session, account_id, [message.gmail_id for message in kept])
    session.execute(delete(_ADDRESSES).where(_ADDRESSES.c.message_id.in_(list(local_ids.values()))))
    address_rows: list[dict[str, Any]] = []
    names: dict[str, NameSighting] = {}
    for message in kept:
        rows_of_message = _address_rows(local_ids[message.gmail_id], message, fold_plus)
        address_rows.extend(rows_of_message)
        for row in rows_of_message:
            if row["name"] and row["name"].strip():
                sighting = NameSighting(message.internal_date, message.gmail_id, row["name"])
                names[row["email"]] = newest(names.get(row["email"]), sighting)
    if address_rows:
        session.execute(_ADDRESSES.insert(), address_rows)
        person_ids_for(session, account_id, {row["email"] for row in address_rows}, names)
    return len(kept)


def _ensure_threads(session: Session, account_id: int, gmail_thread_ids: Sequence[str]) -> dict[str, int]:
    statement = upsert(session, _THREADS).on_conflict_do_nothing(index_elements=["account_id", "gmail_id"])
    session.execute(
        statement, [{"account_id": account_id, "gmail_id": gmail_id} for gmail_id in gmail_thread_ids]
    )
    return _by_gmail_id(session, _THREADS.c.id, account_id, gmail_thread_ids)


def _message_ids(session: Session, account_id: int, gmail_ids: Sequence[str]) -> dict[str, int]:
    return _by_gmail_id(session, _MESSAGES.c.id, account_id, gmail_ids)


def _by_gmail_id(
    session: Session, column: Column[Any], account_id: int, gmail_ids: Sequence[str]
) -> dict[str, Any]:
    """`column` of the account's rows (in its table) with these Gmail ids, by Gmail id; absent ids are
    left out. One query per chunk of ids."""
    table = column.table
    found: dict[str, Any] = {}
    for chunk in _chunks(gmail_ids):
        query = select(table.c.gmail_id, column).where(
            table.c.account_id == account_id, table.c.gmail_id.in_(chunk)
        )
        found.update({gmail_id: value for gmail_id, value in session.execute(query)})
    return found


def _message_row(account_id: int, thread_id: int, message: ParsedMessage, fold_plus: bool) -> dict[str, Any]:
    senders = message.addresses_in("from")
    sender = message.addresses_in("sender")
    labels = list(message.label_ids)
    return {
        "account_id": account_id,
        "gmail_id": message.gmail_id,
        "thread_id": thread_id,
        "history_id": message.history_id,
        "internal_date": message.internal_date,
        "date_header": message.date_header,
        "subject": message.subject,
        "message_id_header": message.message_id_header,
        "in_reply_to": message.in_reply_to,
        "references_header": message.references,
        "from_email": normalise_address(senders[0].email, fold_plus=fold_plus) if senders else None,
        "from_name": senders[0].name or None if senders else None,
        "sender_email": normalise_address(sender[0].email, fold_plus=fold_plus) if sender else None,
        "mime_type": message.mime_type,
        "list_id": message.list_id,
        "list_post": message.list_post,
        "list_unsubscribe": message.list_unsubscribe,
        "x_mailing_list": message.x_mailing_list,
        "mailing_list": message.mailing_list,
        "precedence": message.precedence,
        "auto_submitted": _auto_submitted(message),
        "rapport_key": message.rapport_key,
        "label_ids": labels,
        "is_sent": "SENT" in labels,
        "is_draft": "DRAFT" in labels,
        "is_inbox": "INBOX" in labels,
        "snippet": message.snippet,
        "parse_problems": "\n".join(message.parse_problems) or None,
    }


def _auto_submitted(message: ParsedMessage) -> str | None:
    """Auto-Submitted, or the older X-Autoreply convention expressed in its vocabulary."""
    if message.auto_submitted is not None:
        return message.auto_submitted
    if message.x_autoreply is not None and message.x_autoreply.strip().lower() not in ("", "no"):
        return "auto-replied"
    return None


def _address_rows(message_id: int, message: ParsedMessage, fold_plus: bool) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    positions: dict[str, int] = {}
    for role, address in message.addresses:
        email = normalise_address(address.email, fold_plus=fold_plus)
        if email is None:
            continue
        position = positions.get(role, 0)
        positions[role] = position + 1
        rows.append(
            {
                "message_id": message_id,
                "role": role,
                "email": email,
                "raw_email": address.email,
                "name": address.name or None,
                "position": position,
            }
        )
    return rows


def delete_messages(session: Session, account_id: int, gmail_ids: Collection[str]) -> int:
    """Remove these messages (and their pending rows); threads left empty go too. Returns how many went."""
    removed = 0
    for chunk in _chunks(sorted(gmail_ids)):
        threads = select(_MESSAGES.c.thread_id).where(
            _MESSAGES.c.account_id == account_id, _MESSAGES.c.gmail_id.in_(chunk)
        )
        thread_ids = list(session.scalars(threads))
        result = session.execute(
            delete(_MESSAGES).where(_MESSAGES.c.account_id == account_id, _MESSAGES.c.gmail_id.in_(chunk))
        )
        removed += result.rowcount  # type: ignore[attr-defined]
        session.execute(
            delete(_PENDING).where(_PENDING.c.account_id == account_id, _PENDING.c.gmail_id.in_(chunk))
        )
        if thread_ids:
            still_used = exists().where(_MESSAGES.c.thread_id == _THREADS.c.id)
            session.execute(delete(_THREADS).where(and_(_THREADS.c.id.in_(thread_ids), ~still_used)))
    return removed


def update_labels(session: Session, account_id: int, labels: Mapping[str, Sequence[str]]) -> set[str]:
    """Set the label lists of known messages; returns the ids the store does not hold (to be fetched).

    A message that moves to spam or trash is removed instead.
    """
    known = _message_ids(session, account_id, sorted(labels))
    hidden = [gmail_id for gmail_id in known if is_hidden(labels[gmail_id])]
    if hidden:
        delete_messages(session, account_id, hidden)
    for gmail_id, local_id in known.items():
        if gmail_id in hidden:
            continue
        label_ids = list(labels[gmail_id])
        session.execute(
            update(_MESSAGES)
            .where(_MESSAGES.c.id == local_id)
            .values(
                label_ids=label_ids,
                is_sent="SENT" in label_ids,
                is_draft="DRAFT" in label_ids,
                is_inbox="INBOX" in label_ids,
            )
        )
    return {gmail_id for gmail_id in labels if gmail_id not in known and not is_hidden(labels[gmail_id])}


def stored_labels(session: Session, account_id: int, gmail_ids: Collection[str]) -> dict[str, list[str]]:
    """The label lists the store holds for these messages (absent ids are left out)."""
    found = _by_gmail_id(session, _MESSAGES.c.label_ids, account_id, sorted(gmail_ids))
    return {gmail_id: list(label_ids or ()) for gmail_id, label_ids in found.items()}


def queue_pending(session: Session, account_id: int, ids: Iterable[tuple[str, str]]) -> None:
    """Queue listed (message id, thread id) pairs for fetching; ids already queued stay as they are."""
    rows = [
        {"account_id": account_id, "gmail_id": gmail_id, "gmail_thread_id": thread}
        for gmail_id, thread in ids
    ]
    if rows:
        statement = upsert(session, _PENDING).on_conflict_do_nothing(
            index_elements=["account_id", "gmail_id"]
        )
        session.execute(statement, rows)


def clear_pending(session: Session, account_id: int) -> None:
    """Empty the account's fetch queue."""
    session.execute(delete(_PENDING).where(_PENDING.c.account_id == account_id))


def store_labels(session: Session, account_id: int, labels: Iterable[tuple[str, str, str]]) -> None:
    """Insert or rename the account's labels, given as (gmail id, name, type "system"|"user")."""
    rows = [
        {
            "account_id": account_id,
            "gmail_id": gmail_id,
            "name": name,
            "type": kind if kind == "user" else "system",
        }
        for gmail_id, name, kind in labels
    ]
    if not rows:
        return
    statement = upsert(session, _LABELS)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["account_id", "gmail_id"],
            set_={"name": statement.excluded.name, "type": statement.excluded.type},
        ),
        rows,
    )


def sync_labels(session: Session, api: GoogleApi, account_id: int) -> set[str]:
    """Store the account's labels as labels.list gives them (1 unit); returns their ids."""
    labels = list_labels(api)
    store_labels(session, account_id, labels)
    return {gmail_id for gmail_id, _, _ in labels}


def ensure_labels(
    session: Session, api: GoogleApi, account_id: int, label_ids: Iterable[str], known: set[str] | None = None
) -> None:
    """Make sure the store knows these label ids, asking labels.list (1 unit) only when one is new.

    A label the listing does not name either is stored under its id, so it is asked about once. `known`
    is the caller's cache of ids already stored (updated here), sparing a query per batch.
    """
    wanted = set(label_ids)
    if known is not None and wanted <= known:
        return
    new = wanted - known_label_ids(session, account_id)
    if new:
        listed = sync_labels(session, api, account_id)
        unlisted = new - listed
        if unlisted:
            log.warning("labels %s are on messages but not in labels.list", sorted(unlisted))
            store_labels(session, account_id, [(label, label, "user") for label in sorted(unlisted)])
    if known is not None:
        known |= wanted


def known_label_ids(session: Session, account_id: int) -> set[str]:
    """The Gmail label ids the store knows for the account."""
    return set(session.scalars(select(_LABELS.c.gmail_id).where(_LABELS.c.account_id == account_id)))
