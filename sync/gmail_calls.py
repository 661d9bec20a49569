"""The Gmail calls the sync makes, in one place: profile, labels, id listing, and metadata fetches.

Google JSON is read here and in `gmail_parse` only; callers get plain values.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from store.addresses import normalise_address
from sync.batches import BatchCall
from sync.client import GoogleApi
from sync.errors import AccountMismatch
from sync.gmail_parse import METADATA_HEADERS

if TYPE_CHECKING:
    from googleapiclient._apis.gmail.v1 import GmailResource

log = logging.getLogger(__name__)

LIST_PAGE_SIZE = 500  # messages.list/threads.list maximum: 500 ids for 5 (or 10) units a page
MESSAGES_GET = "gmail.users.messages.get"
THREADS_GET = "gmail.users.threads.get"


@dataclass(frozen=True)
class ListedPage:
    """One page of messages.list: (message id, thread id) pairs and the next page's token."""

    ids: list[tuple[str, str]]
    next_page_token: str | None


def profile_history_id(api: GoogleApi, expected_email: str) -> int:
    """getProfile's current historyId, after checking the mailbox is the configured account's."""
    profile = api.execute(api.gmail().users().getProfile(userId="me"))
    actual = str(profile.get("emailAddress", ""))
    if expected_email and not _same_mailbox(actual, expected_email):
        raise AccountMismatch(expected_email, actual)
    return int(profile["historyId"])


def _same_mailbox(one: str, other: str) -> bool:
    """Whether two spellings name one mailbox (case and a +tag aside)."""
    return (normalise_address(one) or one.lower()) == (normalise_address(other) or other.lower())


def list_labels(api: GoogleApi) -> list[tuple[str, str, str]]:
    """The account's labels from labels.list (1 unit), as (id, name, type "system"|"user")."""
    answer = api.execute(api.gmail().users().labels().list(userId="me"))
    return [
        (str(label["id"]), str(label.get("name", label["id"])), str(label.get("type", "user")))
        for label in answer.get("labels", [])
    ]


def window_query(window_start: datetime) -> str:
    """Gmail's search for messages received since `window_start` (epoch seconds: no timezone ambiguity)."""
    return f"after:{int(window_start.timestamp())}"


def list_message_page(api: GoogleApi, query: str, page_token: str | None) -> ListedPage:
    """One page of messages.list for `query` (500 ids, 5 units)."""
    answer = api.execute(
        api.gmail()
        .users()
        .messages()
        .list(userId="me", q=query, maxResults=LIST_PAGE_SIZE, pageToken=page_token)
    )
    ids = [(str(item["id"]), str(item.get("threadId") or item["id"])) for item in answer.get("messages", [])]
    return ListedPage(ids, answer.get("nextPageToken") or None)


def list_thread_history(api: GoogleApi, query: str) -> Iterator[tuple[str, int | None]]:
    """(thread id, thread historyId) for every thread matching `query`, page by page (10 units a page)."""
    page_token: str | None = None
    while True:
        answer = api.execute(
            api.gmail()
            .users()
            .threads()
            .list(userId="me", q=query, maxResults=LIST_PAGE_SIZE, pageToken=page_token)
        )
        for thread in answer.get("threads", []):
            history = thread.get("historyId")
            yield str(thread["id"]), int(history) if history is not None else None
        page_token = answer.get("nextPageToken") or None
        if page_token is None:
            return


def message_call(gmail_id: str) -> BatchCall:
    """messages.get format=metadata with only the headers Rapport uses (5 units)."""

    def build(service: GmailResource) -> Any:
        return (
            service.users()
            .messages()
            .get(userId="me", id=gmail_id, format="metadata", metadataHeaders=list(METADATA_HEADERS))
        )

    return BatchCall(key=gmail_id, method_id=MESSAGES_GET, build=build, covers=(gmail_id,))


def thread_call(thread_id: str, covers: tuple[str, ...]) -> BatchCall:
    """threads.get format=metadata (10 units), settling the listed message ids `covers` of that thread."""

    def build(service: GmailResource) -> Any:
        return (
            service.users()
            .threads()
            .get(userId="me", id=thread_id, format="metadata", metadataHeaders=list(METADATA_HEADERS))
        )

    return BatchCall(key=thread_id, method_id=THREADS_GET, build=build, covers=covers)


def cheapest_calls(thread_id: str, message_ids: tuple[str, ...]) -> list[BatchCall]:
    """The cheapest way to fetch these messages of one thread: threads.get (10 units) for three or more,
    else messages.get (5 units each)."""
    if len(message_ids) >= 3:
        return [thread_call(thread_id, message_ids)]
    return [message_call(gmail_id) for gmail_id in message_ids]


def answered_messages(call: BatchCall, body: Any) -> list[dict[str, Any]]:
    """The message resources in an answer, restricted to the ids the call was made for."""
    if body is None:
        return []
    if call.method_id == THREADS_GET:
        wanted = set(call.covers)
        return [message for message in body.get("messages", []) if message.get("id") in wanted]
    return [body]
