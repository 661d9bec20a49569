"""Every malformed header the internet produces goes through a whole cycle: `rapport run --once` exits 0,
each message is stored with what could be parsed (and what could not is noted), and the findings among
the junk are found and drafted.

The mailbox mixes real-world-shaped bad headers (encoded words in unknown charsets or broken encodings,
unterminated quotes, raw 8-bit bytes, control characters, empty or missing From, a thousand recipients,
a 100 KB Subject, address soup, group syntax...) with the notmuch project's `broken/` messages when
../shared/corpora is present.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, selectinload

from store.models import Finding, Message
from tests.corpora import NOTMUCH
from tests.fixtures_resilience import SiteFactory, gmail_drafts
from tests.fixtures_sync import NOW, USER, event, gmail_id, mailbox, message

BROKEN_CORPUS = NOTMUCH / "broken"


@dataclass(frozen=True)
class BadMail:
    """Headers as a mail arrived, the From address the store must keep (None: none usable) and a note its
    parse problems must hold (None: nothing to note)."""

    headers: list[tuple[str, str]]
    sender: str | None
    problem: str | None = None


def _from(sender: str, subject: str) -> list[tuple[str, str]]:
    return [("From", sender), ("Subject", subject)]


THOUSAND = ", ".join(f"Person {n} <p{n}@example.org>" for n in range(1000))
BAD_MAIL = [
    BadMail(
        _from("=?x-unknown?q?caf=E9?= <cafe@example.org>", "Unknown charset"),
        "cafe@example.org",
        "unknown charset 'x-unknown'",
    ),
    BadMail(
        _from("=?x-mac-klingon?B?UWFwbGEn?= <worf@example.org>", "=?x-mac-klingon?q?Qapla?="),
        "worf@example.org",
        "unknown charset 'x-mac-klingon'",
    ),
    BadMail(
        _from("Zoë <zoe@example.org>", "=?utf-8?b?!!!not-base64?="),
        "zoe@example.org",
        "undecodable encoded word",
    ),
    BadMail(_from("ann@example.org", "=?utf-8?q?never_ends"), "ann@example.org"),
    BadMail(_from('"Dana Reyes <dana@acme.io>', "Unterminated quote"), "dana@acme.io", "unparsable address"),
    BadMail(
        _from('Bob "the builder <bob@example.org>', "A stray quote"), "bob@example.org", "addresses salvaged"
    ),
    BadMail(
        _from("J\xfcrgen Gro\xdf <juergen@example.de>", "Gr\xfc\xdfe, raw Latin-1"), "juergen@example.de"
    ),
    BadMail(_from("JÃ¼rgen <mojibake@example.de>", "UTF-8 read as Latin-1"), "mojibake@example.de"),
    BadMail(
        _from("J\ufffdrgen <replaced@example.de>", "Undecodable bytes: \ufffd\ufffd"), "replaced@example.de"
    ),
    BadMail(_from("Ctrl <ctrl@example.org>", "C0 and C1 controls \x07\x1b[31m \x85\x9f"), "ctrl@example.org"),
    BadMail(_from("Nul <nul@example.org>", "a NUL \x00 byte"), "nul@example.org", "NUL bytes removed"),
    BadMail(_from("", "Empty From"), None, "no usable From address"),
    BadMail([("To", USER), ("Subject", "No From at all")], None, "no usable From address"),
    BadMail(_from("Mailer Daemon", "A name and no address"), None, "no usable From address"),
    BadMail(_from("Bob, <>, @, bob@@example.org, bob@example.org", "Address soup"), "bob@example.org"),
    BadMail([*_from("boss@example.org", "A thousand recipients"), ("To", THOUSAND)], "boss@example.org"),
    BadMail(_from("long@example.org", "x" * 100_000), "long@example.org", "truncated"),
    BadMail(
        [
            *_from("dates@example.org", "Garbage dates and ids"),
            ("Date", "sometime last week"),
            ("Message-ID", "no-brackets@example.org"),
            ("References", "<yes> <a@b> <a@b> garbage"),
        ],
        "dates@example.org",
        "unparsable Date",
    ),
    BadMail(
        [
            *_from("group@example.org", "Group syntax"),
            ("To", "undisclosed-recipients:;"),
            ("Cc", "Team: a@example.org, b@example.org;"),
        ],
        "group@example.org",
    ),
    BadMail(
        [("fROM", "Case <case@example.org>"), ("SUBJECT", "Header names in odd case")], "case@example.org"
    ),
    BadMail(
        [*_from("First <first@example.org>", "Two Froms"), ("From", "Second <second@example.org>")],
        "first@example.org",
    ),
    BadMail(
        [*_from("🦄 Unicorn <unicorn@example.org>", "Astral 🚀 plane"), ("Reply-To", "<<>>@@")],
        "unicorn@example.org",
    ),
    BadMail(_from("Folded\r\n\tName <folded@example.org>", "Folded\r\n across lines"), "folded@example.org"),
]

QUESTION = "Hi,\n\nCould you send me the contract by Friday?\n\nAlex\n"


def corpus_messages(first_number: int) -> list[dict[str, Any]]:
    """The notmuch `broken/` messages with their headers as on the wire (raw 8-bit bytes decoded with
    replacement, as Gmail serves undecodable bytes), or none when ../shared/corpora is absent."""
    if not BROKEN_CORPUS.is_dir():
        return []
    found = []
    for offset, path in enumerate(sorted(p for p in BROKEN_CORPUS.rglob("*") if p.is_file())):
        head = path.read_bytes().replace(b"\r\n", b"\n").split(b"\n\n", 1)[0].decode("utf-8", "replace")
        headers: list[tuple[str, str]] = []
        for line in head.split("\n"):
            if line[:1] in (" ", "\t") and headers:
                headers[-1] = (headers[-1][0], headers[-1][1] + " " + line.strip())
            elif ":" in line:
                name, _, value = line.partition(":")
                headers.append((name, value.strip()))
        found.append(message(first_number + offset, days_ago=3 + offset / 10, headers=headers))
    return found


def malformed_mailbox() -> dict[str, Any]:
    messages = [
        message(number, days_ago=1 + number / 100, headers=bad.headers)
        for number, bad in enumerate(BAD_MAIL, 1)
    ]
    # Among the junk, mail that makes findings: an unanswered question to an oddly named contact...
    asked = message(
        900,
        labels=("SENT",),
        days_ago=10,
        headers=[
            ("From", f"Alex Morgan <{USER}>"),
            ("To", "=?x-unknown?q?Ren=E9?= <rene@example.org>"),
            ("Subject", "=?utf-8?q?Contrat_=C3=A0_signer?="),
            ("Message-ID", "<contract@example.com>"),
        ],
        body=QUESTION,
    )
    # ...and a meeting with an attendee whose name is as broken.
    meeting = event("brokennames", hours_ago=6, attendees=["hana@example.org"])
    meeting["attendees"][1]["displayName"] = "=?x-unknown?q?Hana?= \x00"
    return mailbox([*messages, asked, *corpus_messages(1000)], events=[meeting])


def test_a_cycle_over_malformed_mail_stores_every_message_and_finds_what_is_there(
    rapport_site: SiteFactory, engine_url: str
) -> None:
    document = malformed_mailbox()
    served = document["users"][0]["messages"]
    site = rapport_site(document, "malformed", store_url=engine_url)

    result = site.invoke("run", "--once")

    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    engine = create_engine(site.store_url)
    with Session(engine) as session:
        stored = {
            row.gmail_id: row
            for row in session.scalars(select(Message).options(selectinload(Message.addresses)))
        }
        findings = sorted((finding.kind, finding.state) for finding in session.scalars(select(Finding)))
    engine.dispose()
    assert {gmail_id for gmail_id in stored if not stored[gmail_id].is_draft} == {m["id"] for m in served}
    for number, bad in enumerate(BAD_MAIL, start=1):
        row = stored[gmail_id(number)]
        assert row.from_email == bad.sender, number
        assert row.internal_date is not None
        if bad.problem is not None:
            assert bad.problem in (row.parse_problems or ""), number
    assert len([a for a in stored[gmail_id(16)].addresses if a.role == "to"]) == 1000
    assert stored[gmail_id(7)].from_name == "Jürgen Groß"
    assert stored[gmail_id(11)].subject == "a NUL byte"
    assert stored[gmail_id(22)].from_name == "🦄 Unicorn"
    assert (stored[gmail_id(23)].from_name, stored[gmail_id(23)].subject) == (
        "Folded Name",
        "Folded across lines",
    )
    assert len(stored[gmail_id(17)].subject or "") >= 2000  # kept (as much as the store keeps)
    assert findings == [("awaiting_reply", "drafted"), ("thank_you", "drafted")]
    recipients = sorted(to.rsplit("<", 1)[-1].rstrip(">") for _key, to, _subject, _body in gmail_drafts(site))
    assert recipients == ["hana@example.org", "rene@example.org"]
    assert NOW - timedelta(days=30) < stored[gmail_id(900)].internal_date
