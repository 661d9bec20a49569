"""The Gmail calls the draft writer makes, each through `GoogleApi.execute` (paced, metered, retried).

Google JSON stops here: callers get `GmailDraft` and plain values. Only drafts.list/get/create/delete,
messages.get and threads.get are used — the allow-listed client has no send method to call.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from sync.drafts_mime import RAPPORT_KEY_HEADER, body_from_raw
from sync.errors import NotFound
from sync.headers import decode_words

if TYPE_CHECKING:
    from googleapiclient._apis.gmail.v1.schemas import Draft as DraftResource

    from sync.client import GoogleApi

log = logging.getLogger(__name__)

DRAFTS_PAGE_SIZE = 500  # drafts.list's maximum: one call for nearly every mailbox


@dataclass(frozen=True)
class GmailDraft:
    """A draft as drafts.list names it: the draft id, its current message id and thread."""

    draft_id: str
    message_id: str
    thread_id: str


@dataclass(frozen=True)
class CreatedDraft:
    """What drafts.create answered: the new draft's id, its message id and the thread Gmail put it in."""

    draft_id: str
    message_id: str
    thread_id: str


def list_drafts(api: GoogleApi, *, page_size: int = DRAFTS_PAGE_SIZE) -> list[GmailDraft]:
    """Every draft of the mailbox, page after page."""
    drafts: list[GmailDraft] = []
    page_token: str | None = None
    while True:
        request = api.gmail().users().drafts().list(userId="me", maxResults=page_size, pageToken=page_token)
        page: dict[str, Any] = api.execute(request)
        for item in page.get("drafts", []):
            message = item.get("message") or {}
            drafts.append(
                GmailDraft(str(item["id"]), str(message.get("id", "")), str(message.get("threadId", "")))
            )
        page_token = page.get("nextPageToken")
        if not page_token:
            return drafts


def draft_key(api: GoogleApi, draft: GmailDraft) -> str | None:
    """The draft's X-Rapport-Key header (None: not Rapport's, or the draft is gone).

    drafts.get has no metadataHeaders parameter, so the draft's message is read with messages.get, which
    does (same cost, 5 units) and returns only that header.
    """
    request = (
        api.gmail()
        .users()
        .messages()
        .get(userId="me", id=draft.message_id, format="metadata", metadataHeaders=[RAPPORT_KEY_HEADER])
    )
    try:
        message: dict[str, Any] = api.execute(request)
    except NotFound:
        log.info("draft %s vanished while Rapport read its key", draft.draft_id)
        return None
    return _header(message.get("payload", {}).get("headers", []), RAPPORT_KEY_HEADER)


def draft_body(api: GoogleApi, draft_id: str) -> str | None:
    """The draft's text body as Gmail holds it now (None if the draft is gone); read, never stored."""
    request = api.gmail().users().drafts().get(userId="me", id=draft_id, format="raw")
    try:
        draft: dict[str, Any] = api.execute(request)
    except NotFound:
        return None
    return body_from_raw(str(draft.get("message", {}).get("raw", "")))


def create_draft(api: GoogleApi, body: dict[str, Any]) -> CreatedDraft:
    """drafts.create with a JSON body ``{"message": {"raw", "threadId"?}}``."""
    created: dict[str, Any] = api.execute(
        api.gmail().users().drafts().create(userId="me", body=cast("DraftResource", body))
    )
    message = created.get("message") or {}
    return CreatedDraft(str(created["id"]), str(message.get("id", "")), str(message.get("threadId", "")))


def delete_draft(api: GoogleApi, draft_id: str) -> None:
    """drafts.delete. A draft already gone counts as deleted: httplib2 may have re-sent a delete whose answer
    was lost, and the second one finds nothing."""
    try:
        api.execute(api.gmail().users().drafts().delete(userId="me", id=draft_id))
    except NotFound:
        log.info("draft %s was already gone when Rapport deleted it", draft_id)


@dataclass(frozen=True)
class ThreadMessage:
    """One message of a thread, as much as the draft writer needs of it."""

    message_id: str
    label_ids: tuple[str, ...]
    rapport_key: str | None
    internal_date: datetime | None


def thread_messages(api: GoogleApi, thread_id: str) -> list[ThreadMessage]:
    """The messages of a thread (metadata and X-Rapport-Key only); empty if the thread is gone."""
    request = (
        api.gmail()
        .users()
        .threads()
        .get(userId="me", id=thread_id, format="metadata", metadataHeaders=[RAPPORT_KEY_HEADER])
    )
    try:
        thread: dict[str, Any] = api.execute(request)
    except NotFound:
        return []
    return [
        ThreadMessage(
            message_id=str(message.get("id", "")),
            label_ids=tuple(str(label) for label in message.get("labelIds", [])),
            rapport_key=_header(message.get("payload", {}).get("headers", []), RAPPORT_KEY_HEADER),
            internal_date=_epoch_ms(message.get("internalDate")),
        )
        for message in thread.get("messages", [])
    ]


def _epoch_ms(value: object) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(str(value)) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _header(headers: Iterable[dict[str, Any]], name: str) -> str | None:
    for header in headers:
        if str(header.get("name", "")).lower() == name.lower():
            # Whether Gmail decodes RFC 2047 words in served headers is undocumented: decode what is left.
            decoded, _problems = decode_words(str(header.get("value", "")))
            return " ".join(decoded.split()) or None
    return None
