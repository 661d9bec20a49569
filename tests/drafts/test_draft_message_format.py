"""The message Rapport puts in a draft: headers that thread and display correctly, plain UTF-8 text."""

from __future__ import annotations

import base64
import email
import email.policy
from email.message import EmailMessage

import pytest

from sync.drafts_mime import (
    MAX_REFERENCES,
    Mailbox,
    body_fingerprint,
    body_from_raw,
    build_message,
    create_request_body,
    new_message_id,
    reply_headers,
    reply_subject,
)

ALEX = Mailbox("alex@example.com", "Alex Mørgan")


def _parse(raw: str) -> EmailMessage:
    parsed = email.message_from_bytes(base64.urlsafe_b64decode(raw), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_non_ascii_names_and_subject_travel_as_rfc2047_and_read_back_intact() -> None:
    message = build_message(
        sender=ALEX,
        to=[Mailbox("zoe@example.org", "Zoë Çelik"), Mailbox("dana@acme.io", "Kim, Dana")],
        subject="Danke schön — Café ☕",
        body="Hi Zoë,\n\nÇa va?\n",
        draft_key="thank_you:ev1:zoe@example.org",
        message_id=new_message_id("alex@example.com"),
    )
    body = create_request_body(message, None)
    wire = base64.urlsafe_b64decode(body["message"]["raw"])

    assert wire.isascii()  # encoded words and quoted-printable: 7-bit clean on the wire
    assert b"=?utf-8?" in wire
    assert "threadId" not in body["message"]
    parsed = _parse(body["message"]["raw"])
    assert str(parsed["Subject"]) == "Danke schön — Café ☕"
    assert str(parsed["From"]) == "Alex Mørgan <alex@example.com>"
    assert [address.display_name for address in parsed["To"].addresses] == ["Zoë Çelik", "Kim, Dana"]
    assert parsed["X-Rapport-Key"] == "thank_you:ev1:zoe@example.org"
    assert parsed.get_content_type() == "text/plain"
    assert parsed.get_content_charset() == "utf-8"
    assert body_from_raw(body["message"]["raw"]).replace("\r\n", "\n") == "Hi Zoë,\n\nÇa va?\n"


def test_a_reply_carries_its_thread_and_threading_headers() -> None:
    reply = reply_headers("<m2@acme.io>", "<m0@acme.io> <m1@acme.io>")
    message = build_message(
        sender=ALEX,
        to=[Mailbox("dana@acme.io")],
        subject=reply_subject("Re: RE: Roadmap"),
        body="Hi\n",
        draft_key="cold_contact:dana@acme.io:2026-07-02",
        message_id="<new@example.com>",
        reply=reply,
    )
    body = create_request_body(message, "thread-1")

    parsed = _parse(body["message"]["raw"])
    assert body["message"]["threadId"] == "thread-1"
    assert parsed["Subject"] == "Re: Roadmap"
    assert parsed["In-Reply-To"] == "<m2@acme.io>"
    assert parsed["References"] == "<m0@acme.io> <m1@acme.io> <m2@acme.io>"


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Roadmap", "Re: Roadmap"),
        ("Re: Roadmap", "Re: Roadmap"),
        ("RE: re: Re:Roadmap", "Re: Roadmap"),
        ("AW: Termin", "Re: Termin"),
        ("Re[2]: Plan", "Re: Plan"),
        ("Fwd: Notes", "Re: Fwd: Notes"),
        ("Regarding the plan", "Re: Regarding the plan"),
        ("", "Re:"),
        (None, "Re:"),
    ],
)
def test_a_reply_subject_never_stacks_re(subject: str | None, expected: str) -> None:
    assert reply_subject(subject) == expected


def test_references_are_trimmed_keeping_the_root_and_the_latest() -> None:
    chain = " ".join(f"<m{i}@x>" for i in range(40))

    headers = reply_headers("<m40@x>", chain)

    ids = headers.references.split()
    assert len(ids) == MAX_REFERENCES
    assert ids[0] == "<m0@x>"
    assert ids[-1] == "<m40@x>"


def test_a_reply_to_a_broken_message_id_is_refused() -> None:
    with pytest.raises(ValueError, match="not a Message-ID"):
        reply_headers("", None)


def test_header_injection_through_names_or_subjects_is_impossible() -> None:
    message = build_message(
        sender=ALEX,
        to=[Mailbox("dana@acme.io", "Dana\r\nBcc: spy@evil.example")],
        subject="Hi\nBcc: spy@evil.example",
        body="x\n",
        draft_key="k",
        message_id="<id@example.com>",
    )

    parsed = _parse(create_request_body(message, None)["message"]["raw"])
    assert parsed["Bcc"] is None
    assert parsed["Subject"] == "Hi Bcc: spy@evil.example"


def test_a_draft_without_recipients_is_refused() -> None:
    with pytest.raises(ValueError, match="recipient"):
        build_message(sender=ALEX, to=[], subject="x", body="x", draft_key="k", message_id="<i@x>")


def test_an_internationalised_address_travels_as_utf8_and_reads_back_intact() -> None:
    message = build_message(
        sender=ALEX,
        to=[Mailbox("inès@example.fr", "Inès Dupont"), Mailbox("dana@acme.io", "Kim, Dana")],
        subject="Merci — café",
        body="Bonjour Inès,\n",
        draft_key="thank_you:ev1:inès@example.fr",
        message_id=new_message_id("alex@example.com"),
    )
    wire = base64.urlsafe_b64decode(create_request_body(message, None)["message"]["raw"])

    assert 'To: Inès Dupont <inès@example.fr>, "Kim, Dana" <dana@acme.io>'.encode() in wire
    parsed = email.message_from_string(wire.decode("utf-8"), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    assert [address.addr_spec for address in parsed["To"].addresses] == ["inès@example.fr", "dana@acme.io"]
    assert str(parsed["Subject"]) == "Merci — café"
    assert body_from_raw(create_request_body(message, None)["message"]["raw"]).strip() == "Bonjour Inès,"


@pytest.mark.parametrize(
    "address",
    ["taro..yamada@docomo.ne.jp", "pat@", "@acme.io", "ïn s@acme.io", '"ïn s"@acme.io', "x<y>@a.io"],
)
def test_an_address_that_cannot_be_written_is_refused_as_such(address: str) -> None:
    with pytest.raises(ValueError, match="address"):
        build_message(
            sender=ALEX,
            to=[Mailbox(address, "Pat")],
            subject="x",
            body="x",
            draft_key="k",
            message_id="<i@x>",
        )


def test_the_body_fingerprint_survives_gmails_re_encoding_but_not_an_edit() -> None:
    written = "Hi Dana,\n\nThanks!\n"

    assert body_fingerprint("Hi Dana,\r\n\r\nThanks!  \r\n") == body_fingerprint(written)
    assert body_fingerprint("Hi Dana,\n\nThanks a lot!\n") != body_fingerprint(written)
