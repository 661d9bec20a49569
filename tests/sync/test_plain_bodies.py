"""The rules read a few message bodies: fetched in full, decoded, the text part found, counted in quota,
never stored."""

from __future__ import annotations

import base64

from sqlalchemy import inspect

from store.models import Message
from sync.bodies import fetch_plain_bodies, plain_text
from tests.fixtures_sync import SyncEnvFactory, gmail_id, mailbox, message


def _data(text: str, charset: str = "utf-8") -> str:
    return base64.urlsafe_b64encode(text.encode(charset)).decode().rstrip("=")


def test_bodies_of_the_asked_messages_are_fetched_in_full(sync_env: SyncEnvFactory) -> None:
    env = sync_env(
        mailbox(
            [
                message(1, body="Could you send me the schedule?\n\n> quoted"),
                message(2, body="Thanks, queued."),
                message(3),
            ]
        )
    )

    bodies = fetch_plain_bodies(env.api, [gmail_id(1), gmail_id(2), "18cfffffffffffff"])

    assert bodies[gmail_id(1)].startswith("Could you send me the schedule?")
    assert bodies[gmail_id(2)].startswith("Thanks, queued.")
    assert set(bodies) == {gmail_id(1), gmail_id(2)}  # a message that does not exist is left out
    assert env.server.log.count("gmail.users.messages.get") == 3
    assert env.api.meter.snapshot().units == 15


def test_the_text_part_is_found_in_a_multipart_message() -> None:
    payload = {
        "mimeType": "multipart/mixed",
        "parts": [
            {
                "mimeType": "multipart/alternative",
                "parts": [
                    {
                        "mimeType": "text/plain",
                        "headers": [{"name": "Content-Type", "value": 'text/plain; charset="iso-8859-1"'}],
                        "body": {"data": _data("Grüße, could you call?", "iso-8859-1")},
                    },
                    {"mimeType": "text/html", "body": {"data": _data("<p>ignored</p>")}},
                ],
            },
            {"mimeType": "text/plain", "filename": "notes.txt", "body": {"attachmentId": "a1"}},
        ],
    }

    assert plain_text(payload) == "Grüße, could you call?"


def test_html_only_mail_is_read_as_text() -> None:
    payload = {
        "mimeType": "text/html",
        "body": {"data": _data("<style>p{}</style><p>Any update?</p><p>Best, Dana</p>")},
    }

    assert plain_text(payload) == "\nAny update?\nBest, Dana"


def test_the_store_has_no_place_for_bodies() -> None:
    columns = {column.key for column in inspect(Message).columns}
    assert not {"body", "text", "content", "payload", "raw"} & columns
