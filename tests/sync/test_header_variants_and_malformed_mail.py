"""Headers as the internet writes them: whether Gmail serves encoded words decoded or not, the store is the
same; mail with broken headers is stored with what could be parsed, and the sync never stops on content."""

from __future__ import annotations

import pytest

from sandbox.state import SandboxState
from tests.fixtures_sync import USER, SyncEnvFactory, gmail_id, mailbox, message

ENCODED = [
    message(
        1,
        headers=[
            ("From", "=?utf-8?q?M=C3=BCller=2C_Hans?= <hans@example.de>"),
            ("To", f"=?iso-8859-1?q?Andr=E9?= <andre@example.fr>, {USER}"),
            ("Subject", "=?utf-8?b?QXDDqXJpdGlmIMOgIDE4aD8=?="),
            ("Message-ID", "<enc-1@example.de>"),
        ],
    ),
    message(
        2,
        headers=[
            ("From", "=?UTF-8?Q?Zo=C3=AB_Chen?= <zoe@example.org>"),
            ("To", USER),
            ("Subject", "Re: =?utf-8?q?Caf=C3=A9?= and =?utf-8?q?cr=C3=A8me?="),
        ],
    ),
    message(3, headers=[("From", "plain@example.org"), ("To", USER), ("Subject", "Nothing encoded")]),
]


@pytest.mark.parametrize("decoded", [False, True])
def test_encoded_words_give_the_same_store_whether_gmail_decodes_them_or_not(
    sync_env: SyncEnvFactory, decoded: bool
) -> None:
    env = sync_env(SandboxState.from_mailbox(mailbox(ENCODED), decode_headers=decoded))

    env.sync()

    hans = env.stored(gmail_id(1))
    assert (hans.from_email, hans.from_name) == ("hans@example.de", "Müller, Hans")
    assert hans.subject == "Apéritif à 18h?"
    assert [(a.email, a.name) for a in hans.addresses if a.role == "to"] == [
        ("andre@example.fr", "André"),
        (USER, None),
    ]
    assert env.stored(gmail_id(2)).from_name == "Zoë Chen"
    assert env.stored(gmail_id(2)).subject == "Re: Café and crème"


def cjk(length: int, start: int = 0) -> str:
    """`length` different CJK ideographs (3 bytes each in UTF-8): text PostgreSQL cannot compress away."""
    return "".join(chr(0x4E00 + (start + n * 7919) % 20_000) for n in range(length))


MALFORMED = [
    message(
        1, headers=[("From", "=?x-unknown?q?caf=E9?= <cafe@example.org>"), ("Subject", "Unknown charset")]
    ),
    message(2, headers=[("From", '"Dana Reyes <dana@acme.io>'), ("Subject", "Unterminated quote")]),
    message(3, headers=[("From", "Jürgen Groß <juergen@example.de>"), ("Subject", "Grüße aus Köln")]),
    message(4, headers=[("From", ""), ("Subject", "Empty From")]),
    message(5, headers=[("To", USER), ("Subject", "No From at all")]),
    message(
        6,
        headers=[
            ("From", "boss@example.org"),
            ("To", ", ".join(f"Person {n} <p{n}@example.org>" for n in range(1000))),
            ("Subject", "A thousand recipients"),
        ],
    ),
    message(7, headers=[("From", "long@example.org"), ("Subject", "x" * 100_000)]),
    message(
        8,
        headers=[
            ("From", "dates@example.org"),
            ("Date", "sometime last week"),
            ("Message-ID", "no-brackets@example.org"),
            ("References", "<yes> <a@b> <a@b> garbage"),
            ("Subject", "=?utf-8?b?!!!not-base64?="),
        ],
    ),
    message(
        9, headers=[("From", "Bob, <>, @, bob@@example.org, bob@example.org"), ("Subject", "Address soup")]
    ),
    message(
        10,
        headers=[
            ("From", "Nul\x00 Byte <nul@example.org>"),
            ("Subject", "Zero\x00 byte"),
            ("Message-ID", "<zero\x00@example.org>"),
            ("In-Reply-To", "<parent\x00@example.org>"),
            ("References", "<parent\x00@example.org>"),
            ("List-Id", "<spam\x00.example.org>"),
        ],
    ),
    # Values longer than any real one, in columns the store indexes: PostgreSQL refuses a btree index row
    # over 2,704 bytes, and one such message would stop the account's sync on every run.
    message(11, headers=[("From", "cjk@example.org"), ("Message-ID", cjk(2000)), ("Subject", "CJK id")]),
    message(
        12,
        headers=[
            ("From", "bracketed@example.org"),
            ("Message-ID", f"<{cjk(1000, 1)}@example.org>"),
            ("In-Reply-To", f"<{cjk(1000, 1)}@example.org>"),
            ("Subject", "A long bracketed id"),
        ],
    ),
    message(13, headers=[("From", "key@example.org"), ("X-Rapport-Key", cjk(2000, 2)), ("Subject", "Key")]),
    message(
        14,
        headers=[
            ("From", f"{cjk(3000, 3)}@example.org, short@example.org"),
            ("To", f"Long <{cjk(3000, 3)}@example.org>, {USER}"),
            ("Subject", "A long address"),
        ],
    ),
]


@pytest.mark.parametrize("decoded", [False, True])
def test_malformed_headers_are_stored_with_what_could_be_parsed(
    sync_env: SyncEnvFactory, decoded: bool
) -> None:
    env = sync_env(SandboxState.from_mailbox(mailbox(MALFORMED), decode_headers=decoded))

    report = env.sync()

    assert not report.interrupted
    assert env.stored_ids() == {gmail_id(n) for n in range(1, 15)}
    assert env.stored(gmail_id(1)).from_email == "cafe@example.org"
    assert env.stored(gmail_id(2)).from_email == "dana@acme.io"
    juergen = env.stored(gmail_id(3))
    assert (juergen.from_email, juergen.from_name, juergen.subject) == (
        "juergen@example.de",
        "Jürgen Groß",
        "Grüße aus Köln",
    )
    for number in (4, 5):
        nobody = env.stored(gmail_id(number))
        assert nobody.from_email is None
        assert "no usable From address" in (nobody.parse_problems or "")
    assert len(env.addresses(gmail_id(6), "to")) == 1000
    long_subject = env.stored(gmail_id(7)).subject or ""
    assert long_subject == "x" * 2000
    odd = env.stored(gmail_id(8))
    assert odd.date_header is None
    assert odd.internal_date is not None
    assert odd.message_id_header == "<no-brackets@example.org>"
    assert odd.references_header == "<yes> <a@b>"
    assert env.stored(gmail_id(9)).from_email == "bob@example.org"
    # PostgreSQL refuses NUL in text: spam that carries one must not stop the sync for good.
    zero = env.stored(gmail_id(10))
    assert (zero.from_name, zero.subject) == ("Nul Byte", "Zero byte")
    assert (zero.message_id_header, zero.in_reply_to) == ("<zero@example.org>", "<parent@example.org>")
    assert zero.list_id == "<spam.example.org>"
    assert "NUL" in (zero.parse_problems or "")
    for number in (11, 12):
        overlong = env.stored(gmail_id(number))
        assert overlong.message_id_header is None
        assert "Message-ID" in (overlong.parse_problems or "")
    assert env.stored(gmail_id(12)).in_reply_to == f"<{cjk(1000, 1)}@example.org>"  # not indexed: kept
    not_ours = env.stored(gmail_id(13))
    assert not_ours.rapport_key is None
    assert "X-Rapport-Key" in (not_ours.parse_problems or "")
    # No address longer than RFC 5321 allows is kept (store.addresses); the others are.
    long_address = env.stored(gmail_id(14))
    assert long_address.from_email == "short@example.org"
    assert env.addresses(gmail_id(14), "to") == [USER]
    assert "address longer than 254 characters not kept" in (long_address.parse_problems or "")
