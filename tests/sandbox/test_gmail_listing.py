"""messages.list and threads.list as Gmail answers them: newest first, paged, filtered by labels, spam and
trash hidden unless asked for — seen through the real google-api-python-client."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from sandbox.state import SandboxState
from sandbox.testing import credentials_for, gmail_service
from tests.fixtures_sandbox import SandboxFactory

USER = "alex@example.com"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _empty_state() -> SandboxState:
    document = {"format": "rapport-sandbox-mailbox/1", "users": [{"email": USER, "messages": []}]}
    return SandboxState.from_mailbox(document, clock=lambda: START + timedelta(days=30))


def _mailbox_of(count: int) -> tuple[SandboxState, list[str]]:
    """`count` single-message threads delivered an hour apart; returns the ids oldest first."""
    state = _empty_state()
    ids = [
        state.deliver(
            USER,
            from_=f"Sender {index} <s{index}@example.org>",
            to=USER,
            subject=f"Note {index}",
            body=f"Body {index}",
            at=START + timedelta(hours=index),
        )
        for index in range(count)
    ]
    return state, ids


def _gmail(server: Any) -> Any:
    return gmail_service(server, credentials_for(server, USER))


def test_messages_are_listed_newest_first_with_their_thread_ids(sandbox_factory: SandboxFactory) -> None:
    state, ids = _mailbox_of(3)
    answer = _gmail(sandbox_factory(state)).users().messages().list(userId="me").execute()
    assert answer["messages"] == [{"id": message_id, "threadId": message_id} for message_id in reversed(ids)]
    assert answer["resultSizeEstimate"] == 3
    assert "nextPageToken" not in answer


def test_paging_walks_every_message_once_and_only_the_last_page_has_no_token(
    sandbox_factory: SandboxFactory,
) -> None:
    state, ids = _mailbox_of(7)
    messages = _gmail(sandbox_factory(state)).users().messages()
    pages = [messages.list(userId="me", maxResults=3).execute()]
    while "nextPageToken" in pages[-1]:
        pages.append(messages.list(userId="me", maxResults=3, pageToken=pages[-1]["nextPageToken"]).execute())
    assert [len(page["messages"]) for page in pages] == [3, 3, 1]
    assert [item["id"] for page in pages for item in page["messages"]] == list(reversed(ids))


def test_the_default_page_holds_100_messages(sandbox_factory: SandboxFactory) -> None:
    state, _ = _mailbox_of(101)
    answer = _gmail(sandbox_factory(state)).users().messages().list(userId="me").execute()
    assert len(answer["messages"]) == 100
    assert "nextPageToken" in answer


def test_a_page_boundary_survives_mail_arriving_between_pages(sandbox_factory: SandboxFactory) -> None:
    state, ids = _mailbox_of(4)
    messages = _gmail(sandbox_factory(state)).users().messages()
    first = messages.list(userId="me", maxResults=2).execute()
    state.deliver(
        USER, from_="late@example.org", to=USER, subject="Late", body="x", at=START + timedelta(days=9)
    )
    second = messages.list(userId="me", maxResults=2, pageToken=first["nextPageToken"]).execute()
    assert [item["id"] for item in second["messages"]] == [ids[1], ids[0]]


def test_an_empty_listing_has_no_messages_key_and_an_estimate_of_zero(
    sandbox_factory: SandboxFactory,
) -> None:
    answer = _gmail(sandbox_factory(_empty_state())).users().messages().list(userId="me").execute()
    assert answer == {"resultSizeEstimate": 0}


def test_label_ids_must_all_match(sandbox_factory: SandboxFactory) -> None:
    state, ids = _mailbox_of(3)
    state.modify_labels(USER, ids[0], remove=["UNREAD"])
    state.modify_labels(USER, ids[1], add=["STARRED"])
    messages = _gmail(sandbox_factory(state)).users().messages()
    unread_starred = messages.list(userId="me", labelIds=["UNREAD", "STARRED"]).execute()
    unread = messages.list(userId="me", labelIds=["UNREAD"]).execute()
    assert [item["id"] for item in unread_starred["messages"]] == [ids[1]]
    assert [item["id"] for item in unread["messages"]] == [ids[2], ids[1]]


def test_an_unknown_label_id_is_a_bad_request(sandbox_factory: SandboxFactory) -> None:
    state, _ = _mailbox_of(1)
    with pytest.raises(HttpError) as raised:
        _gmail(sandbox_factory(state)).users().messages().list(userId="me", labelIds=["Label_404"]).execute()
    assert raised.value.resp.status == 400


def test_spam_and_trash_are_hidden_unless_included_or_asked_for(sandbox_factory: SandboxFactory) -> None:
    state, ids = _mailbox_of(3)
    state.modify_labels(USER, ids[0], add=["SPAM"], remove=["INBOX"])
    state.modify_labels(USER, ids[1], add=["TRASH"], remove=["INBOX"])
    messages = _gmail(sandbox_factory(state)).users().messages()
    default = messages.list(userId="me").execute()
    included = messages.list(userId="me", includeSpamTrash=True).execute()
    spam_only = messages.list(userId="me", labelIds=["SPAM"]).execute()
    assert [item["id"] for item in default["messages"]] == [ids[2]]
    assert len(included["messages"]) == 3
    assert [item["id"] for item in spam_only["messages"]] == [ids[0]]


def test_threads_are_listed_by_their_latest_activity_with_snippet_and_history_id(
    sandbox_factory: SandboxFactory,
) -> None:
    state, ids = _mailbox_of(2)
    reply = state.user_sends(
        USER,
        to="s0@example.org",
        subject="Re: Note 0",
        body="Thanks for the note",
        in_reply_to=ids[0],
        at=START + timedelta(days=2),
    )
    answer = _gmail(sandbox_factory(state)).users().threads().list(userId="me").execute()
    assert [thread["id"] for thread in answer["threads"]] == [ids[0], ids[1]]
    newest = answer["threads"][0]
    assert newest["snippet"] == "Thanks for the note"
    assert newest["historyId"] == state.message(USER, reply)["historyId"]
    assert answer["resultSizeEstimate"] == 2


def test_a_thread_matches_when_any_of_its_messages_matches(sandbox_factory: SandboxFactory) -> None:
    state, ids = _mailbox_of(2)
    state.user_sends(USER, to="s0@example.org", subject="Re: Note 0", body="Reply", in_reply_to=ids[0])
    threads = _gmail(sandbox_factory(state)).users().threads()
    sent = threads.list(userId="me", labelIds=["SENT"]).execute()
    assert [thread["id"] for thread in sent["threads"]] == [ids[0]]


def test_threads_page_like_messages(sandbox_factory: SandboxFactory) -> None:
    state, ids = _mailbox_of(5)
    threads = _gmail(sandbox_factory(state)).users().threads()
    first = threads.list(userId="me", maxResults=2).execute()
    second = threads.list(userId="me", maxResults=2, pageToken=first["nextPageToken"]).execute()
    third = threads.list(userId="me", maxResults=2, pageToken=second["nextPageToken"]).execute()
    seen = [thread["id"] for page in (first, second, third) for thread in page["threads"]]
    assert seen == list(reversed(ids))
    assert "nextPageToken" not in third


def test_a_page_token_the_sandbox_never_issued_is_a_bad_request(sandbox_factory: SandboxFactory) -> None:
    state, _ = _mailbox_of(1)
    with pytest.raises(HttpError) as raised:
        _gmail(sandbox_factory(state)).users().messages().list(userId="me", pageToken="garbage").execute()
    assert raised.value.resp.status == 400
