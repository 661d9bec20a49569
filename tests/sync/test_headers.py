"""Header parsing never crashes on what real mail contains, and keeps whatever can be kept."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

import pytest

from sync.headers import clean_text, decode_words, message_ids, parse_addresses, parse_date
from tests.corpora import NOTMUCH


def emails(value: str) -> list[str]:
    return [address.email for address in parse_addresses(value)[0]]


@pytest.mark.parametrize(
    ("header", "expected_names", "expected_emails"),
    [
        ('"Kim, Dana" <Dana.Kim@Acme.io>', ["Kim, Dana"], ["Dana.Kim@Acme.io"]),
        ("=?UTF-8?B?UmVuw6ll?= <renee@example.fr>", ["Renée"], ["renee@example.fr"]),
        ("=?ISO-8859-1?Q?Ren=E9e_Dupr=E9?= <renee@example.fr>", ["Renée Dupré"], ["renee@example.fr"]),
        ("Renée Dupré <renee@example.fr>", ["Renée Dupré"], ["renee@example.fr"]),  # already decoded
        ("Team: a@x.example, b@y.example;", ["", ""], ["a@x.example", "b@y.example"]),
        ("undisclosed-recipients:;", [], []),
        ("", [], []),
    ],
)
def test_address_headers_in_their_common_shapes(
    header: str, expected_names: list[str], expected_emails: list[str]
) -> None:
    addresses, _ = parse_addresses(header)
    assert [a.name for a in addresses] == expected_names
    assert [a.email for a in addresses] == expected_emails


def test_an_unterminated_quote_still_yields_the_address_and_a_problem() -> None:
    addresses, problems = parse_addresses('"Dana Kim <dana@acme.io>')
    assert [a.email for a in addresses] == ["dana@acme.io"]
    assert problems


def test_an_unknown_charset_is_decoded_as_best_it_can_and_reported() -> None:
    text, problems = decode_words("=?x-klingon?Q?Ren=E9e?=")
    assert text == "Renée"
    assert any("x-klingon" in p for p in problems)


def test_a_thousand_recipients_are_all_kept() -> None:
    header = ", ".join(f"Person {i} <p{i}@example.org>" for i in range(1000))
    assert len(emails(header)) == 1000


def test_duplicate_recipients_in_case_variants_are_kept_once() -> None:
    assert emails("dana@acme.io, DANA@acme.io, Dana <dana@ACME.io>") == ["dana@acme.io"]


def test_a_hundred_kilobyte_subject_is_truncated_and_reported() -> None:
    text, problems = clean_text("x" * 100_000, limit=2000)
    assert len(text) == 2000
    assert problems


def test_dates_parse_to_utc_and_garbage_gives_none() -> None:
    assert parse_date("Tue, 3 Nov 2026 14:00:00 +0100")[0] == datetime(2026, 11, 3, 13, 0, tzinfo=UTC)
    assert parse_date("Tue, 3 Nov 2026 14:00:00 -0000")[0] == datetime(2026, 11, 3, 14, 0, tzinfo=UTC)
    for bad in (None, "", "yesterday", "Tue, 99 Foo 20 99:99:99"):
        parsed, problems = parse_date(bad)
        assert parsed is None
        assert problems


def test_references_loops_and_junk_are_tamed() -> None:
    assert message_ids("<a@x> <b@x> <a@x>") == ["a@x", "b@x"]
    assert message_ids("<yes>") == ["yes"]
    assert message_ids("a@x b@x") == ["a@x", "b@x"]
    assert message_ids(None) == []


@pytest.mark.corpus
@pytest.mark.skipif(not NOTMUCH.exists(), reason="../shared/corpora is not beside this checkout")
def test_every_message_of_the_notmuch_corpora_parses_without_raising() -> None:
    files = [p for p in NOTMUCH.rglob("*") if p.is_file() and not p.name.startswith("README")]
    assert len(files) > 250
    parsed_senders = 0
    for path in files:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.compat32)
        for name in ("From", "To", "Cc", "Reply-To", "Sender"):
            for value in message.get_all(name) or []:
                addresses, _ = parse_addresses(str(value))
                parsed_senders += name == "From" and bool(addresses)
        parse_date(message.get("Date"))
        clean_text(message.get("Subject"), limit=2000)
        message_ids(message.get("References"))
    assert parsed_senders >= len(files) * 0.95
