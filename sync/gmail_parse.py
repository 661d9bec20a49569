"""Gmail message JSON (format=metadata or a threads.get message) into a typed `ParsedMessage`.

No Google JSON travels past this module. Parsing never raises on content: whatever cannot be parsed is left
out, recorded in `parse_problems` and logged with the message id, and the message is still stored with what
could be parsed. A missing or unparsable Date falls back to internalDate; snippets come HTML-escaped from
Gmail and are unescaped here; NUL bytes (which PostgreSQL refuses in text) are removed from every value,
and unpaired surrogates (which no driver can encode) are replaced.
A Message-ID, X-Rapport-Key or address longer than any real one is not kept: the store indexes them, and
PostgreSQL refuses an index row over 2,704 bytes, which would stop the account's sync on every run.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from store.addresses import MAX_ADDRESS_LENGTH
from sync.headers import (
    MAX_SUBJECT_CHARS,
    ParsedAddress,
    clean_text,
    message_ids,
    parse_addresses,
    parse_date,
)

log = logging.getLogger(__name__)

AddressRole = Literal["from", "sender", "reply_to", "to", "cc", "bcc"]

# The only headers Rapport reads (requested with metadataHeaders, so Gmail sends nothing else).
METADATA_HEADERS: tuple[str, ...] = (
    "From",
    "To",
    "Cc",
    "Bcc",
    "Reply-To",
    "Sender",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "List-Id",
    "List-Post",
    "List-Unsubscribe",
    "X-Mailing-List",
    "Mailing-List",
    "Precedence",
    "Auto-Submitted",
    "X-Autoreply",
    "X-Rapport-Key",
)
ADDRESS_HEADERS: tuple[tuple[str, AddressRole], ...] = (
    ("from", "from"),
    ("sender", "sender"),
    ("reply-to", "reply_to"),
    ("to", "to"),
    ("cc", "cc"),
    ("bcc", "bcc"),
)
MAX_SIGNAL_CHARS = 2000  # list and automation headers are stored, cut to a sane length
# Bounds on the header values stored in indexed columns (messages.message_id_header, messages.rapport_key).
# PostgreSQL refuses a btree index row over 2,704 bytes, and a value it refuses fails the whole page of
# mail on every run, so a longer value is not kept at all (cutting it would make a wrong id that may match).
# A Message-ID cannot be folded and RFC 5322 caps a line at 998 octets (RFC 6532 counts UTF-8 the same way),
# so no mailer that follows the standard writes a longer one.
MAX_MESSAGE_ID_BYTES = 998
# The longest X-Rapport-Key Rapport writes (rules' occasion keys, sync.drafts_plan.draft_keys) is a thank-you
# per attendee: "thank_you:" (10) + an event instance id (Calendar allows 1,024 characters, plus
# "_YYYYMMDDTHHMMSSZ", 17) + ":" + a normalised address (254 characters at most, store.addresses, so
# 1,016 UTF-8 bytes) = 2,068 bytes. Anything longer cannot be Rapport's.
MAX_RAPPORT_KEY_BYTES = 2_100
MAX_SNIPPET_CHARS = 1000
_SURROGATE = re.compile("[\ud800-\udfff]")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ParsedMessage:
    """What Rapport keeps of one Gmail message: ids, labels, dates, parsed headers. Never a body."""

    gmail_id: str
    thread_id: str
    history_id: int | None
    internal_date: datetime
    label_ids: tuple[str, ...]
    snippet: str
    mime_type: str | None
    date_header: datetime | None
    subject: str | None
    message_id_header: str | None
    in_reply_to: str | None
    references: str | None
    addresses: tuple[tuple[AddressRole, ParsedAddress], ...]
    list_id: str | None = None
    list_post: str | None = None
    list_unsubscribe: str | None = None
    x_mailing_list: str | None = None
    mailing_list: str | None = None
    precedence: str | None = None
    auto_submitted: str | None = None
    x_autoreply: str | None = None
    rapport_key: str | None = None
    parse_problems: tuple[str, ...] = field(default=())

    @property
    def date(self) -> datetime:
        """When the message was written: the Date header, or Gmail's internalDate when it has none."""
        return self.date_header or self.internal_date

    def addresses_in(self, role: AddressRole) -> list[ParsedAddress]:
        """The addresses of one header, in order."""
        return [address for address_role, address in self.addresses if address_role == role]


def parse_message(resource: Mapping[str, Any]) -> ParsedMessage:
    """Parse one Gmail message resource; raises only when it has no id (not a message at all)."""
    gmail_id = str(resource["id"])
    problems: list[str] = []
    headers = _header_map(resource.get("payload"), problems)
    internal_date = _internal_date(resource.get("internalDate"), problems)
    date_header, date_problems = parse_date(_first(headers, "date"))
    problems.extend(date_problems)  # missing or unparsable: `date` falls back to internalDate
    if internal_date is None:
        internal_date = date_header or EPOCH
    subject = _text(headers, "subject", problems, limit=MAX_SUBJECT_CHARS)
    addresses: list[tuple[AddressRole, ParsedAddress]] = []
    for name, role in ADDRESS_HEADERS:
        values = headers.get(name)
        if not values:
            continue
        found, address_problems = parse_addresses(", ".join(values))
        problems.extend(f"{name}: {problem}" for problem in address_problems)
        for address in found:
            if len(address.email) > MAX_ADDRESS_LENGTH:  # not an address the store keeps (or indexes)
                problems.append(f"{name}: address longer than {MAX_ADDRESS_LENGTH} characters not kept")
                continue
            addresses.append((role, address))
    if not any(role == "from" for role, _ in addresses):
        problems.append("no usable From address")
    parsed = ParsedMessage(
        gmail_id=gmail_id,
        thread_id=str(resource.get("threadId") or gmail_id),
        history_id=_int_or_none(resource.get("historyId")),
        internal_date=internal_date,
        label_ids=tuple(str(label) for label in resource.get("labelIds") or ()),
        snippet=_storable_text(html.unescape(str(resource.get("snippet") or "")))[0][:MAX_SNIPPET_CHARS],
        mime_type=_mime_type(resource.get("payload")),
        date_header=date_header,
        subject=subject,
        message_id_header=_message_id(headers, problems),
        in_reply_to=_id_list(headers, "in-reply-to"),
        references=_id_list(headers, "references"),
        addresses=tuple(addresses),
        list_id=_text(headers, "list-id", problems),
        list_post=_text(headers, "list-post", problems),
        list_unsubscribe=_text(headers, "list-unsubscribe", problems),
        x_mailing_list=_text(headers, "x-mailing-list", problems),
        mailing_list=_text(headers, "mailing-list", problems),
        precedence=_text(headers, "precedence", problems),
        auto_submitted=_text(headers, "auto-submitted", problems),
        x_autoreply=_text(headers, "x-autoreply", problems),
        rapport_key=_rapport_key(headers, problems),
        parse_problems=tuple(problems),
    )
    if problems:
        level = logging.WARNING if "no usable From address" in problems else logging.INFO
        log.log(level, "message %s parsed with problems: %s", gmail_id, "; ".join(problems)[:1000])
    return parsed


def _header_map(payload: Any, problems: list[str]) -> dict[str, list[str]]:
    """Header values by lower-cased name, in wire order."""
    headers: dict[str, list[str]] = {}
    raw_headers = payload.get("headers") if isinstance(payload, Mapping) else None
    if not isinstance(raw_headers, Sequence):
        problems.append("no headers in the payload")
        return headers
    for header in raw_headers:
        if not isinstance(header, Mapping) or not isinstance(header.get("name"), str):
            problems.append(f"malformed header entry {str(header)[:80]!r}")
            continue
        name = header["name"].lower()
        value = header.get("value")
        text, repairs = _storable_text(value if isinstance(value, str) else "")
        problems.extend(f"{name}: {repair}" for repair in repairs)
        headers.setdefault(name, []).append(text)
    return headers


def _storable_text(text: str) -> tuple[str, list[str]]:
    """`text` as both stores can hold it, and what was repaired.

    Spam carries NUL bytes, which PostgreSQL refuses in text; JSON can carry a lone surrogate escape
    ("\\ud83d" without its pair), which no database driver can encode. Either would fail the whole batch's
    transaction on every run, so they are removed (NUL) or replaced with U+FFFD (surrogates).
    """
    repairs: list[str] = []
    if "\x00" in text:
        repairs.append("NUL bytes removed")
        text = text.replace("\x00", "")
    if _SURROGATE.search(text):
        repairs.append("unpaired surrogates replaced")
        text = _SURROGATE.sub("\ufffd", text)
    return text, repairs


def _first(headers: Mapping[str, list[str]], name: str) -> str | None:
    values = headers.get(name)
    return values[0] if values else None


def _text(
    headers: Mapping[str, list[str]], name: str, problems: list[str], *, limit: int = MAX_SIGNAL_CHARS
) -> str | None:
    value = _first(headers, name)
    if value is None:
        return None
    text, text_problems = clean_text(value, limit=limit)
    problems.extend(f"{name}: {problem}" for problem in text_problems)
    return text


def _message_id(headers: Mapping[str, list[str]], problems: list[str]) -> str | None:
    value = _first(headers, "message-id")
    if value is None:
        return None
    tokens = message_ids(value)
    if tokens:
        found = f"<{tokens[0]}>"
    else:
        problems.append(f"unparsable Message-ID {value[:80]!r}")
        found = value.strip()
    if _too_long(found, MAX_MESSAGE_ID_BYTES):
        problems.append(f"Message-ID longer than {MAX_MESSAGE_ID_BYTES} bytes not kept {value[:80]!r}")
        return None
    return found or None


def _rapport_key(headers: Mapping[str, list[str]], problems: list[str]) -> str | None:
    """X-Rapport-Key as Rapport wrote it, or None (absent, or longer than any key Rapport writes)."""
    # Cut one character past the bound, so that a cut key is always over it and never kept.
    key = _text(headers, "x-rapport-key", problems, limit=MAX_RAPPORT_KEY_BYTES + 1)
    if key is not None and _too_long(key, MAX_RAPPORT_KEY_BYTES):
        problems.append(f"X-Rapport-Key longer than {MAX_RAPPORT_KEY_BYTES} bytes is not Rapport's: not kept")
        return None
    return key


def _too_long(value: str, max_bytes: int) -> bool:
    # A character is at most four UTF-8 bytes: only a value that might exceed the bound is encoded to count.
    return len(value) * 4 > max_bytes and len(value.encode("utf-8", "surrogatepass")) > max_bytes


def _id_list(headers: Mapping[str, list[str]], name: str) -> str | None:
    tokens = message_ids(" ".join(headers.get(name, ())))
    return " ".join(f"<{token}>" for token in tokens) if tokens else None


def _internal_date(value: Any, problems: list[str]) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        problems.append(f"unusable internalDate {value!r}")
        return None


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _mime_type(payload: Any) -> str | None:
    if isinstance(payload, Mapping) and isinstance(payload.get("mimeType"), str):
        return str(payload["mimeType"])[:255]
    return None
