"""Defensive parsing of the mail headers Rapport keeps: addresses, dates, encoded words.

Mail headers are whatever the internet produced: RFC 2047 words in unknown charsets, unterminated quotes,
raw 8-bit bytes, group syntax, unquoted commas, a thousand recipients or a 100 KB Subject. Whether Gmail
serves encoded words decoded or not is undocumented, so every function here accepts both. Nothing in this
module raises on content: it returns what could be parsed plus a list of problems for the caller to log
and store.
"""

from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.errors import HeaderParseError
from email.header import decode_header

MAX_SUBJECT_CHARS = 2000  # a 100 KB Subject is stored truncated: the rules only ever read its start
MAX_HEADER_CHARS = 200_000  # beyond this an address header is cut before parsing, bounding the work

_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
_BARE_ADDRESS = re.compile(r"[^\s<>()\"',;:\[\]]+@[^\s<>()\"',;:\[\]]+\.[^\s<>()\"',;:\[\]]+")
_FALLBACK_CHARSETS = ("utf-8", "windows-1252")
_PLAIN_ADDRESS = re.compile(r"[^\s@<>\"(),;:]+@[^\s@<>\"(),;:]*\.[^\s@<>\"(),;:]*")
_NEEDS_FULL_PARSER = re.compile(r"[\"()\\;:\[\]]")
_SIMPLE_MAILBOX = re.compile(r"\s*(?:(?P<name>[^<>]*?)\s*<(?P<angled>[^<>\s]+)>|(?P<bare>[^<>\s]+))\s*")


@dataclass(frozen=True)
class ParsedAddress:
    """One mailbox from an address header: display name (decoded) and address as written."""

    name: str
    email: str


def decode_words(value: str) -> tuple[str, list[str]]:
    """Decode RFC 2047 encoded words still present in `value`; text already decoded passes through.

    Unknown or lying charsets fall back to UTF-8, then Windows-1252 (a superset of Latin-1 that maps every
    byte), so the result is always text. Returns the text and the problems met.
    """
    if "=?" not in value or not _ENCODED_WORD.search(value):
        return value, []
    problems: list[str] = []
    try:
        parts = decode_header(value)
    except (ValueError, LookupError, AssertionError, HeaderParseError) as exc:  # email.header on garbage
        return value, [f"undecodable encoded word: {exc}"]
    pieces: list[str] = []
    for chunk, charset in parts:
        if isinstance(chunk, str):
            pieces.append(chunk)
            continue
        pieces.append(_decode_bytes(chunk, charset, problems))
    return "".join(pieces), problems


def _decode_bytes(chunk: bytes, charset: str | None, problems: list[str]) -> str:
    if charset and charset.lower() not in ("unknown-8bit",):
        try:
            return chunk.decode(charset)
        except LookupError:
            problems.append(f"unknown charset {charset!r}")
        except UnicodeDecodeError:
            problems.append(f"bytes not valid in declared charset {charset!r}")
    for fallback in _FALLBACK_CHARSETS:
        try:
            return chunk.decode(fallback)
        except UnicodeDecodeError:
            continue
    return chunk.decode("latin-1")


def clean_text(value: str | None, *, limit: int | None = None) -> tuple[str, list[str]]:
    """A header value as display text: encoded words decoded, folding and control characters removed."""
    if value is None:
        return "", []
    problems: list[str] = []
    if limit is not None and len(value) > limit * 4:
        value = value[: limit * 4]  # decode only what can survive the cut below
    text, decode_problems = decode_words(value)
    problems.extend(decode_problems)
    text = " ".join(text.replace("\x00", "").split())
    if limit is not None and len(text) > limit:
        problems.append(f"truncated from {len(text)} to {limit} characters")
        text = text[:limit]
    return text, problems


def parse_addresses(value: str | None) -> tuple[list[ParsedAddress], list[str]]:
    """Every mailbox in an address header (From, To, Cc, Reply-To, Sender), in order, without duplicates.

    Group syntax contributes its members; an empty group (``undisclosed-recipients:;``) contributes nothing.
    Where the standard parser gives up (an unterminated quote, an unquoted comma in a name), anything that
    looks like an address is still found, and the problem is reported.
    """
    if not value or not value.strip():
        return [], []
    problems: list[str] = []
    if len(value) > MAX_HEADER_CHARS:
        problems.append(f"address header cut from {len(value)} to {MAX_HEADER_CHARS} characters")
        value = value[:MAX_HEADER_CHARS]
    found: list[ParsedAddress] = []
    seen: set[str] = set()
    dangling: list[str] = []  # words cut off a display name by an unquoted comma ("Müller, Hans <h@x>")
    for raw_name, raw_email in _simple_mailboxes(value) or email.utils.getaddresses([value]):
        candidate = raw_email.strip()
        if _is_plain_address(candidate):
            full_name = ", ".join([*dangling, raw_name]) if dangling and raw_name else raw_name
            dangling = []
            name, name_problems = clean_text(full_name, limit=200)
            problems.extend(name_problems)
            _add(found, seen, ParsedAddress(name=name, email=candidate))
            continue
        if not raw_name and candidate and "@" not in candidate:
            dangling.append(candidate)
            continue
        dangling = []
        salvaged = _BARE_ADDRESS.findall(f"{raw_name} {raw_email}")
        if salvaged:
            problems.append(f"unparsable address {raw_email or raw_name!r}: kept {', '.join(salvaged)}")
            for address in salvaged:
                _add(found, seen, ParsedAddress(name="", email=address))
    if not found:
        # The parser may have swallowed every address into one broken name: look at the raw text.
        for address in _BARE_ADDRESS.findall(value):
            _add(found, seen, ParsedAddress(name="", email=address))
        if found:
            problems.append("address header not parsable; addresses salvaged from its text")
    return found, problems


def _simple_mailboxes(value: str) -> list[tuple[str, str]] | None:
    """(name, address) pairs of a header made only of `Name <a@b.c>` and `a@b.c` items, or None.

    Most headers are that simple; the standard parser, much slower, is kept for the rest (quotes,
    comments, groups, escapes, and anything these patterns do not fully match).
    """
    if _NEEDS_FULL_PARSER.search(value):
        return None
    pairs: list[tuple[str, str]] = []
    for item in value.split(","):
        if not item.strip():
            continue
        match = _SIMPLE_MAILBOX.fullmatch(item)
        if match is None:
            return None
        name, address = (match["name"], match["angled"]) if match["angled"] else ("", match["bare"])
        if not _is_plain_address(address) or "@" in name:
            return None
        pairs.append((name, address))
    return pairs


def _is_plain_address(candidate: str) -> bool:
    return _PLAIN_ADDRESS.fullmatch(candidate) is not None


def _add(found: list[ParsedAddress], seen: set[str], address: ParsedAddress) -> None:
    key = address.email.lower()
    if key not in seen:
        seen.add(key)
        found.append(address)


def parse_date(value: str | None) -> tuple[datetime | None, list[str]]:
    """The Date header as an aware UTC datetime, or None when missing or unparsable (the caller then
    falls back to Gmail's internalDate). A date without a zone (``-0000``) is taken as UTC."""
    if value is None or not value.strip():
        return None, ["no Date header"]
    try:
        parsed = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None, [f"unparsable Date {value[:80]!r}"]
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if not 1971 <= parsed.year <= 2200:
        return None, [f"implausible Date {value[:80]!r}"]
    return parsed.astimezone(UTC), []


def message_ids(value: str | None) -> list[str]:
    """The ``<id@host>`` tokens of a Message-ID, In-Reply-To or References header, in order.

    References can be broken in the wild (``References: <yes>``, loops, missing brackets): tokens without
    brackets are kept only when they look like ids, and duplicates are dropped, which also breaks loops.
    """
    if not value:
        return []
    tokens = re.findall(r"<([^<>\s]+)>", value)
    if not tokens:
        tokens = [token for token in value.split() if "@" in token]
    seen: set[str] = set()
    ordered: list[str] = []
    for token in tokens:
        if token not in seen:
            seen.add(token)
            ordered.append(token)
    return ordered
