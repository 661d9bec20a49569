"""Gmail's message JSON becomes a typed ParsedMessage; nothing about its content can make parsing fail."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from rules.thank_you import occasion_key
from store.addresses import normalise_address
from store.models import Finding
from sync.drafts_plan import draft_keys
from sync.gmail_parse import MAX_MESSAGE_ID_BYTES, MAX_RAPPORT_KEY_BYTES, ParsedMessage, parse_message
from sync.settings import DraftSettings


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


def _with(name: str, value: str) -> ParsedMessage:
    headers = [{"name": "From", "value": "dana@acme.io"}, {"name": name, "value": value}]
    return parse_message(_resource(headers))


def test_a_message_id_longer_than_a_mail_line_is_not_kept() -> None:
    domain = "@example.org>"
    fits = "<" + "é" * ((MAX_MESSAGE_ID_BYTES - 1 - len(domain)) // 2) + domain  # 2 bytes each: just fits
    too_long = "<x" + fits[1:]

    assert len(fits.encode()) == MAX_MESSAGE_ID_BYTES
    assert _with("Message-ID", fits).message_id_header == fits
    refused = _with("Message-ID", too_long)
    assert refused.message_id_header is None
    assert any("Message-ID longer than" in problem for problem in refused.parse_problems)


def test_the_longest_key_rapport_writes_is_read_back_and_a_longer_one_is_not_rapports() -> None:
    # A thank-you per attendee: the longest event instance id Calendar allows, and the longest address the
    # store keeps, written in four-byte letters.
    event_id = "e" * 1024 + "_20250101T100000Z"
    attendee = normalise_address(f"{'𝔞' * 101}@{'𝔟' * 149}.de")
    assert attendee is not None
    assert len(attendee) == 254
    finding = Finding(kind="thank_you", occasion_key=occasion_key(event_id), emails=[attendee])
    [(longest, _)] = draft_keys(finding, DraftSettings(thank_you_mode="per_attendee"))

    assert len(longest.encode()) <= MAX_RAPPORT_KEY_BYTES
    assert _with("X-Rapport-Key", longest).rapport_key == longest
    for too_long in (longest + "x" * (MAX_RAPPORT_KEY_BYTES - len(longest.encode()) + 1), "k" * 5000):
        refused = _with("X-Rapport-Key", too_long)
        assert refused.rapport_key is None
        assert any("X-Rapport-Key longer than" in problem for problem in refused.parse_problems)


def test_half_a_surrogate_pair_from_the_json_becomes_a_replacement_character() -> None:
    # JSON can escape half of a surrogate pair ("\ud83d" alone); no database driver can encode the result,
    # and one such message would fail its batch's transaction on every run.
    parsed = parse_message(
        _resource(
            [
                {"name": "From", "value": "Broken \ud83d Emoji <emoji@example.org>"},
                {"name": "Subject", "value": "Party \U0001f389 \udf89"},
                {"name": "List-Id", "value": "<half\ud800.example.org>"},
            ],
            snippet="see you \ud83d",
        )
    )

    assert parsed.addresses_in("from")[0].name == "Broken \ufffd Emoji"
    assert parsed.subject == "Party \U0001f389 \ufffd"  # a whole emoji is kept
    assert parsed.list_id == "<half\ufffd.example.org>"
    assert parsed.snippet == "see you \ufffd"
    assert any("unpaired surrogates replaced" in problem for problem in parsed.parse_problems)
