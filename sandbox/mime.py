"""RFC 822 on the sandbox's side of the wire: build and parse raw messages, Gmail snippets, header decoding.

Messages in the sandbox are kept as their headers in wire order (values exactly as on the wire, encoded
words and malformed syntax included) plus a text body. This module turns that into the bytes Gmail serves
in `format=raw`, parses the raw messages clients upload as drafts back into headers and text, derives the
snippet the way Gmail shows it, and decodes RFC 2047 words for the sandbox's "decoded headers" mode.
"""

from __future__ import annotations

import base64
import binascii
import email.parser
import email.policy
import logging
import quopri
import re
from collections.abc import Sequence
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from typing import Any

log = logging.getLogger(__name__)

Header = tuple[str, str]

SNIPPET_CHARS = 200  # Gmail's snippets are the first ~200 characters of the text
_WHITESPACE = re.compile(r"\s+")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_SNIPPET_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})


@dataclass(frozen=True)
class ParsedRaw:
    """A raw RFC 822 message split into what the sandbox stores."""

    headers: list[Header]
    body: str
    multipart: bool


def header_value(headers: Sequence[Header], name: str) -> str | None:
    """The first value of the header `name` (case-insensitive), or None."""
    wanted = name.lower()
    for key, value in headers:
        if key.lower() == wanted:
            return value
    return None


def b64url_encode(data: bytes) -> str:
    """base64url with padding, as Gmail writes `raw` and `body.data`."""
    return base64.urlsafe_b64encode(data).decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding; raises ValueError on garbage."""
    cleaned = text.strip().replace("+", "-").replace("/", "_")
    padded = cleaned + "=" * (-len(cleaned) % 4)
    try:
        return base64.urlsafe_b64decode(padded.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError(f"invalid base64url data: {exc}") from exc


def _body_charset(headers: Sequence[Header]) -> str:
    content_type = header_value(headers, "Content-Type") or ""
    match = re.search(r'charset="?([^";\s]+)"?', content_type, re.IGNORECASE)
    return match.group(1) if match else "utf-8"


def encode_body(headers: Sequence[Header], body: str) -> bytes:
    """The body as it goes on the wire, honouring the stored Content-Transfer-Encoding and charset."""
    try:
        data = body.encode(_body_charset(headers), errors="replace")
    except LookupError:
        data = body.encode("utf-8")
    encoding = (header_value(headers, "Content-Transfer-Encoding") or "").strip().lower()
    if encoding == "base64":
        return base64.encodebytes(data).replace(b"\n", b"\r\n")
    if encoding == "quoted-printable":
        return quopri.encodestring(data).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def build_raw(headers: Sequence[Header], body: str) -> bytes:
    """The RFC 822 bytes of a stored message: its headers as stored, a blank line, the encoded body."""
    head = "".join(f"{name}: {value}\r\n" for name, value in headers)
    return head.encode("utf-8", errors="surrogateescape") + b"\r\n" + encode_body(headers, body)


def parse_raw(raw: bytes) -> ParsedRaw:
    """Split an uploaded RFC 822 message into headers (wire order, unfolded, as written) and its text.

    The text is the text/plain part (transfer encoding and charset undone); a message without one has an
    empty text. Raises ValueError when the bytes are not a message at all (no header block).
    """
    message = email.parser.BytesParser(policy=email.policy.default).parsebytes(raw)
    headers = [(name, _unfold(str(value))) for name, value in message.raw_items()]
    if not headers:
        raise ValueError("the raw message has no headers")
    multipart = message.is_multipart()
    body = _text_of(message).replace("\r\n", "\n")
    return ParsedRaw(headers=headers, body=body, multipart=multipart)


def _unfold(value: str) -> str:
    unfolded = _FOLD.sub("", value).strip()
    try:
        unfolded.encode("utf-8")
    except UnicodeEncodeError:
        # The parser keeps raw 8-bit header bytes as surrogates; they are almost always UTF-8.
        return unfolded.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")
    return unfolded


def _text_of(message: Message) -> str:
    if not isinstance(message, EmailMessage):
        return ""
    part = message.get_body(preferencelist=("plain",))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeDecodeError) as exc:
        log.warning("undecodable text part in an uploaded message: %s", exc)
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""


def payload_parts(raw: bytes) -> dict[str, Any]:
    """Gmail's `payload` tree for a multipart message (top-level headers left to the caller).

    Each part: `{partId, mimeType, filename, headers, body: {size[, data]}[, parts]}`; part ids are
    "0", "1", "0.1", ... as Gmail numbers them; the top level has partId "".
    """
    message = email.parser.BytesParser(policy=email.policy.default).parsebytes(raw)
    return _part_tree(message, "")


def _part_tree(part: Message, part_id: str) -> dict[str, Any]:
    node: dict[str, Any] = {
        "partId": part_id,
        "mimeType": part.get_content_type(),
        "filename": part.get_filename() or "",
        "headers": [{"name": name, "value": _unfold(str(value))} for name, value in part.raw_items()],
    }
    if part.is_multipart():
        node["body"] = {"size": 0}
        children = part.get_payload()
        if isinstance(children, list):
            prefix = f"{part_id}." if part_id else ""
            node["parts"] = [_part_tree(child, f"{prefix}{index}") for index, child in enumerate(children)]
        return node
    data = part.get_payload(decode=True)
    content = data if isinstance(data, bytes) else b""
    node["body"] = {"size": len(content), "data": b64url_encode(content)} if content else {"size": 0}
    return node


def snippet_of(body: str) -> str:
    """Gmail's snippet: the text's first ~200 characters, whitespace collapsed, HTML-escaped (`I&#39;m`)."""
    collapsed = _WHITESPACE.sub(" ", body[: SNIPPET_CHARS * 10]).strip()
    return collapsed[:SNIPPET_CHARS].rstrip().translate(_SNIPPET_ESCAPES)


def decode_header_value(value: str) -> str:
    """`value` with its RFC 2047 encoded words decoded; text already decoded or undecodable is kept."""
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except (HeaderParseError, UnicodeDecodeError, LookupError, ValueError) as exc:
        log.info("kept an undecodable header value as stored: %s", exc)
        return value


_REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|aw|sv|wg)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)


def normalized_subject(subject: str | None) -> str:
    """A subject compared for threading: decoded, `Re:`/`Fwd:` prefixes stripped, case and spacing folded."""
    if not subject:
        return ""
    decoded = decode_header_value(subject)
    return _WHITESPACE.sub(" ", _REPLY_PREFIX.sub("", decoded)).strip().lower()


_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


def message_ids_in(value: str | None) -> list[str]:
    """The Message-IDs named in a References / In-Reply-To value, each as `<...>`."""
    if not value:
        return []
    found = _MESSAGE_ID.findall(value)
    if found:
        return found
    bare = value.strip()
    return [f"<{bare}>"] if bare and " " not in bare else []


def canonical_message_id(value: str | None) -> str | None:
    """A Message-ID header value reduced to `<...>` for lookups (None when there is none)."""
    ids = message_ids_in(value)
    return ids[0] if ids else None
