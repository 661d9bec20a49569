"""Gmail's Message and Thread resources as `messages.get` / `threads.get` / `drafts.get` serve them.

Formats: minimal (ids, labels, snippet, sizes, dates, no payload), metadata (payload `{mimeType, headers}`,
headers optionally limited to `metadataHeaders`, always in wire order), full (the payload with the body
as base64url; a multipart draft keeps its part tree) and raw (the RFC 822 bytes, no payload). Header
values are served as stored, or RFC 2047-decoded when the sandbox runs with `decode_headers`. As in
Google's JSON, empty lists (a message without labels) are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sandbox import mime
from sandbox.gmail_state import StoredMessage


def _headers_json(
    headers: Sequence[tuple[str, str]], *, decode: bool, only: frozenset[str] | None = None
) -> list[dict[str, str]]:
    served = []
    for name, value in headers:
        if only is not None and name.lower() not in only:
            continue
        served.append({"name": name, "value": mime.decode_header_value(value) if decode else value})
    return served


def message_resource(
    message: StoredMessage, *, fmt: str = "full", metadata_headers: Sequence[str] = (), decode: bool = False
) -> dict[str, Any]:
    """The Message resource in format `fmt`."""
    resource: dict[str, Any] = {"id": message.id, "threadId": message.thread_id}
    if message.label_ids:
        resource["labelIds"] = list(message.label_ids)
    resource["snippet"] = message.snippet
    resource["sizeEstimate"] = message.size_estimate
    resource["historyId"] = str(message.history_id)
    resource["internalDate"] = str(message.internal_date)
    if fmt == "metadata":
        only = frozenset(name.lower() for name in metadata_headers) if metadata_headers else None
        resource["payload"] = {
            "mimeType": _mime_type(message),
            "headers": _headers_json(message.headers, decode=decode, only=only),
        }
    elif fmt == "full":
        resource["payload"] = _full_payload(message, decode=decode)
    elif fmt == "raw":
        resource["raw"] = mime.b64url_encode(message.raw())
    return resource


def _mime_type(message: StoredMessage) -> str:
    if message.raw_source is not None:
        content_type = message.header("Content-Type") or "text/plain"
        return content_type.split(";", 1)[0].strip().lower() or "text/plain"
    return "text/plain"


def _full_payload(message: StoredMessage, *, decode: bool) -> dict[str, Any]:
    headers = _headers_json(message.headers, decode=decode)
    if message.raw_source is not None:
        tree = mime.payload_parts(message.raw_source)
        tree["headers"] = headers
        return tree
    data = mime.encode_body([], message.body)
    body: dict[str, Any] = {"size": len(data)}
    if data:
        body["data"] = mime.b64url_encode(data)
    return {"partId": "", "mimeType": "text/plain", "filename": "", "headers": headers, "body": body}


def thread_resource(
    thread_id: str,
    messages: Sequence[StoredMessage],
    *,
    fmt: str = "full",
    metadata_headers: Sequence[str] = (),
    decode: bool = False,
) -> dict[str, Any]:
    """The Thread resource: id, historyId (its newest change) and its messages, oldest first."""
    return {
        "id": thread_id,
        "historyId": str(max(message.history_id for message in messages)),
        "messages": [
            message_resource(message, fmt=fmt, metadata_headers=metadata_headers, decode=decode)
            for message in messages
        ],
    }
