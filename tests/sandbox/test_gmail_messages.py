"""messages.get, threads.get, getProfile and labels.list as Gmail serves them: every format, metadataHeaders,
internalDate as a string, Gmail's snippet, 404 for what does not exist."""

from __future__ import annotations

import base64
import email
import email.policy
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from sandbox.state import SandboxState
from sandbox.testing import credentials_for, gmail_service
from tests.fixtures_sandbox import ALEX, SandboxFactory, small_mailbox_document

FIRST = "18c0000000000001"  # Dana's question, first of a two-message thread
REPLY = "18c0000000000002"  # Alex's reply


def _gmail(sandbox_factory: SandboxFactory, state: SandboxState | None = None) -> Any:
    server = sandbox_factory(state or SandboxState.from_mailbox(small_mailbox_document()))
    return gmail_service(server, credentials_for(server, ALEX)).users()


def test_full_format_has_every_header_in_wire_order_and_the_body(sandbox_factory: SandboxFactory) -> None:
    message = _gmail(sandbox_factory).messages().get(userId="me", id=REPLY).execute()
    assert message["internalDate"] == "1764003600000"
    assert message["labelIds"] == ["SENT"]
    payload = message["payload"]
    assert [header["name"] for header in payload["headers"]] == [
        "From",
        "To",
        "Subject",
        "Date",
        "Message-ID",
        "In-Reply-To",
        "References",
    ]
    assert (payload["partId"], payload["mimeType"], payload["filename"]) == ("", "text/plain", "")
    assert base64.urlsafe_b64decode(payload["body"]["data"]).decode() == "Thursday works for me."
    assert payload["body"]["size"] == len("Thursday works for me.")


def test_metadata_format_has_headers_but_no_body(sandbox_factory: SandboxFactory) -> None:
    message = _gmail(sandbox_factory).messages().get(userId="me", id=REPLY, format="metadata").execute()
    assert set(message["payload"]) == {"mimeType", "headers"}
    assert len(message["payload"]["headers"]) == 7


def test_metadata_headers_are_case_insensitive_and_keep_wire_order(sandbox_factory: SandboxFactory) -> None:
    message = (
        _gmail(sandbox_factory)
        .messages()
        .get(userId="me", id=REPLY, format="metadata", metadataHeaders=["message-id", "FROM", "X-Absent"])
        .execute()
    )
    assert message["payload"]["headers"] == [
        {"name": "From", "value": f"Alex Morgan <{ALEX}>"},
        {"name": "Message-ID", "value": "<reply-1@example.com>"},
    ]


def test_minimal_format_has_ids_labels_snippet_and_dates_only(sandbox_factory: SandboxFactory) -> None:
    message = _gmail(sandbox_factory).messages().get(userId="me", id=FIRST, format="minimal").execute()
    assert set(message) == {
        "id",
        "threadId",
        "labelIds",
        "snippet",
        "sizeEstimate",
        "historyId",
        "internalDate",
    }
    assert message["snippet"] == "Are you free for a coffee next week?"


def test_raw_format_is_the_rfc822_message(sandbox_factory: SandboxFactory) -> None:
    message = _gmail(sandbox_factory).messages().get(userId="me", id=REPLY, format="raw").execute()
    assert "payload" not in message
    raw = base64.urlsafe_b64decode(message["raw"])
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["In-Reply-To"] == "<coffee-1@acme.io>"
    assert parsed.get_content().strip() == "Thursday works for me."
    assert message["sizeEstimate"] == len(raw)


def test_unknown_ids_are_not_found_and_malformed_ids_are_bad_requests(
    sandbox_factory: SandboxFactory,
) -> None:
    users = _gmail(sandbox_factory)
    with pytest.raises(HttpError) as unknown:
        users.messages().get(userId="me", id="18c00000000000ff").execute()
    with pytest.raises(HttpError) as malformed:
        users.messages().get(userId="me", id="not-an-id").execute()
    with pytest.raises(HttpError) as no_thread:
        users.threads().get(userId="me", id="18c00000000000ff").execute()
    assert unknown.value.resp.status == 404
    assert "Requested entity was not found." in str(unknown.value)
    assert malformed.value.resp.status == 400
    assert no_thread.value.resp.status == 404


def test_a_snippet_is_whitespace_collapsed_html_escaped_and_about_200_characters(
    sandbox_factory: SandboxFactory,
) -> None:
    state = SandboxState.from_mailbox(small_mailbox_document())
    body = 'I\'m   writing\n\nabout <the> "plan" & more. ' + "word " * 100
    message_id = state.deliver(ALEX, from_="x@example.org", to=ALEX, subject="s", body=body)
    message = (
        _gmail(sandbox_factory, state).messages().get(userId="me", id=message_id, format="minimal").execute()
    )
    assert message["snippet"].startswith(
        "I&#39;m writing about &lt;the&gt; &quot;plan&quot; &amp; more. word"
    )
    assert "\n" not in message["snippet"]
    assert len(message["snippet"].replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">")) <= 230


def test_a_thread_has_its_messages_oldest_first_drafts_included(sandbox_factory: SandboxFactory) -> None:
    state = SandboxState.from_mailbox(small_mailbox_document())
    raw = (
        b"To: dana@acme.io\r\nSubject: Re: Coffee next week?\r\n"
        b"In-Reply-To: <reply-1@example.com>\r\n\r\nSee you!"
    )
    users = _gmail(sandbox_factory, state)
    draft = (
        users.drafts()
        .create(
            userId="me", body={"message": {"raw": base64.urlsafe_b64encode(raw).decode(), "threadId": FIRST}}
        )
        .execute()
    )
    thread = (
        users.threads().get(userId="me", id=FIRST, format="metadata", metadataHeaders=["Subject"]).execute()
    )
    assert [message["id"] for message in thread["messages"]] == [FIRST, REPLY, draft["message"]["id"]]
    assert thread["historyId"] == max(message["historyId"] for message in thread["messages"])
    assert thread["messages"][0]["payload"]["headers"] == [{"name": "Subject", "value": "Coffee next week?"}]


def test_the_profile_counts_messages_and_threads_and_gives_the_history_id(
    sandbox_factory: SandboxFactory,
) -> None:
    profile = _gmail(sandbox_factory).getProfile(userId="me").execute()
    assert profile == {"emailAddress": ALEX, "messagesTotal": 3, "threadsTotal": 2, "historyId": "100000"}


def test_labels_list_has_the_system_labels_and_the_users(sandbox_factory: SandboxFactory) -> None:
    document = small_mailbox_document()
    document["users"][0]["labels"] = [{"id": "Label_12", "name": "Rapport/never-nudge"}]
    labels = _gmail(sandbox_factory, SandboxState.from_mailbox(document)).labels().list(userId="me").execute()
    by_id = {label["id"]: label for label in labels["labels"]}
    for system in (
        "INBOX",
        "SENT",
        "DRAFT",
        "SPAM",
        "TRASH",
        "UNREAD",
        "STARRED",
        "IMPORTANT",
        "CATEGORY_SOCIAL",
    ):
        assert by_id[system]["type"] == "system"
    assert by_id["Label_12"] == {
        "id": "Label_12",
        "name": "Rapport/never-nudge",
        "messageListVisibility": "show",
        "labelListVisibility": "labelShow",
        "type": "user",
    }


def test_a_message_without_labels_has_no_label_ids_key(sandbox_factory: SandboxFactory) -> None:
    state = SandboxState.from_mailbox(small_mailbox_document())
    state.modify_labels(ALEX, FIRST, remove=["INBOX"])
    message = _gmail(sandbox_factory, state).messages().get(userId="me", id=FIRST, format="minimal").execute()
    assert "labelIds" not in message
