"""history.list after each kind of change, as an incremental sync sees it: records in order, filters,
paging, growing non-contiguous ids, and 404 once the history a client asks for has expired."""

from __future__ import annotations

import base64
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from sandbox.state import SandboxState
from sandbox.testing import credentials_for, gmail_service
from tests.fixtures_sandbox import ALEX, SandboxFactory, small_mailbox_document

QUESTION = "18c0000000000001"
REPLY = "18c0000000000002"


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def state(clock: FakeClock) -> SandboxState:
    return SandboxState.from_mailbox(small_mailbox_document(), clock=clock)


def _history(
    sandbox_factory: SandboxFactory, state: SandboxState, start: str, **options: Any
) -> dict[str, Any]:
    server = sandbox_factory(state)
    users = gmail_service(server, credentials_for(server, ALEX)).users()
    return dict(users.history().list(userId="me", startHistoryId=start, **options).execute())


def _kinds(answer: dict[str, Any]) -> list[tuple[str, str]]:
    """(change kind, message id) per record, in order."""
    kinds = []
    for record in answer.get("history", []):
        for key in ("messagesAdded", "messagesDeleted", "labelsAdded", "labelsRemoved"):
            for entry in record.get(key, []):
                kinds.append((key, entry["message"]["id"]))
    return kinds


def test_nothing_changed_means_no_history_key_and_the_current_id(
    sandbox_factory: SandboxFactory, state: SandboxState
) -> None:
    answer = _history(sandbox_factory, state, state.history_id(ALEX))
    assert answer == {"historyId": "100000"}


def test_arriving_mail_is_a_message_added_with_its_labels(
    sandbox_factory: SandboxFactory, state: SandboxState
) -> None:
    start = state.history_id(ALEX)
    arrived = state.deliver(ALEX, from_="sam@example.org", to=ALEX, subject="Hi", body="Hello")
    answer = _history(sandbox_factory, state, start)
    record = answer["history"][0]
    assert record["messages"] == [{"id": arrived, "threadId": arrived}]
    assert record["messagesAdded"] == [
        {"message": {"id": arrived, "threadId": arrived, "labelIds": ["INBOX", "UNREAD"]}}
    ]
    assert answer["historyId"] == state.history_id(ALEX) == record["id"]


def test_history_ids_grow_but_are_not_contiguous(
    sandbox_factory: SandboxFactory, state: SandboxState
) -> None:
    start = state.history_id(ALEX)
    for index in range(3):
        state.deliver(ALEX, from_="sam@example.org", to=ALEX, subject=f"Hi {index}", body="Hello")
    ids = [int(record["id"]) for record in _history(sandbox_factory, state, start)["history"]]
    assert ids == sorted(ids)
    assert all(later - earlier > 1 for earlier, later in itertools.pairwise(ids))
    assert ids[0] > int(start)


def test_label_changes_are_recorded_per_direction(
    sandbox_factory: SandboxFactory, state: SandboxState
) -> None:
    start = state.history_id(ALEX)
    state.modify_labels(ALEX, QUESTION, add=["STARRED"], remove=["INBOX"])
    answer = _history(sandbox_factory, state, start)
    added, removed = answer["history"]
    assert added["labelsAdded"] == [
        {
            "message": {"id": QUESTION, "threadId": QUESTION, "labelIds": ["INBOX", "STARRED"]},
            "labelIds": ["STARRED"],
        }
    ]
    assert removed["labelsRemoved"] == [
        {"message": {"id": QUESTION, "threadId": QUESTION, "labelIds": ["STARRED"]}, "labelIds": ["INBOX"]}
    ]


def test_a_deleted_message_is_a_message_deleted(sandbox_factory: SandboxFactory, state: SandboxState) -> None:
    start = state.history_id(ALEX)
    state.delete_message(ALEX, REPLY)
    answer = _history(sandbox_factory, state, start)
    assert answer["history"][0]["messagesDeleted"] == [{"message": {"id": REPLY, "threadId": QUESTION}}]


def test_every_draft_change_and_the_user_sending_it_show_in_history(
    sandbox_factory: SandboxFactory, state: SandboxState
) -> None:
    start = state.history_id(ALEX)
    server = sandbox_factory(state)
    drafts = gmail_service(server, credentials_for(server, ALEX)).users().drafts()
    raw = base64.urlsafe_b64encode(b"To: dana@acme.io\r\nSubject: Hello\r\n\r\nFirst").decode()
    created = drafts.create(userId="me", body={"message": {"raw": raw}}).execute()
    updated = drafts.update(userId="me", id=created["id"], body={"message": {"raw": raw}}).execute()
    sent = state.user_sends_draft(ALEX, created["id"])
    answer = _history(sandbox_factory, state, start)
    assert _kinds(answer) == [
        ("messagesAdded", created["message"]["id"]),
        ("messagesDeleted", created["message"]["id"]),
        ("messagesAdded", updated["message"]["id"]),
        ("messagesDeleted", updated["message"]["id"]),
        ("messagesAdded", sent),
    ]


def test_history_types_and_label_id_filter_the_records(
    sandbox_factory: SandboxFactory, state: SandboxState
) -> None:
    start = state.history_id(ALEX)
    arrived = state.deliver(ALEX, from_="sam@example.org", to=ALEX, subject="Hi", body="Hello")
    state.modify_labels(ALEX, arrived, remove=["UNREAD"])
    sent = state.user_sends(ALEX, to="sam@example.org", subject="Re: Hi", body="Hey", in_reply_to=arrived)
    only_added = _history(sandbox_factory, state, start, historyTypes=["messageAdded"])
    only_sent = _history(sandbox_factory, state, start, labelId="SENT")
    removals_and_adds = _history(sandbox_factory, state, start, historyTypes=["labelRemoved", "messageAdded"])
    assert _kinds(only_added) == [("messagesAdded", arrived), ("messagesAdded", sent)]
    assert _kinds(only_sent) == [("messagesAdded", sent)]
    assert _kinds(removals_and_adds) == [
        ("messagesAdded", arrived),
        ("labelsRemoved", arrived),
        ("messagesAdded", sent),
    ]


def test_history_pages_in_order(sandbox_factory: SandboxFactory, state: SandboxState) -> None:
    start = state.history_id(ALEX)
    arrived = [
        state.deliver(ALEX, from_="s@example.org", to=ALEX, subject=f"{n}", body="b") for n in range(5)
    ]
    server = sandbox_factory(state)
    history = gmail_service(server, credentials_for(server, ALEX)).users().history()
    pages = [history.list(userId="me", startHistoryId=start, maxResults=2).execute()]
    while "nextPageToken" in pages[-1]:
        token = pages[-1]["nextPageToken"]
        pages.append(history.list(userId="me", startHistoryId=start, maxResults=2, pageToken=token).execute())
    assert [len(page["history"]) for page in pages] == [2, 2, 1]
    assert [message_id for page in pages for _, message_id in _kinds(page)] == arrived


def test_expired_history_answers_404(sandbox_factory: SandboxFactory, state: SandboxState) -> None:
    start = state.history_id(ALEX)
    state.deliver(ALEX, from_="sam@example.org", to=ALEX, subject="Hi", body="Hello")
    state.expire_history(ALEX)
    with pytest.raises(HttpError) as raised:
        _history(sandbox_factory, state, start)
    assert raised.value.resp.status == 404
    assert _history(sandbox_factory, state, state.history_id(ALEX)) == {"historyId": state.history_id(ALEX)}


def test_history_older_than_the_retention_window_is_purged(
    sandbox_factory: SandboxFactory, state: SandboxState, clock: FakeClock
) -> None:
    start = state.history_id(ALEX)
    state.deliver(ALEX, from_="sam@example.org", to=ALEX, subject="Old", body="Hello")
    after_old = state.history_id(ALEX)
    clock.now += timedelta(days=6)
    recent = state.deliver(ALEX, from_="sam@example.org", to=ALEX, subject="Recent", body="Hello")
    clock.now += timedelta(days=2)  # the first change is now 8 days old, past the 7-day default
    with pytest.raises(HttpError) as raised:
        _history(sandbox_factory, state, start)
    assert raised.value.resp.status == 404
    assert _kinds(_history(sandbox_factory, state, after_old)) == [("messagesAdded", recent)]


def test_a_missing_or_malformed_start_history_id_is_a_bad_request(
    sandbox_factory: SandboxFactory, state: SandboxState
) -> None:
    with pytest.raises(HttpError) as raised:
        _history(sandbox_factory, state, "0")
    assert raised.value.resp.status == 400


def test_the_user_editing_then_discarding_a_draft_shows_in_history(
    sandbox_factory: SandboxFactory, state: SandboxState
) -> None:
    server = sandbox_factory(state)
    drafts = gmail_service(server, credentials_for(server, ALEX)).users().drafts()
    raw = base64.urlsafe_b64encode(b"To: dana@acme.io\r\nSubject: Hello\r\n\r\nFirst").decode()
    created = drafts.create(userId="me", body={"message": {"raw": raw}}).execute()
    start = state.history_id(ALEX)
    edited = state.user_edits_draft(ALEX, created["id"], subject="Hello again")
    state.user_deletes_draft(ALEX, created["id"])
    assert _kinds(_history(sandbox_factory, state, start)) == [
        ("messagesDeleted", created["message"]["id"]),
        ("messagesAdded", edited),
        ("messagesDeleted", edited),
    ]
