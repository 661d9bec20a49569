"""Rapport's drafts as RFC 5322 messages, and the JSON body drafts.create takes.

A draft is plain UTF-8 text with From (the user's name and account address), To, Subject, threading headers
for replies and ``X-Rapport-Key`` (the draft's key: how a later run recognises its own drafts). The
``email`` package's SMTP policy writes RFC 2047 encoded words for non-ASCII names and subjects; a draft to an
internationalised address (non-ASCII before the @) is written with the SMTPUTF8 policy instead: its headers
are UTF-8 (RFC 6532), which Gmail accepts. The message
goes to Gmail as base64url ``raw`` inside a JSON body, never as a media upload (CLIENT-FACTS: the upload URL
cannot reach a plain-HTTP sandbox).
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from rules.render_context import without_reply_prefixes
from sync.headers import message_ids

RAPPORT_KEY_HEADER = "X-Rapport-Key"
MAX_REFERENCES = 20  # RFC 5322 lets long chains be trimmed; keep the root and the most recent ids
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@dataclass(frozen=True)
class Mailbox:
    """A name and an address, as they will appear in From or To."""

    email: str
    name: str = ""


@dataclass(frozen=True)
class ReplyHeaders:
    """In-Reply-To and References for a reply, computed from the message replied to."""

    in_reply_to: str
    references: str


def reply_subject(subject: str | None) -> str:
    """ "Re: " + the subject without its own reply prefixes, so "Re: Re: X" never happens."""
    rest = without_reply_prefixes(subject)
    return f"Re: {rest}" if rest else "Re:"


def reply_headers(parent_message_id: str, parent_references: str | None) -> ReplyHeaders:
    """In-Reply-To: the parent's Message-ID; References: the parent's References + that id (RFC 5322)."""
    parent = message_ids(parent_message_id)
    if not parent:
        raise ValueError(f"not a Message-ID: {parent_message_id!r}")
    chain = [ref for ref in message_ids(parent_references) if ref != parent[0]] + [parent[0]]
    if len(chain) > MAX_REFERENCES:
        chain = chain[:1] + chain[-(MAX_REFERENCES - 1) :]
    return ReplyHeaders(in_reply_to=f"<{parent[0]}>", references=" ".join(f"<{ref}>" for ref in chain))


def new_message_id(account_email: str) -> str:
    """A fresh Message-ID in the account's domain, with its angle brackets."""
    domain = account_email.rsplit("@", 1)[-1] or "rapport.invalid"
    return make_msgid(idstring="rapport", domain=domain)


def build_message(
    *,
    sender: Mailbox,
    to: Sequence[Mailbox],
    subject: str,
    body: str,
    draft_key: str,
    message_id: str,
    reply: ReplyHeaders | None = None,
) -> EmailMessage:
    """The draft as an EmailMessage; ValueError when an address cannot be written."""
    if not to:
        raise ValueError("a draft needs at least one recipient")
    all_ascii = all(mailbox.email.isascii() for mailbox in (sender, *to))
    message = EmailMessage(policy=email.policy.SMTP if all_ascii else email.policy.SMTPUTF8)
    message["From"] = _address(sender)
    message["To"] = [_address(mailbox) for mailbox in to]
    message["Subject"] = _one_line(subject)
    message["Message-ID"] = message_id
    if reply is not None:
        message["In-Reply-To"] = reply.in_reply_to
        message["References"] = reply.references
    message[RAPPORT_KEY_HEADER] = _one_line(draft_key)
    # Quoted-printable keeps non-ASCII text 7-bit clean through any relay; ASCII needs no encoding.
    message.set_content(
        body, subtype="plain", charset="utf-8", cte=None if body.isascii() else "quoted-printable"
    )
    return message


def encode_raw(message: EmailMessage) -> str:
    """The message as Gmail's ``raw``: base64url of its bytes."""
    return base64.urlsafe_b64encode(message.as_bytes()).decode("ascii")


def create_request_body(message: EmailMessage, thread_id: str | None) -> dict[str, Any]:
    """The JSON body of drafts.create: the raw message and, for a reply, the thread it belongs in."""
    inner: dict[str, Any] = {"raw": encode_raw(message)}
    if thread_id:
        inner["threadId"] = thread_id
    return {"message": inner}


def body_fingerprint(body: str) -> str:
    """SHA-256 of a body with line endings and trailing whitespace normalised: equal for an unchanged draft.

    Gmail may re-encode a stored message (CRLF, quoted-printable, base64), so the fingerprint is of the text.
    """
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    normalised = "\n".join(line.rstrip() for line in lines).strip("\n")
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def body_from_raw(raw: str) -> str:
    """The text/plain body of a base64url ``raw`` message (what drafts.get format=raw returns)."""
    data = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    if not isinstance(parsed, EmailMessage):
        raise TypeError("the default policy parses into EmailMessage")
    part = parsed.get_body(preferencelist=("plain",))
    if part is None or not isinstance(part, EmailMessage):
        return ""
    content = part.get_content()
    return content if isinstance(content, str) else ""


def _address(mailbox: Mailbox) -> Address:
    """The mailbox as a header address; ValueError when its address is not one.

    An internationalised address (RFC 6531: "inès@example.fr") is checked as its ASCII twin and written as
    it is; `build_message` then uses the SMTPUTF8 policy, so the header travels as UTF-8, as Gmail takes it.
    """
    name, spec = _one_line(mailbox.name), mailbox.email.strip()
    local, _, domain = spec.rpartition("@")
    ascii_local = _NON_ASCII.sub("x", local)
    try:
        if local.isascii():
            return Address(display_name=name, addr_spec=spec)
        quoted = Address(addr_spec=f"{ascii_local}@{domain}").username != ascii_local
    except (ValueError, IndexError, HeaderParseError) as error:
        raise ValueError(f"{spec!r} is not an address a draft can be written to ({error})") from error
    if quoted:
        raise ValueError(
            f"{spec!r} is not an address a draft can be written to (a quoted non-ASCII local part)"
        )
    return Address(display_name=name, username=local, domain=domain)


def _one_line(value: str) -> str:
    """Header text from data (names from mail headers, subjects): no line breaks, no control characters."""
    return " ".join(_CONTROL.sub(" ", value).split())
