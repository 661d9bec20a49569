"""The header-decoding switch: whether Gmail decodes RFC 2047 words in payload.headers is undocumented, so
the sandbox serves them as stored or decoded, and a client is tested against both."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from sandbox.state import SandboxState
from sandbox.testing import credentials_for, gmail_service
from tests.fixtures_sandbox import SandboxFactory

USER = "alex@example.com"
ENCODED_FROM = "=?ISO-8859-1?Q?Ren=E9e_Dupont?= <renee@example.fr>"
ENCODED_SUBJECT = "=?UTF-8?B?UsOpc3Vtw6kgcmXDp3U=?="
BROKEN = "=?X-UNKNOWN-CHARSET?Q?abc?= <odd@example.org>"


def _served_headers(sandbox_factory: SandboxFactory, *, decode: bool, fmt: str) -> tuple[dict[str, str], Any]:
    document = {"format": "rapport-sandbox-mailbox/1", "users": [{"email": USER, "messages": []}]}
    state = SandboxState.from_mailbox(document, decode_headers=decode)
    message_id = state.deliver(
        USER,
        from_=ENCODED_FROM,
        to=USER,
        subject=ENCODED_SUBJECT,
        body="Bonjour",
        headers={"Reply-To": BROKEN},
    )
    server = sandbox_factory(state)
    message = (
        gmail_service(server, credentials_for(server, USER))
        .users()
        .messages()
        .get(userId="me", id=message_id, format=fmt)
        .execute()
    )
    headers = {header["name"]: header["value"] for header in message.get("payload", {}).get("headers", [])}
    return headers, message


@pytest.mark.parametrize("fmt", ["metadata", "full"])
def test_headers_are_served_as_stored_by_default(sandbox_factory: SandboxFactory, fmt: str) -> None:
    headers, _ = _served_headers(sandbox_factory, decode=False, fmt=fmt)
    assert headers["From"] == ENCODED_FROM
    assert headers["Subject"] == ENCODED_SUBJECT


@pytest.mark.parametrize("fmt", ["metadata", "full"])
def test_headers_are_served_decoded_when_the_switch_is_on(sandbox_factory: SandboxFactory, fmt: str) -> None:
    headers, _ = _served_headers(sandbox_factory, decode=True, fmt=fmt)
    assert headers["From"] == "Renée Dupont <renee@example.fr>"
    assert headers["Subject"] == "Résumé reçu"


def test_an_undecodable_word_is_served_as_stored_even_when_decoding(sandbox_factory: SandboxFactory) -> None:
    headers, _ = _served_headers(sandbox_factory, decode=True, fmt="metadata")
    assert headers["Reply-To"] == BROKEN


def test_raw_is_the_wire_form_whatever_the_switch(sandbox_factory: SandboxFactory) -> None:
    _, message = _served_headers(sandbox_factory, decode=True, fmt="raw")
    raw = base64.urlsafe_b64decode(message["raw"])
    assert f"Subject: {ENCODED_SUBJECT}".encode() in raw
