"""Real mail from the notmuch corpora turned into a sandbox mailbox where one prolific sender is the user.

Each maildir file becomes a MESSAGE (docs/mailbox-format.md) with its headers as on the wire and its text
body. Dates keep their spacing but move so the newest kept message lies `days_ago` days before now (newer
messages are dropped). Threads follow In-Reply-To/References as Gmail's do. The user's own messages are
their SENT copies: the list headers a relay added are gone, and a reply goes to the author of the mail it
answers with the original recipients in Cc (reply-all), as a mail client sends it.
"""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import Message as EmailMessage
from email.utils import format_datetime, getaddresses, parseaddr, parsedate_to_datetime
from pathlib import Path
from typing import Any

from tests.corpora import NOTMUCH

CORPORA = NOTMUCH
_LIST_HEADERS = {"list-id", "list-post", "list-unsubscribe", "list-archive", "list-help", "list-subscribe"}
_RELAY_HEADERS = _LIST_HEADERS | {"x-mailing-list", "mailing-list", "precedence", "sender", "x-beenthere"}
_KEPT = {
    "from", "to", "cc", "subject", "date", "message-id", "in-reply-to", "references", "sender", "reply-to",
    "precedence", "x-mailing-list", "mailing-list", "auto-submitted",
} | _LIST_HEADERS  # fmt: skip
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


@dataclass
class RealMessage:
    """One corpus message as the mailbox will hold it."""

    path: Path
    headers: list[tuple[str, str]]
    body: str
    date: datetime
    message_id: str
    parents: list[str]  # In-Reply-To, then References, newest first

    def header(self, name: str) -> str:
        return next((value for key, value in self.headers if key.lower() == name), "")

    @property
    def from_address(self) -> str:
        return parseaddr(self.header("from"))[1].lower()


def _unfold(value: str) -> str:
    return re.sub(r"\r?\n[ \t]+", " ", str(value)).strip()


def _text(message: EmailMessage) -> str:
    part = next((p for p in message.walk() if p.get_content_type() == "text/plain"), None)
    if part is None:
        return ""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(part.get_payload())
    return payload.decode(part.get_content_charset() or "utf-8", errors="replace")


def read(path: Path) -> RealMessage | None:
    """A corpus file, or None when it has no usable Date or Message-ID."""
    with path.open("rb") as handle:
        parsed = email.message_from_binary_file(handle, policy=email.policy.compat32)
    headers = [(name, _unfold(value)) for name, value in parsed.items() if name.lower() in _KEPT]
    message_ids = _MESSAGE_ID.findall(parsed.get("Message-ID", "") or "")
    try:
        date = parsedate_to_datetime(_unfold(parsed.get("Date", "")))
    except (TypeError, ValueError):
        return None
    if not message_ids or date.tzinfo is None:
        return None
    parents = _MESSAGE_ID.findall(parsed.get("In-Reply-To", "") or "")
    parents += reversed(_MESSAGE_ID.findall(parsed.get("References", "") or ""))
    return RealMessage(path, headers, _text(parsed), date, message_ids[0], parents)


def corpus(*folders: str, keep: Callable[[RealMessage], bool] = lambda _m: True) -> list[RealMessage]:
    """The messages of corpus folders (recursively), one per Message-ID, oldest first."""
    seen: dict[str, RealMessage] = {}
    for folder in folders:
        for path in sorted((CORPORA / folder).rglob("*")):
            if path.is_file() and path.name != "README.upstream":
                message = read(path)
                if message is not None and keep(message):
                    seen.setdefault(message.message_id, message)
    return sorted(seen.values(), key=lambda message: message.date)


def as_users_mail(
    message: RealMessage, by_id: dict[str, RealMessage], users: set[str]
) -> list[tuple[str, str]]:
    """The SENT copy of the user's message: no relay headers, a reply-all to the author of its parent."""
    headers = [(name, value) for name, value in message.headers if name.lower() not in _RELAY_HEADERS]
    parent = next((by_id[ref] for ref in message.parents if ref in by_id), None)
    if parent is None or parent.from_address in users:
        return headers
    original = [address for _name, address in getaddresses([message.header("to"), message.header("cc")])]
    cc = [address for address in original if address and address.lower() not in {*users, parent.from_address}]
    rest = [(name, value) for name, value in headers if name.lower() not in {"to", "cc"}]
    return [*rest, ("To", parent.header("from")), *([("Cc", ", ".join(cc))] if cc else [])]


def mailbox(
    messages: Iterable[RealMessage],
    *,
    user: Iterable[str],
    account: str,
    now: datetime,
    days_ago: float,
    strip_list_headers: bool = False,
    extra: Iterable[dict[str, Any]] = (),
    events: Iterable[dict[str, Any]] = (),
) -> dict[str, Any]:
    """The sandbox mailbox of `messages` owned by `account`, who sent the corpus mail of `user` (the
    addresses the prolific sender wrote from, which become the account's send-as aliases).

    `strip_list_headers`: drop List-*/X-Mailing-List from everyone's mail, leaving old-style relays
    (Precedence and a bounce/owner Sender) as the only sign of a list.
    """
    messages = list(messages)
    users = {address.lower() for address in user}
    newest = max(message.date for message in messages)
    shift = (now - timedelta(days=days_ago)) - newest
    by_id = {message.message_id: message for message in messages}
    threads: dict[str, str] = {}
    documents: list[dict[str, Any]] = []
    for number, message in enumerate(messages, 1):
        gmail_id = f"{0x1A00000000000000 + number:016x}"
        parent = next((ref for ref in message.parents if ref in threads), None)
        threads[message.message_id] = threads[parent] if parent else gmail_id
        from_user = message.from_address in users
        if from_user:
            headers = as_users_mail(message, by_id, users)
        elif strip_list_headers:
            headers = [
                (n, v) for n, v in message.headers if n.lower() not in _LIST_HEADERS | {"x-mailing-list"}
            ]
        else:
            headers = list(message.headers)
        at = message.date + shift
        headers = [
            (name, format_datetime(at) if name.lower() == "date" else value) for name, value in headers
        ]
        documents.append(
            {
                "id": gmail_id,
                "threadId": threads[message.message_id],
                "labelIds": ["SENT"] if from_user else ["INBOX"],
                "internalDate": str(int(at.timestamp() * 1000)),
                "headers": [{"name": name, "value": value} for name, value in headers],
                "body": message.body,
            }
        )
    return {
        "format": "rapport-sandbox-mailbox/1",
        "users": [
            {
                "email": account,
                "name": "Corpus User",
                "aliases": sorted(users),
                "timezone": "UTC",
                "messages": [*documents, *extra],
                "calendars": [
                    {
                        "id": account,
                        "summary": account,
                        "timeZone": "UTC",
                        "primary": True,
                        "accessRole": "owner",
                        "events": list(events),
                    }
                ],
            }
        ],
    }


def document_of(document: dict[str, Any], messages: list[RealMessage], path_suffix: str) -> dict[str, Any]:
    """The mailbox MESSAGE made from the corpus file whose path ends in `path_suffix`."""
    index = next(i for i, message in enumerate(messages) if str(message.path).endswith(path_suffix))
    found: dict[str, Any] = document["users"][0]["messages"][index]
    return found


def users_reply(
    document: dict[str, Any],
    messages: list[RealMessage],
    path_suffix: str,
    *,
    body: str,
    at: datetime,
    number: int,
) -> dict[str, Any]:
    """A reply the user sends (by hand) to the corpus message at `path_suffix`: reply-all, same thread.

    Appended to the mailbox; `number` makes its Gmail id.
    """
    account = document["users"][0]["email"]
    parent = messages[next(i for i, m in enumerate(messages) if str(m.path).endswith(path_suffix))]
    parent_document = document_of(document, messages, path_suffix)
    recipients = [parent.header("to"), parent.header("cc")]
    cc = [address for _name, address in getaddresses(recipients) if address and address != account]
    subject = parent.header("subject")
    reply = {
        "id": f"{0x1B00000000000000 + number:016x}",
        "threadId": parent_document["threadId"],
        "labelIds": ["SENT"],
        "internalDate": str(int(at.timestamp() * 1000)),
        "headers": [
            {"name": "From", "value": f"Corpus User <{account}>"},
            {"name": "To", "value": parent.header("from")},
            {"name": "Cc", "value": ", ".join(cc)},
            {"name": "Subject", "value": subject if subject.lower().startswith("re:") else f"Re: {subject}"},
            {"name": "Date", "value": format_datetime(at)},
            {"name": "Message-ID", "value": f"<reply{number}@corpus.example>"},
            {"name": "In-Reply-To", "value": parent.message_id},
            {"name": "References", "value": parent.message_id},
        ],
        "body": body,
    }
    document["users"][0]["messages"].append(reply)
    return reply


def quoted(message: RealMessage) -> str:
    """The message's body as a reply quotes it."""
    return "\n".join(f"> {line}" if line else ">" for line in message.body.splitlines())


def find(messages: list[RealMessage], path_suffix: str) -> RealMessage:
    return next(message for message in messages if str(message.path).endswith(path_suffix))
