"""Calls Rapport must never make (sending, trashing, deleting, modifying mail; any calendar write) are
refused with 403 forbiddenBySandbox and recorded, and the sandbox fixture fails any test that makes one
without saying so."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import httplib2
import pytest
from googleapiclient.errors import HttpError

from sandbox.server import SandboxServer
from sandbox.testing import calendar_service, credentials_for, gmail_service
from tests.fixtures_sandbox import ALEX, SandboxFactory, raw_request

RAW_MAIL = "VG86IGRhbmFAYWNtZS5pbw0KU3ViamVjdDogSGkNCg0KSGku"
MAIL = b"To: dana@acme.io\r\nSubject: Hi\r\n\r\nHi."


def _upload(server: SandboxServer, target: str, token: str) -> int:
    """POST a mail as a simple media upload (Content-Type message/rfc822) and return the status.

    Over plain HTTP the real client cannot make this call: googleapiclient moves a media upload to the
    api_endpoint's host but keeps the discovery document's https scheme, so the bytes are sent raw."""
    response, _content = httplib2.Http().request(
        server.base_url + target,
        "POST",
        body=MAIL,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "message/rfc822"},
    )
    return int(response.status)


@pytest.mark.allow_forbidden
def test_sending_a_message_is_refused_and_recorded(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    token = server.tokens.issue_access_token(ALEX)
    messages_before = len(server.state.messages(ALEX))

    answer = raw_request(
        server, "POST", "/gmail/v1/users/me/messages/send", token=token, body={"raw": RAW_MAIL}
    )

    assert answer.status == 403
    assert answer.json["error"]["errors"][0]["reason"] == "forbiddenBySandbox"
    [record] = server.log.forbidden()
    assert (record.method_id, record.user, record.cost) == ("gmail.users.messages.send", ALEX, 0)
    assert record.at.tzinfo is not None
    assert len(server.state.messages(ALEX)) == messages_before


@pytest.mark.allow_forbidden
def test_sending_by_a_media_upload_path_is_refused_and_recorded_as_on_the_plain_path(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    token = server.tokens.issue_access_token(ALEX)
    messages_before = len(server.state.messages(ALEX))

    statuses = [
        raw_request(
            server, "POST", "/gmail/v1/users/me/messages/send", token=token, body={"raw": RAW_MAIL}
        ).status,
        _upload(server, "/upload/gmail/v1/users/me/messages/send?uploadType=media", token),
        _upload(server, "/resumable/upload/gmail/v1/users/me/drafts/send?uploadType=resumable", token),
    ]

    assert statuses == [403, 403, 403]
    assert [
        (record.method_id, record.user, record.cost, record.status) for record in server.log.forbidden()
    ] == [
        ("gmail.users.messages.send", ALEX, 0, 403),
        ("gmail.users.messages.send", ALEX, 0, 403),
        ("gmail.users.drafts.send", ALEX, 0, 403),
    ]
    assert len(server.state.messages(ALEX)) == messages_before


@pytest.mark.allow_forbidden
def test_every_mail_changing_call_through_the_client_is_refused(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    users = gmail_service(server, credentials_for(server, ALEX)).users()
    message_id = "18c0000000000001"
    attempts = [
        users.drafts().send(userId="me", body={"id": "r1"}),
        users.messages().trash(userId="me", id=message_id),
        users.messages().untrash(userId="me", id=message_id),
        users.messages().delete(userId="me", id=message_id),
        users.messages().modify(userId="me", id=message_id, body={"removeLabelIds": ["UNREAD"]}),
        users.messages().batchModify(userId="me", body={"ids": [message_id]}),
        users.messages().batchDelete(userId="me", body={"ids": [message_id]}),
        users.threads().trash(userId="me", id=message_id),
        users.threads().untrash(userId="me", id=message_id),
        users.threads().delete(userId="me", id=message_id),
        users.threads().modify(userId="me", id=message_id, body={"addLabelIds": ["STARRED"]}),
    ]

    statuses = []
    for attempt in attempts:
        with pytest.raises(HttpError) as raised:
            attempt.execute()
        statuses.append(raised.value.status_code)

    assert set(statuses) == {403}
    assert [record.method_id.removeprefix("gmail.users.") for record in server.log.forbidden()] == [
        "drafts.send",
        "messages.trash",
        "messages.untrash",
        "messages.delete",
        "messages.modify",
        "messages.batchModify",
        "messages.batchDelete",
        "threads.trash",
        "threads.untrash",
        "threads.delete",
        "threads.modify",
    ]
    assert len(server.state.messages(ALEX)) == 3


@pytest.mark.allow_forbidden
def test_calendar_writes_are_refused_and_recorded(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    events = calendar_service(server, credentials_for(server, ALEX)).events()
    new_event = {"summary": "x", "start": {"date": "2025-12-01"}, "end": {"date": "2025-12-02"}}

    for attempt in (
        events.insert(calendarId="primary", body=new_event),
        events.patch(calendarId="primary", eventId="coffee20251127", body={"summary": "y"}),
        events.delete(calendarId="primary", eventId="coffee20251127"),
    ):
        with pytest.raises(HttpError) as raised:
            attempt.execute()
        assert raised.value.status_code == 403

    assert [record.method_id for record in server.log.forbidden()] == [
        "calendar.events.insert",
        "calendar.events.patch",
        "calendar.events.delete",
    ]


def test_writing_a_draft_is_not_forbidden(
    sandbox_factory: SandboxFactory, small_mailbox: dict[str, Any]
) -> None:
    server = sandbox_factory(small_mailbox)
    gmail = gmail_service(server, credentials_for(server, ALEX))

    gmail.users().drafts().create(userId="me", body={"message": {"raw": RAW_MAIL}}).execute()

    assert server.log.forbidden() == []


FIXTURE_USER = textwrap.dedent(
    """
    import pytest

    from sandbox.testing import credentials_for, gmail_service
    from tests.fixtures_sandbox import ALEX, small_mailbox_document


    def _send(sandbox_factory):
        server = sandbox_factory(small_mailbox_document())
        users = gmail_service(server, credentials_for(server, ALEX)).users()
        with pytest.raises(Exception):
            users.messages().send(userId="me", body={"raw": "SGk="}).execute()


    def test_unmarked(sandbox_factory):
        _send(sandbox_factory)


    @pytest.mark.allow_forbidden
    def test_marked(sandbox_factory):
        _send(sandbox_factory)
    """
)


def test_the_fixture_fails_a_test_that_sends_unless_it_is_marked(tmp_path: Path) -> None:
    test_file = tmp_path / "test_sends.py"
    test_file.write_text(FIXTURE_USER)
    project_root = Path(__file__).resolve().parents[2]
    environment = {**os.environ, "PYTHONPATH": str(project_root)}

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.fixtures_sandbox",
            "-q",
            "-rA",
            "-p",
            "no:cacheprovider",
            str(test_file),
        ],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert "PASSED test_sends.py::test_marked" in result.stdout
    assert "ERROR test_sends.py::test_unmarked" in result.stdout
    assert "calls Rapport must never make reached the sandbox" in result.stdout
