"""Gmail v1 drafts for the sandbox server: create, list, get, update, delete (sending is refused upstream).

Rapport uploads a draft as JSON `{"message": {"raw": <base64url RFC 822>, "threadId"?}}`. The message
gets the DRAFT label (Gmail: "Draft messages cannot have any label other than the DRAFT system label"),
joins the requested thread only under Gmail's threading rule, and a draft update swaps in a new message
with a new id while the draft id stays. Every change advances the mailbox history.
"""

from __future__ import annotations

from typing import Any

from sandbox import gmail_compose, gmail_render, mime
from sandbox.errors import bad_request, not_found
from sandbox.gmail_listing import listing, page, search_context
from sandbox.gmail_query import compile_query
from sandbox.gmail_state import GmailMailbox
from sandbox.handlers import Call, Handler
from sandbox.state import SandboxState


def _uploaded(call: Call) -> tuple[bytes, str | None]:
    """The raw bytes and requested threadId of a drafts.create/update body; 400 when unusable."""
    body = call.body
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, dict):
        raise bad_request("Missing draft message")
    raw = message.get("raw")
    if not isinstance(raw, str) or not raw:
        raise bad_request(
            "'raw' RFC822 payload message string or uploading message via /upload/* URL required"
        )
    try:
        data = mime.b64url_decode(raw)
    except ValueError as exc:
        raise bad_request(f"Invalid value for ByteString: {exc}", location="message.raw") from exc
    thread_id = message.get("threadId")
    return data, thread_id if isinstance(thread_id, str) and thread_id else None


def _draft_json(mailbox: GmailMailbox, draft_id: str) -> dict[str, Any]:
    message = mailbox.messages[mailbox.drafts[draft_id]]
    return {
        "id": draft_id,
        "message": {"id": message.id, "threadId": message.thread_id, "labelIds": list(message.label_ids)},
    }


def _known_draft(mailbox: GmailMailbox, call: Call) -> str:
    draft_id = call.path["id"]
    if draft_id not in mailbox.drafts:
        raise not_found()
    return draft_id


def create_draft(state: SandboxState, call: Call) -> dict[str, Any]:
    """users.drafts.create."""
    mailbox = state.gmail(call.user)
    raw, thread_id = _uploaded(call)
    try:
        draft_id = gmail_compose.create_draft(mailbox, raw, thread_id=thread_id, at=state.now())
    except ValueError as exc:
        raise bad_request(f"Invalid RFC 822 message: {exc}", location="message.raw") from exc
    return _draft_json(mailbox, draft_id)


def update_draft(state: SandboxState, call: Call) -> dict[str, Any]:
    """users.drafts.update: a new message (new id) replaces the draft's message."""
    mailbox = state.gmail(call.user)
    draft_id = _known_draft(mailbox, call)
    raw, thread_id = _uploaded(call)
    try:
        gmail_compose.replace_draft(mailbox, draft_id, raw, thread_id=thread_id, at=state.now())
    except ValueError as exc:
        raise bad_request(f"Invalid RFC 822 message: {exc}", location="message.raw") from exc
    return _draft_json(mailbox, draft_id)


def get_draft(state: SandboxState, call: Call) -> dict[str, Any]:
    """users.drafts.get in format minimal|metadata|full|raw."""
    mailbox = state.gmail(call.user)
    draft_id = _known_draft(mailbox, call)
    message = mailbox.messages[mailbox.drafts[draft_id]]
    resource = gmail_render.message_resource(
        message, fmt=call.one("format", "full"), decode=state.decode_headers
    )
    return {"id": draft_id, "message": resource}


def list_drafts(state: SandboxState, call: Call) -> dict[str, Any]:
    """users.drafts.list: `{drafts: [{id, message: {id, threadId}}], resultSizeEstimate, nextPageToken?}`."""
    mailbox = state.gmail(call.user)
    query = compile_query(call.one("q"), search_context(state, mailbox))
    drafts = [
        (draft_id, message) for draft_id, message in mailbox.drafts_newest_first() if query.matches(message)
    ]
    start, end, token = page([message.sort_key for _, message in drafts], call)
    items = [
        {"id": draft_id, "message": {"id": message.id, "threadId": message.thread_id}}
        for draft_id, message in drafts[start:end]
    ]
    return listing("drafts", items, len(drafts), token)


def delete_draft(state: SandboxState, call: Call) -> None:
    """users.drafts.delete: the draft and its message are gone for good (204)."""
    mailbox = state.gmail(call.user)
    draft_id = _known_draft(mailbox, call)
    mailbox.remove_message(mailbox.drafts[draft_id], at=state.now().timestamp())


DRAFT_HANDLERS: dict[str, Handler] = {
    "gmail.users.drafts.create": create_draft,
    "gmail.users.drafts.list": list_drafts,
    "gmail.users.drafts.get": get_draft,
    "gmail.users.drafts.update": update_draft,
    "gmail.users.drafts.delete": delete_draft,
}
