"""What happens to a real account while Rapport is not looking — mail arrives, the user replies by hand —
threaded as Gmail threads it, and the same mutations driven out of process through the admin endpoint."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.errors import ApiError
from sandbox.state import SandboxState
from sandbox.testing import credentials_for, gmail_service
from tests.fixtures_sandbox import ALEX, SandboxFactory, raw_request, small_mailbox_document

QUESTION = "18c0000000000001"  # Dana: "Coffee next week?"
REPLY = "18c0000000000002"  # Alex: "Re: Coffee next week?"


@pytest.fixture
def state() -> SandboxState:
    return SandboxState.from_mailbox(small_mailbox_document())


def _headers(state: SandboxState, message_id: str) -> dict[str, str]:
    return {header["name"]: header["value"] for header in state.message(ALEX, message_id)["headers"]}


def test_a_reply_that_arrives_joins_the_thread_and_names_what_it_answers(state: SandboxState) -> None:
    answer = state.deliver(
        ALEX,
        from_="Dana Reyes <dana@acme.io>",
        to=ALEX,
        subject="Re: Coffee next week?",
        body="Great!",
        in_reply_to=REPLY,
    )
    message = state.message(ALEX, answer)
    assert message["threadId"] == QUESTION
    assert message["labelIds"] == ["INBOX", "UNREAD"]
    headers = _headers(state, answer)
    assert headers["In-Reply-To"] == "<reply-1@example.com>"
    assert headers["References"] == "<coffee-1@acme.io> <reply-1@example.com>"
    assert headers["Message-ID"].endswith("@acme.io>")


def test_given_only_a_thread_the_mail_answers_its_latest_message(state: SandboxState) -> None:
    answer = state.deliver(
        ALEX, from_="dana@acme.io", to=ALEX, subject="RE: coffee next week?", body="Yes", thread_id=QUESTION
    )
    assert state.message(ALEX, answer)["threadId"] == QUESTION
    assert _headers(state, answer)["In-Reply-To"] == "<reply-1@example.com>"


def test_a_reply_with_another_subject_starts_a_new_thread_as_gmail_does(state: SandboxState) -> None:
    answer = state.deliver(
        ALEX, from_="dana@acme.io", to=ALEX, subject="Different matter", body="Hi", in_reply_to=REPLY
    )
    assert state.message(ALEX, answer)["threadId"] == answer


def test_the_user_sending_by_hand_writes_a_sent_message_from_the_user(state: SandboxState) -> None:
    sent = state.user_sends(
        ALEX,
        to=["dana@acme.io", "sam@example.org"],
        cc="boss@example.com",
        subject="Plan",
        body="Here is the plan.",
        headers={"X-Mailer": "Gmail"},
    )
    message = state.message(ALEX, sent)
    assert message["labelIds"] == ["SENT"]
    headers = _headers(state, sent)
    assert headers["From"] == f"Alex Morgan <{ALEX}>"
    assert headers["To"] == "dana@acme.io, sam@example.org"
    assert headers["Cc"] == "boss@example.com"
    assert headers["X-Mailer"] == "Gmail"


def test_mutations_refuse_unknown_messages_labels_and_users(state: SandboxState) -> None:
    with pytest.raises(ApiError) as no_message:
        state.modify_labels(ALEX, "18c00000000000ff", add=["STARRED"])
    with pytest.raises(ApiError) as no_label:
        state.modify_labels(ALEX, QUESTION, add=["Label_404"])
    with pytest.raises(ApiError) as no_user:
        state.deliver("nobody@example.com", from_="a@b.example", to="x", subject="s", body="b")
    assert (no_message.value.status, no_label.value.status, no_user.value.status) == (404, 400, 404)


def test_mutate_takes_json_arguments_and_returns_json(state: SandboxState) -> None:
    message_id = state.mutate(
        "deliver",
        user=ALEX,
        **{"from": "sam@example.org"},
        to=ALEX,
        subject="Hello",
        body="Hi",
        at="2026-02-01T10:00:00Z",
        headers=[{"name": "List-Id", "value": "<team.lists.example>"}],
    )
    message = state.mutate("message", user=ALEX, message_id=message_id)
    assert message["internalDate"] == "1769940000000"
    assert {"name": "List-Id", "value": "<team.lists.example>"} in message["headers"]


@pytest.mark.parametrize(
    ("op", "args"),
    [("launch_rocket", {}), ("deliver", {"user": ALEX, "colour": "blue"})],
    ids=["unknown-op", "unknown-argument"],
)
def test_mutate_refuses_what_it_does_not_know(state: SandboxState, op: str, args: dict[str, Any]) -> None:
    with pytest.raises(ApiError) as raised:
        state.mutate(op, **args)
    assert raised.value.status == 400


def test_a_mutation_through_the_admin_endpoint_shows_in_the_api(
    sandbox_factory: SandboxFactory, state: SandboxState
) -> None:
    server = sandbox_factory(state)
    answer = raw_request(
        server,
        "POST",
        "/_admin/mutate",
        body={
            "op": "deliver",
            "args": {"user": ALEX, "from": "sam@example.org", "subject": "Ping", "body": "Hi", "to": ALEX},
        },
    )
    assert answer.status == 200
    message_id = answer.json["result"]
    listed = (
        gmail_service(server, credentials_for(server, ALEX)).users().messages().list(userId="me").execute()
    )
    assert listed["messages"][0]["id"] == message_id
