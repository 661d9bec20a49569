"""Gmail's message JSON becomes a typed ParsedMessage; nothing about its content can make parsing fail."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from sync.gmail_parse import ParsedMessage, parse_message


def _resource(headers: list[Any] | None, **fields: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "id": "18c0000000000001",
        "threadId": "18c0000000000001",
        "labelIds": ["INBOX"],
        "snippet": "I&#39;m in &amp; out &lt;3",
        "historyId": "12345",
        "internalDate": "1764000000000",
        "payload": {"mimeType": "text/plain", "headers": headers},
    }
    resource.update(fields)
    return resource


def test_a_well_formed_message_parses_into_plain_values() -> None:
    parsed = parse_message(
        _resource(
            [
                {"name": "From", "value": "Dana <dana@acme.io>"},
                {"name": "To", "value": "a@x.example"},
                {"name": "to", "value": "b@x.example"},
                {"name": "Date", "value": "Mon, 24 Nov 2025 16:00:00 +0000"},
                {"name": "Subject", "value": "  Coffee\r\n next   week?  "},
            ]
        )
    )

    assert isinstance(parsed, ParsedMessage)
    assert parsed.snippet == "I'm in & out <3"
    assert parsed.history_id == 12345
    assert parsed.internal_date == datetime(2025, 11, 24, 16, 0, tzinfo=UTC)
    assert parsed.subject == "Coffee next week?"
    assert [address.email for address in parsed.addresses_in("to")] == ["a@x.example", "b@x.example"]
    assert parsed.parse_problems == ()


def test_a_missing_date_falls_back_to_internal_date_and_is_recorded(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="sync.gmail_parse"):
        parsed = parse_message(_resource([{"name": "From", "value": "dana@acme.io"}]))

    assert parsed.date_header is None
    assert parsed.date == parsed.internal_date
    assert parsed.parse_problems == ("no Date header",)
    assert "18c0000000000001" in caplog.text


@pytest.mark.parametrize(
    "resource",
    [
        _resource(None),
        _resource([{"name": None, "value": "x"}, "garbage", {"name": "From"}]),
        _resource([], internalDate="not a number", historyId=None, labelIds=None, snippet=None),
        {"id": "18c0000000000009"},
    ],
)
def test_broken_resources_still_parse_with_their_problems_recorded(resource: dict[str, Any]) -> None:
    parsed = parse_message(resource)

    assert parsed.gmail_id == resource["id"]
    assert "no usable From address" in parsed.parse_problems
    assert parsed.internal_date.tzinfo is not None
