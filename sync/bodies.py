"""Plain-text bodies of a few messages, fetched for the rules' "does this mail expect an answer?" check.

Bodies are fetched with messages.get format=full in batches (5 units each, paced and metered like every
other call), decoded from base64url, and the text/plain part extracted by walking the MIME tree (text/html
stripped to text when a message has no plain part). They are used in memory and never stored.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Iterable, Mapping
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

from sync.batches import BatchCall, run_batches
from sync.client import GoogleApi

if TYPE_CHECKING:
    from googleapiclient._apis.gmail.v1 import GmailResource

log = logging.getLogger(__name__)

MESSAGES_GET = "gmail.users.messages.get"


def fetch_plain_bodies(api: GoogleApi, message_ids: Iterable[str], *, batch_size: int = 50) -> dict[str, str]:
    """The text of each message that still exists, by Gmail id (deleted ones are left out)."""
    calls = [_full_call(gmail_id) for gmail_id in dict.fromkeys(message_ids)]
    bodies: dict[str, str] = {}
    for answers in run_batches(api, calls, batch_size=batch_size):
        for answer in answers:
            if answer.gone:
                log.info("message %s is gone; no body to read", answer.call.key)
                continue
            bodies[answer.call.key] = plain_text(answer.body.get("payload") or {})
    return bodies


def _full_call(gmail_id: str) -> BatchCall:
    def build(service: GmailResource) -> Any:
        return service.users().messages().get(userId="me", id=gmail_id, format="full")

    return BatchCall(key=gmail_id, method_id=MESSAGES_GET, build=build, covers=(gmail_id,))


def plain_text(payload: Mapping[str, Any]) -> str:
    """The message's text: its first text/plain part, else its first text/html part as text, else ""."""
    plain = _first_part(payload, "text/plain")
    if plain is not None:
        return _decoded(plain)
    html_part = _first_part(payload, "text/html")
    if html_part is not None:
        return _html_to_text(_decoded(html_part))
    return ""


def _first_part(part: Mapping[str, Any], mime_type: str) -> Mapping[str, Any] | None:
    """Depth-first, in order: the first inline part of `mime_type` (attachments have a filename)."""
    if str(part.get("mimeType", "")).lower() == mime_type and not part.get("filename"):
        return part
    for child in part.get("parts") or ():
        if isinstance(child, Mapping):
            found = _first_part(child, mime_type)
            if found is not None:
                return found
    return None


def _decoded(part: Mapping[str, Any]) -> str:
    data = str((part.get("body") or {}).get("data") or "")
    try:
        raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    except (binascii.Error, ValueError):
        log.warning("undecodable body data (%d characters)", len(data))
        return ""
    return raw.decode(_charset(part), errors="replace")


def _charset(part: Mapping[str, Any]) -> str:
    for header in part.get("headers") or ():
        if str(header.get("name", "")).lower() == "content-type":
            for parameter in str(header.get("value", "")).split(";")[1:]:
                key, _, value = parameter.strip().partition("=")
                if key.lower() == "charset" and value:
                    charset = value.strip().strip('"')
                    try:
                        "".encode(charset)
                    except LookupError:
                        return "utf-8"
                    return charset
    return "utf-8"


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skipping += 1
        elif tag in ("br", "p", "div", "li", "tr", "blockquote"):
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.chunks.append(data)


def _html_to_text(markup: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    return "".join(extractor.chunks)
