"""New messages in a Gmail mailbox: mail that arrives, mail the user sends, drafts created, replaced, sent.

Each function builds the headers a real mail system would write (Date, Message-ID, In-Reply-To and
References for replies), threads the message by Gmail's rule and stores it, so history records follow.
Drafts come in as raw RFC 822 (what Rapport uploads); Gmail gives a stored message a Message-ID when it
has none, and replacing a draft's message gives it a new message id while the draft id stays.
"""

from __future__ import annotations

import email.utils
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sandbox import mime
from sandbox.gmail_state import DRAFT, SENT, GmailMailbox, StoredMessage

HeaderInput = Mapping[str, str] | Sequence[tuple[str, str]] | Sequence[Mapping[str, str]] | None


def header_pairs(headers: HeaderInput) -> list[tuple[str, str]]:
    """Extra headers given as a mapping, (name, value) pairs or Gmail's [{"name", "value"}] list."""
    if headers is None:
        return []
    if isinstance(headers, Mapping):
        return [(str(name), str(value)) for name, value in headers.items()]
    pairs: list[tuple[str, str]] = []
    for item in headers:
        if isinstance(item, Mapping):
            pairs.append((str(item["name"]), str(item["value"])))
        else:
            name, value = item
            pairs.append((str(name), str(value)))
    return pairs


def address_list(value: str | Sequence[str] | None) -> str | None:
    """A recipient header value from one address or several."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return ", ".join(value) if value else None


def _epoch_ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _merge(headers: list[tuple[str, str]], extra: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`headers` with each extra header replacing the one of the same name, or appended."""
    merged = list(headers)
    for name, value in extra:
        for index, (existing, _) in enumerate(merged):
            if existing.lower() == name.lower():
                merged[index] = (existing, value)
                break
        else:
            merged.append((name, value))
    return merged


def _reply_headers(parent: StoredMessage | None) -> list[tuple[str, str]]:
    if parent is None:
        return []
    parent_id = mime.canonical_message_id(parent.header("Message-ID"))
    if parent_id is None:
        return []
    references = " ".join([*mime.message_ids_in(parent.header("References")), parent_id])
    return [("In-Reply-To", parent_id), ("References", references)]


def _parent(mailbox: GmailMailbox, thread_id: str | None, in_reply_to: str | None) -> StoredMessage | None:
    if in_reply_to is not None:
        return mailbox.messages[in_reply_to]
    if thread_id is not None:
        members = [
            message for message in mailbox.thread_messages(thread_id) if DRAFT not in message.label_ids
        ]
        return members[-1] if members else None
    return None


def compose(
    mailbox: GmailMailbox,
    *,
    from_: str,
    to: str | Sequence[str] | None,
    subject: str,
    body: str,
    at: datetime,
    labels: Sequence[str],
    cc: str | Sequence[str] | None = None,
    headers: HeaderInput = None,
    thread_id: str | None = None,
    in_reply_to: str | None = None,
) -> StoredMessage:
    """Store a new message as a mail system would write it; it replies to `in_reply_to` (a Gmail id) or,
    given only `thread_id`, to that thread's latest message, and joins the thread by Gmail's rule.

    Raises KeyError when `in_reply_to` names no message.
    """
    parent = _parent(mailbox, thread_id, in_reply_to)
    at_ms = _epoch_ms(at)
    message_id = mailbox.new_message_id(at_ms)
    domain = email.utils.parseaddr(from_)[1].rpartition("@")[2] or "mail.example"
    written: list[tuple[str, str]] = [("From", from_)]
    to_value, cc_value = address_list(to), address_list(cc)
    if to_value:
        written.append(("To", to_value))
    if cc_value:
        written.append(("Cc", cc_value))
    written += [
        ("Subject", subject),
        ("Date", email.utils.format_datetime(at)),
        ("Message-ID", f"<{message_id}.{mailbox.history.current}@{domain}>"),
        *_reply_headers(parent),
    ]
    written = _merge(written, header_pairs(headers))
    requested = thread_id or (parent.thread_id if parent else None)
    message = StoredMessage(
        id=message_id,
        thread_id=mailbox.resolve_thread(requested, written) or message_id,
        label_ids=list(dict.fromkeys(labels)),
        internal_date=at_ms,
        headers=written,
        body=body,
        given_snippet=None,
        history_id=0,
    )
    mailbox.add_message(message, at=at.timestamp())
    return message


def draft_message(
    mailbox: GmailMailbox, raw: bytes, parsed: mime.ParsedRaw, *, thread_id: str | None, at: datetime
) -> StoredMessage:
    """Store an uploaded raw message (and its parse) as a draft's message, threaded by Gmail's rule."""
    at_ms = _epoch_ms(at)
    message_id = mailbox.new_message_id(at_ms)
    headers = list(parsed.headers)
    if mime.header_value(headers, "Message-ID") is None:
        generated = f"<sandbox.{message_id}@mail.gmail.com>"
        headers.append(("Message-ID", generated))
        raw = f"Message-ID: {generated}\r\n".encode("ascii") + raw
    message = StoredMessage(
        id=message_id,
        thread_id=mailbox.resolve_thread(thread_id, headers) or message_id,
        label_ids=[DRAFT],
        internal_date=at_ms,
        headers=headers,
        body=parsed.body,
        given_snippet=None,
        history_id=0,
        raw_source=raw if parsed.multipart else None,
    )
    mailbox.add_message(message, at=at.timestamp())
    return message


def create_draft(mailbox: GmailMailbox, raw: bytes, *, thread_id: str | None, at: datetime) -> str:
    """drafts.create: a new draft holding the uploaded message; returns the draft id.

    Raises ValueError when the bytes are not a message.
    """
    message = draft_message(mailbox, raw, mime.parse_raw(raw), thread_id=thread_id, at=at)
    draft_id = mailbox.new_draft_id()
    mailbox.attach_draft(draft_id, message.id)
    return draft_id


def replace_draft(
    mailbox: GmailMailbox, draft_id: str, raw: bytes, *, thread_id: str | None, at: datetime
) -> StoredMessage:
    """drafts.update: the draft gets a new message (new id); the old one is deleted.

    Raises KeyError for an unknown draft and ValueError when the bytes are not a message.
    """
    old_message_id = mailbox.drafts[draft_id]
    parsed = mime.parse_raw(raw)
    # The old message goes first, so that the new one (often with the same Message-ID) owns the index.
    mailbox.remove_message(old_message_id, at=at.timestamp())
    message = draft_message(mailbox, raw, parsed, thread_id=thread_id, at=at)
    mailbox.attach_draft(draft_id, message.id)
    return message


def edit_draft(
    mailbox: GmailMailbox, draft_id: str, *, body: str | None, subject: str | None, at: datetime
) -> StoredMessage:
    """The user edits a draft in Gmail: same as drafts.update with the changed text."""
    old = mailbox.messages[mailbox.drafts[draft_id]]
    headers = _merge(old.headers, [("Subject", subject)] if subject is not None else [])
    text = old.body if body is None else body
    raw = old.raw_source if (old.raw_source is not None and body is None and subject is None) else None
    return replace_draft(
        mailbox, draft_id, raw or mime.build_raw(headers, text), thread_id=old.thread_id, at=at
    )


def send_draft(mailbox: GmailMailbox, draft_id: str, *, at: datetime) -> StoredMessage:
    """The user sends a draft by hand: the draft goes, a SENT message with its headers joins its thread.

    Gmail stamps the send time in Date and, when the draft names no sender, writes the user in From.
    """
    draft = mailbox.messages[mailbox.drafts[draft_id]]
    at_ms = _epoch_ms(at)
    headers = _merge(draft.headers, [("Date", email.utils.format_datetime(at))])
    if mime.header_value(headers, "From") is None:
        headers.insert(0, ("From", f"{mailbox.name} <{mailbox.email}>" if mailbox.name else mailbox.email))
    sent = StoredMessage(
        id=mailbox.new_message_id(at_ms),
        thread_id=draft.thread_id,
        label_ids=[SENT],
        internal_date=at_ms,
        headers=headers,
        body=draft.body,
        given_snippet=draft.given_snippet,
        history_id=0,
        raw_source=draft.raw_source,
    )
    mailbox.remove_message(draft.id, at=at.timestamp())
    mailbox.add_message(sent, at=at.timestamp())
    return sent


def draft_summary(mailbox: GmailMailbox, draft_id: str) -> dict[str, Any]:
    """A draft as tests read it: ids, thread, headers and body."""
    message = mailbox.messages[mailbox.drafts[draft_id]]
    return {
        "id": draft_id,
        "messageId": message.id,
        "threadId": message.thread_id,
        "headers": [{"name": name, "value": value} for name, value in message.headers],
        "body": message.body,
    }
