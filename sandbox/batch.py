"""Batch requests: multipart/mixed in, multipart/mixed out, as Google's batch endpoints answer them.

Each part is an `application/http` request with its own request line, headers (Authorization included)
and optional JSON body; each answer part carries `Content-ID: <response-ID>` and an inner
`HTTP/1.1 <code> <reason>` response, which is what googleapiclient's BatchHttpRequest parses. Each call
is authenticated, validated, charged and logged on its own, and may get its own injected status fault.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sandbox.dispatch import ApiRequest, ApiResponse, Dispatcher, error_response
from sandbox.errors import HTTP_REASON_PHRASE, ApiError, bad_request

# Gmail's documented limit ("You're limited to 100 calls in a single batch request").
MAX_BATCH_CALLS = 100

_BOUNDARY = re.compile(r'boundary=(?:"([^"]+)"|([^;\s]+))', re.IGNORECASE)
_LINE_BREAK = re.compile(rb"\r?\n")
_HEADER_END = re.compile(rb"\r?\n\r?\n")


@dataclass(frozen=True)
class BatchPart:
    """One call inside a batch: its Content-ID (without the angle brackets) and its request."""

    content_id: str | None
    request: ApiRequest


def _split_headers(block: bytes) -> tuple[list[bytes], bytes]:
    """Header lines and the rest, split at the first blank line."""
    found = _HEADER_END.search(block)
    if found is None:
        return _LINE_BREAK.split(block.strip()), b""
    return _LINE_BREAK.split(block[: found.start()]), block[found.end() :]


def _parse_headers(lines: list[bytes]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in lines:
        name, separator, value = line.decode("utf-8", "replace").partition(":")
        if separator:
            headers[name.strip().lower()] = value.strip()
    return headers


def _strip_one_line_break(chunk: bytes) -> bytes:
    if chunk.startswith(b"\r\n"):
        chunk = chunk[2:]
    elif chunk.startswith(b"\n"):
        chunk = chunk[1:]
    if chunk.endswith(b"\r\n"):
        return chunk[:-2]
    if chunk.endswith(b"\n"):
        return chunk[:-1]
    return chunk


def _parse_part(chunk: bytes) -> BatchPart:
    part_header_lines, inner = _split_headers(_strip_one_line_break(chunk))
    part_headers = _parse_headers(part_header_lines)
    content_id = part_headers.get("content-id")
    if content_id is not None:
        content_id = content_id.strip().removeprefix("<").removesuffix(">")
    inner_header_lines, inner_body = _split_headers(inner)
    if not inner_header_lines or not inner_header_lines[0].strip():
        raise bad_request("A batch part has no request line.")
    request_line = inner_header_lines[0].decode("utf-8", "replace").split()
    if len(request_line) < 2:
        raise bad_request(f"Invalid request line in a batch part: {' '.join(request_line)}")
    http_method, target = request_line[0].upper(), request_line[1]
    if "://" in target:
        target = "/" + target.split("://", 1)[1].partition("/")[2]
    request = ApiRequest(
        http_method=http_method,
        target=target,
        headers=_parse_headers(inner_header_lines[1:]),
        body=inner_body,
        in_batch=True,
    )
    return BatchPart(content_id, request)


def parse_batch(content_type: str, body: bytes) -> list[BatchPart]:
    """The calls of a multipart/mixed batch body; ApiError 400 when it is malformed or too large."""
    if not content_type.lower().startswith("multipart/mixed"):
        raise bad_request("A batch request must be multipart/mixed.")
    found = _BOUNDARY.search(content_type)
    if found is None:
        raise bad_request("The multipart/mixed batch request has no boundary.")
    delimiter = b"--" + (found.group(1) or found.group(2)).encode("utf-8")
    chunks = body.split(delimiter)[1:]
    parts: list[BatchPart] = []
    for chunk in chunks:
        if chunk.startswith(b"--"):
            break
        parts.append(_parse_part(chunk))
    if not parts:
        raise bad_request("The batch request contains no calls.")
    if len(parts) > MAX_BATCH_CALLS:
        raise bad_request(
            f"A batch request may contain at most {MAX_BATCH_CALLS} calls; this one has {len(parts)}."
        )
    return parts


def render_batch(answers: list[tuple[str | None, ApiResponse]]) -> tuple[str, bytes]:
    """(Content-Type, body) of the multipart/mixed answer, with a fresh boundary."""
    boundary = "batch_" + secrets.token_hex(12)
    pieces: list[bytes] = []
    for content_id, response in answers:
        part_head = f"--{boundary}\r\nContent-Type: application/http\r\n"
        if content_id is not None:
            part_head += f"Content-ID: <response-{content_id}>\r\n"
        inner_head = f"HTTP/1.1 {response.status} {HTTP_REASON_PHRASE.get(response.status, 'Unknown')}\r\n"
        for name, value in response.headers.items():
            inner_head += f"{name}: {value}\r\n"
        inner_head += f"Content-Length: {len(response.body)}\r\n"
        pieces.append(f"{part_head}\r\n{inner_head}\r\n".encode())
        pieces.append(response.body + b"\r\n")
    pieces.append(f"--{boundary}--\r\n".encode())
    return f"multipart/mixed; boundary={boundary}", b"".join(pieces)


def run_batch(dispatcher: Dispatcher, content_type: str, body: bytes) -> tuple[int, str, bytes]:
    """Run every call of a batch in order: (status, Content-Type, body) of the whole answer."""
    try:
        parts = parse_batch(content_type, body)
    except ApiError as error:
        rejected = error_response(error)
        return rejected.status, rejected.headers["Content-Type"], rejected.body
    answers: list[tuple[str | None, ApiResponse]] = []
    for part in parts:
        answers.append((part.content_id, dispatcher.dispatch(part.request)))
    answer_type, answer_body = render_batch(answers)
    return 200, answer_type, answer_body
