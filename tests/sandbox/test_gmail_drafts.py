"""Drafts as Rapport writes them (JSON `raw`, never media upload) and as the user then treats them in Gmail:
create, list, get, update (a new message id), delete, Gmail's threading rule, and the user sending,
editing or discarding a draft."""

from __future__ import annotations

import base64
import email
import email.policy
from email.message import EmailMessage
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from sandbox.state import SandboxState
from sandbox.testing import credentials_for, gmail_service
from tests.fixtures_sandbox import ALEX, SandboxFactory, small_mailbox_document

THREAD = "18c0000000000001"  # "Coffee next week?" from Dana, answered by Alex with <reply-1@example.com>


def _raw(
    *,
    subject: str = "Re: Coffee next week?",
    in_reply_to: str | None = "<reply-1@example.com>",
    body: str = "Thanks again for the coffee!",
    extra: dict[str, str] | None = None,
) -> str:
    message = EmailMessage()
    message["From"] = f"Alex Morgan <{ALEX}>"
    message["To"] = "Dana Reyes <dana@acme.io>"
    message["Subject"] = subject
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    for name, value in (extra or {}).items():
        message[name] = value
    message.set_content(body)
    return base64.urlsafe_b64encode(message.as_bytes()).decode()


@pytest.fixture
def state() -> SandboxState:
    return SandboxState.from_mailbox(small_mailbox_document())


@pytest.fixture
def users(sandbox_factory: SandboxFactory, state: SandboxState) -> Any:
    server = sandbox_factory(state)
    return gmail_service(server, credentials_for(server, ALEX)).users()


def _create(users: Any, raw: str, thread_id: str | None = THREAD) -> dict[str, Any]:
    message: dict[str, Any] = {"raw": raw}
    if thread_id is not None:
        message["threadId"] = thread_id
    return dict(users.drafts().create(userId="me", body={"message": message}).execute())


def test_a_created_draft_is_a_draft_labelled_message(users: Any) -> None:
    draft = _create(users, _raw())
    assert draft["id"].startswith("r")
    assert draft["id"][1:].isdigit()
    assert draft["message"]["labelIds"] == ["DRAFT"]
    stored = users.messages().get(userId="me", id=draft["message"]["id"], format="full").execute()
    assert base64.urlsafe_b64decode(stored["payload"]["body"]["data"]).decode().strip() == (
        "Thanks again for the coffee!"
    )


def test_a_reply_draft_joins_the_thread_it_answers(users: Any) -> None:
    assert _create(users, _raw())["message"]["threadId"] == THREAD


@pytest.mark.parametrize(
    ("raw", "thread_id"),
    [
        (_raw(in_reply_to=None), THREAD),  # no References / In-Reply-To
        (_raw(subject="Something else entirely"), THREAD),  # subject does not match the thread's
        (_raw(in_reply_to="<digest-48@digest.example>"), THREAD),  # names a message of another thread
        (_raw(), "18c00000000000ff"),  # the thread does not exist
        (_raw(), None),  # no threadId asked for
    ],
    ids=["no-references", "other-subject", "foreign-reference", "unknown-thread", "no-thread-id"],
)
def test_a_draft_that_breaks_the_threading_rule_starts_its_own_thread(
    users: Any, raw: str, thread_id: str | None
) -> None:
    draft = _create(users, raw, thread_id)
    assert draft["message"]["threadId"] == draft["message"]["id"]


def test_gmail_gives_a_message_id_header_to_a_draft_without_one(users: Any) -> None:
    draft = _create(users, _raw())
    stored = (
        users.messages()
        .get(userId="me", id=draft["message"]["id"], format="metadata", metadataHeaders=["Message-ID"])
        .execute()
    )
    assert stored["payload"]["headers"][0]["value"].startswith("<")


def test_an_update_replaces_the_message_with_a_new_id_and_keeps_the_draft_id(users: Any) -> None:
    draft = _create(users, _raw())
    updated = (
        users.drafts()
        .update(
            userId="me",
            id=draft["id"],
            body={"message": {"raw": _raw(body="Second take"), "threadId": THREAD}},
        )
        .execute()
    )
    assert updated["id"] == draft["id"]
    assert updated["message"]["id"] != draft["message"]["id"]
    assert updated["message"]["threadId"] == THREAD
    with pytest.raises(HttpError) as raised:
        users.messages().get(userId="me", id=draft["message"]["id"]).execute()
    assert raised.value.resp.status == 404
    fetched = users.drafts().get(userId="me", id=draft["id"], format="raw").execute()
    assert b"Second take" in base64.urlsafe_b64decode(fetched["message"]["raw"])


def test_drafts_are_listed_newest_first_and_paged(users: Any) -> None:
    first = _create(users, _raw(body="one"))
    second = _create(users, _raw(subject="Fresh topic", in_reply_to=None), thread_id=None)
    page = users.drafts().list(userId="me", maxResults=1).execute()
    rest = users.drafts().list(userId="me", maxResults=1, pageToken=page["nextPageToken"]).execute()
    assert page["drafts"] == [
        {
            "id": second["id"],
            "message": {"id": second["message"]["id"], "threadId": second["message"]["threadId"]},
        }
    ]
    assert [draft["id"] for draft in rest["drafts"]] == [first["id"]]
    assert page["resultSizeEstimate"] == 2
    found = users.drafts().list(userId="me", q="subject:fresh").execute()
    assert [draft["id"] for draft in found["drafts"]] == [second["id"]]


def test_a_deleted_draft_and_its_message_are_gone(users: Any) -> None:
    draft = _create(users, _raw())
    assert users.drafts().delete(userId="me", id=draft["id"]).execute() == ""
    for request in (
        users.drafts().get(userId="me", id=draft["id"]),
        users.messages().get(userId="me", id=draft["message"]["id"]),
        users.drafts().delete(userId="me", id=draft["id"]),
    ):
        with pytest.raises(HttpError) as raised:
            request.execute()
        assert raised.value.resp.status == 404
    assert users.drafts().list(userId="me").execute() == {"resultSizeEstimate": 0}


def test_a_multipart_draft_keeps_its_parts(users: Any) -> None:
    message = EmailMessage()
    message["To"] = "dana@acme.io"
    message["Subject"] = "Slides"
    message.set_content("Plain version")
    message.add_alternative("<p>HTML version</p>", subtype="html")
    raw = base64.urlsafe_b64encode(message.as_bytes()).decode()
    draft = _create(users, raw, thread_id=None)
    full = users.messages().get(userId="me", id=draft["message"]["id"], format="full").execute()
    payload = full["payload"]
    assert payload["mimeType"] == "multipart/alternative"
    assert [part["mimeType"] for part in payload["parts"]] == ["text/plain", "text/html"]
    assert [part["partId"] for part in payload["parts"]] == ["0", "1"]
    assert base64.urlsafe_b64decode(payload["parts"][0]["body"]["data"]).decode().strip() == "Plain version"
    assert full["snippet"] == "Plain version"
    raw_back = users.messages().get(userId="me", id=draft["message"]["id"], format="raw").execute()["raw"]
    assert base64.urlsafe_b64decode(raw_back).endswith(message.as_bytes())


@pytest.mark.parametrize(
    "body",
    [{}, {"message": {}}, {"message": {"raw": "%%% not base64 %%%"}}],
    ids=["no-message", "no-raw", "bad-base64"],
)
def test_an_unusable_upload_is_a_bad_request(users: Any, body: dict[str, Any]) -> None:
    with pytest.raises(HttpError) as raised:
        users.drafts().create(userId="me", body=body).execute()
    assert raised.value.resp.status == 400


def test_the_user_sending_a_draft_leaves_a_sent_message_with_its_headers_in_its_thread(
    users: Any, state: SandboxState
) -> None:
    draft = _create(users, _raw(extra={"X-Rapport-Draft": "thank_you:coffee20251127"}))
    sent_id = state.user_sends_draft(ALEX, draft["id"])
    assert state.drafts(ALEX) == []
    sent = users.messages().get(userId="me", id=sent_id, format="raw").execute()
    assert sent["labelIds"] == ["SENT"]
    assert sent["threadId"] == THREAD
    assert sent_id != draft["message"]["id"]
    parsed = email.message_from_bytes(base64.urlsafe_b64decode(sent["raw"]), policy=email.policy.default)
    assert parsed["X-Rapport-Draft"] == "thank_you:coffee20251127"


def test_the_user_editing_a_draft_gives_it_a_new_message(users: Any, state: SandboxState) -> None:
    draft = _create(users, _raw())
    new_message_id = state.user_edits_draft(ALEX, draft["id"], body="Edited by hand")
    [summary] = state.drafts(ALEX)
    assert summary["id"] == draft["id"]
    assert summary["messageId"] == new_message_id != draft["message"]["id"]
    assert summary["body"].strip() == "Edited by hand"
    assert summary["threadId"] == THREAD


def test_the_user_discarding_a_draft_removes_it(users: Any, state: SandboxState) -> None:
    draft = _create(users, _raw())
    state.user_deletes_draft(ALEX, draft["id"])
    assert users.drafts().list(userId="me").execute() == {"resultSizeEstimate": 0}


def test_a_sent_draft_without_a_sender_is_from_the_user(users: Any, state: SandboxState) -> None:
    raw = base64.urlsafe_b64encode(b"To: dana@acme.io\r\nSubject: Quick one\r\n\r\nHello").decode()
    draft = _create(users, raw, thread_id=None)
    sent_id = state.user_sends_draft(ALEX, draft["id"])
    headers = {header["name"]: header["value"] for header in state.message(ALEX, sent_id)["headers"]}
    assert headers["From"] == f"Alex Morgan <{ALEX}>"
    assert "Date" in headers
