"""Gmail v1 semantics for the sandbox server: one handler per discovery method id Rapport calls.

Handlers receive the validated `Call` and the `SandboxState` (the server holds its lock) and return the
JSON body Gmail would send. Lists are newest first (internalDate descending) and paged with opaque tokens
that name the last item served, so a page boundary survives mutations in between; SPAM and TRASH stay
hidden unless asked for. `HANDLERS` maps method ids to handlers, drafts included (gmail_drafts_api).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sandbox import gmail_render
from sandbox.errors import bad_request, not_found
from sandbox.gmail_drafts_api import DRAFT_HANDLERS
from sandbox.gmail_listing import list_cache_key, listing, page, page_size, search_context
from sandbox.gmail_query import Query, compile_query
from sandbox.gmail_state import SPAM, SYSTEM_LABELS, TRASH, GmailMailbox, SortKey, StoredMessage
from sandbox.handlers import Call, Handler
from sandbox.history import HistoryExpiredError
from sandbox.state import SandboxState

_HEX_ID = re.compile(r"^[0-9a-fA-F]{1,16}$")


def _matching(state: SandboxState, mailbox: GmailMailbox, call: Call) -> tuple[Query, list[str], bool]:
    """(query, label ids, whether spam/trash is shown) for a messages/threads listing."""
    q = call.one("q")
    label_ids = call.many("labelIds")
    for label_id in label_ids:
        if not mailbox.known_label(label_id):
            raise bad_request(f"Invalid label: {label_id}", location="labelIds")
    query = compile_query(q, search_context(state, mailbox))
    show_hidden = (
        call.boolean("includeSpamTrash", False)
        or query.wants_spam_trash
        or any(label in (SPAM, TRASH) for label in label_ids)
    )
    return query, label_ids, show_hidden


def _selects(message: StoredMessage, label_ids: Sequence[str], show_hidden: bool) -> bool:
    labels = message.label_ids
    if not show_hidden and (SPAM in labels or TRASH in labels):
        return False
    return all(label in labels for label in label_ids)


# ---- handlers ------------------------------------------------------------------------------------------


def get_profile(state: SandboxState, call: Call) -> dict[str, Any]:
    """users.getProfile."""
    mailbox = state.gmail(call.user)
    return {
        "emailAddress": mailbox.email,
        "messagesTotal": len(mailbox.messages),
        "threadsTotal": len(mailbox.threads),
        "historyId": str(mailbox.history.current),
    }


def _label_json(label_id: str, mailbox: GmailMailbox) -> dict[str, Any]:
    if label_id in mailbox.user_labels:
        return {
            "id": label_id,
            "name": mailbox.user_labels[label_id],
            "messageListVisibility": "show",
            "labelListVisibility": "labelShow",
            "type": "user",
        }
    return {"id": label_id, "name": label_id, "type": "system"}


def list_labels(state: SandboxState, call: Call) -> dict[str, Any]:
    """users.labels.list: the system labels, then the user's."""
    mailbox = state.gmail(call.user)
    return {"labels": [_label_json(label, mailbox) for label in [*SYSTEM_LABELS, *mailbox.user_labels]]}


def get_label(state: SandboxState, call: Call) -> dict[str, Any]:
    """users.labels.get, with the message and thread counts Gmail adds."""
    mailbox = state.gmail(call.user)
    label_id = call.path["id"]
    if not mailbox.known_label(label_id):
        raise not_found()
    labelled = [message for message in mailbox.messages.values() if label_id in message.label_ids]
    unread = [message for message in labelled if "UNREAD" in message.label_ids]
    return {
        **_label_json(label_id, mailbox),
        "messagesTotal": len(labelled),
        "messagesUnread": len(unread),
        "threadsTotal": len({message.thread_id for message in labelled}),
        "threadsUnread": len({message.thread_id for message in unread}),
    }


def list_messages(state: SandboxState, call: Call) -> dict[str, Any]:
    """users.messages.list: `{messages: [{id, threadId}], nextPageToken?, resultSizeEstimate}`."""
    mailbox = state.gmail(call.user)
    query, label_ids, show_hidden = _matching(state, mailbox, call)
    key = list_cache_key(state, "messages", call.one("q"), tuple(label_ids), show_hidden)
    found: tuple[list[SortKey], list[StoredMessage]] | None = mailbox.cached(key)
    if found is None:
        messages = [
            message
            for message in mailbox.newest_first()
            if _selects(message, label_ids, show_hidden) and query.matches(message)
        ]
        found = ([message.sort_key for message in messages], messages)
        mailbox.remember(key, found)
    keys, messages = found
    start, end, token = page(keys, call)
    items = [{"id": message.id, "threadId": message.thread_id} for message in messages[start:end]]
    return listing("messages", items, len(messages), token)


def _matching_threads(
    state: SandboxState, mailbox: GmailMailbox, call: Call
) -> tuple[list[SortKey], list[StoredMessage]]:
    """The matching threads' sort keys and newest visible messages, newest activity first."""
    query, label_ids, show_hidden = _matching(state, mailbox, call)
    key = list_cache_key(state, "threads", call.one("q"), tuple(label_ids), show_hidden)
    cached: tuple[list[SortKey], list[StoredMessage]] | None = mailbox.cached(key)
    if cached is not None:
        return cached
    newest: dict[str, StoredMessage] = {}
    matched: set[str] = set()
    for message in mailbox.newest_first():
        labels = message.label_ids
        if not show_hidden and (SPAM in labels or TRASH in labels):
            continue
        newest.setdefault(message.thread_id, message)
        if (
            message.thread_id not in matched
            and _selects(message, label_ids, show_hidden)
            and query.matches(message)
        ):
            matched.add(message.thread_id)
    ordered = sorted(
        ((-newest[thread_id].internal_date, thread_id), newest[thread_id]) for thread_id in matched
    )
    found = ([sort_key for sort_key, _ in ordered], [message for _, message in ordered])
    mailbox.remember(key, found)
    return found


def list_threads(state: SandboxState, call: Call) -> dict[str, Any]:
    """users.threads.list: a thread is listed when any of its messages matches; newest activity first."""
    mailbox = state.gmail(call.user)
    keys, newest = _matching_threads(state, mailbox, call)
    start, end, token = page(keys, call)
    items = []
    for (_, thread_id), latest in zip(keys[start:end], newest[start:end], strict=True):
        history_id = max(message.history_id for message in mailbox.thread_messages(thread_id))
        items.append({"id": thread_id, "snippet": latest.snippet, "historyId": str(history_id)})
    return listing("threads", items, len(keys), token)


def _format(call: Call) -> str:
    return call.one("format", "full")


def get_message(state: SandboxState, call: Call) -> dict[str, Any]:
    """users.messages.get in format minimal|metadata|full|raw."""
    mailbox = state.gmail(call.user)
    message_id = call.path["id"]
    if not _HEX_ID.match(message_id):
        raise bad_request("Invalid id value", location="id")
    message = mailbox.messages.get(message_id.lower())
    if message is None:
        raise not_found()
    return gmail_render.message_resource(
        message, fmt=_format(call), metadata_headers=call.many("metadataHeaders"), decode=state.decode_headers
    )


def get_thread(state: SandboxState, call: Call) -> dict[str, Any]:
    """users.threads.get: the thread's messages oldest first, drafts included."""
    mailbox = state.gmail(call.user)
    thread_id = call.path["id"]
    if not _HEX_ID.match(thread_id):
        raise bad_request("Invalid id value", location="id")
    messages = mailbox.thread_messages(thread_id.lower())
    if not messages:
        raise not_found()
    return gmail_render.thread_resource(
        thread_id.lower(),
        messages,
        fmt=_format(call),
        metadata_headers=call.many("metadataHeaders"),
        decode=state.decode_headers,
    )


def list_history(state: SandboxState, call: Call) -> dict[str, Any]:
    """users.history.list: the changes after startHistoryId, oldest first; 404 once that point expired."""
    mailbox = state.gmail(call.user)
    start_text = call.one("startHistoryId")
    if start_text is None or not start_text.isdigit() or int(start_text) <= 0:
        raise bad_request("Missing/invalid parameter: startHistoryId", location="startHistoryId")
    try:
        records = mailbox.history.since(
            int(start_text), types=call.many("historyTypes"), label_id=call.one("labelId")
        )
    except HistoryExpiredError:
        raise not_found() from None
    after = call.one("pageToken")
    if after is not None:
        if not after.isdigit():
            raise bad_request("Invalid pageToken", location="pageToken")
        records = [record for record in records if record.id > int(after)]
    page = records[: page_size(call)]
    result: dict[str, Any] = {}
    if page:
        result["history"] = [record.to_json() for record in page]
    if len(records) > len(page):
        result["nextPageToken"] = str(page[-1].id)
    result["historyId"] = str(mailbox.history.current)
    return result


HANDLERS: dict[str, Handler] = {
    "gmail.users.getProfile": get_profile,
    "gmail.users.labels.list": list_labels,
    "gmail.users.labels.get": get_label,
    "gmail.users.messages.list": list_messages,
    "gmail.users.messages.get": get_message,
    "gmail.users.threads.list": list_threads,
    "gmail.users.threads.get": get_thread,
    "gmail.users.history.list": list_history,
    **DRAFT_HANDLERS,
}
