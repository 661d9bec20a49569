"""After the initial sync, history.list brings each kind of change into the store, at the cost of what
changed: a mailbox with nothing new costs one history.list (2 units) and one events.list per calendar."""

from __future__ import annotations

import base64
import threading
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select

from sandbox.gmail_api import list_history
from sandbox.handlers import Call
from sandbox.server import default_handlers
from sandbox.state import SandboxState
from store.models import GmailCursor
from tests.fixtures_sync import USER, SyncEnv, SyncEnvFactory, gmail_id, mailbox, message

DANA = [
    ("From", "Dana Reyes <dana@acme.io>"),
    ("To", USER),
    ("Subject", "Coffee next week?"),
    ("Message-ID", "<coffee-1@acme.io>"),
]


def _synced(sync_env: SyncEnvFactory) -> SyncEnv:
    env = sync_env(mailbox([message(1, headers=DANA), *(message(n, days_ago=n) for n in range(2, 6))]))
    env.sync()
    env.server.log.clear()
    return env


def test_nothing_new_costs_one_history_call_and_one_events_call(sync_env: SyncEnvFactory) -> None:
    env = _synced(sync_env)

    report = env.sync()

    log = env.server.log
    assert log.count() == 2
    assert log.count("gmail.users.history.list") == 1
    assert log.count("calendar.events.list") == 1
    assert log.units(USER) == 2
    assert (report.calls, report.units) == (2, 2)
    assert (report.messages_added, report.messages_deleted, report.messages_relabelled) == (0, 0, 0)


def test_a_reply_arriving_is_stored_in_its_thread(sync_env: SyncEnvFactory) -> None:
    env = _synced(sync_env)
    reply = env.state.deliver(
        USER,
        from_="Dana Reyes <dana@acme.io>",
        to=USER,
        subject="Re: Coffee next week?",
        body="Thursday?",
        in_reply_to=gmail_id(1),
    )

    report = env.sync()

    stored = env.stored(reply)
    assert stored.from_email == "dana@acme.io"
    assert stored.in_reply_to == "<coffee-1@acme.io>"
    assert stored.thread_id == env.stored(gmail_id(1)).thread_id
    assert report.messages_added == 1
    assert env.server.log.units(USER) == 2 + 5
    env.assert_store_matches_sandbox()


def test_mail_the_user_sends_by_hand_is_stored_as_sent(sync_env: SyncEnvFactory) -> None:
    env = _synced(sync_env)
    sent = env.state.user_sends(
        USER, to="dana@acme.io", subject="Re: Coffee", body="Yes!", in_reply_to=gmail_id(1)
    )

    env.sync()

    stored = env.stored(sent)
    assert stored.is_sent
    assert env.addresses(sent, "to") == ["dana@acme.io"]
    env.assert_store_matches_sandbox()


def test_label_changes_are_applied_without_fetching_the_message(sync_env: SyncEnvFactory) -> None:
    env = _synced(sync_env)
    env.state.modify_labels(USER, gmail_id(2), add=["STARRED"], remove=["INBOX"])

    report = env.sync()

    stored = env.stored(gmail_id(2))
    assert sorted(stored.label_ids) == ["STARRED"]
    assert not stored.is_inbox
    assert report.messages_relabelled == 1
    assert env.server.log.count("gmail.users.messages.get") == 0
    env.assert_store_matches_sandbox()


def test_a_deleted_message_leaves_the_store(sync_env: SyncEnvFactory) -> None:
    env = _synced(sync_env)
    env.state.delete_message(USER, gmail_id(3))

    report = env.sync()

    assert gmail_id(3) not in env.stored_ids()
    assert report.messages_deleted == 1
    env.assert_store_matches_sandbox()


def test_trash_takes_a_message_out_of_the_store_and_untrash_brings_it_back(sync_env: SyncEnvFactory) -> None:
    env = _synced(sync_env)
    env.state.modify_labels(USER, gmail_id(4), add=["TRASH"])
    env.sync()
    assert gmail_id(4) not in env.stored_ids()

    env.state.modify_labels(USER, gmail_id(4), remove=["TRASH"])
    env.sync()

    assert gmail_id(4) in env.stored_ids()
    env.assert_store_matches_sandbox()


def test_drafts_appear_and_disappear_with_gmail(sync_env: SyncEnvFactory) -> None:
    env = _synced(sync_env)
    mail = EmailMessage()
    mail["From"] = USER
    mail["To"] = "dana@acme.io"
    mail["Subject"] = "Thanks for the coffee"
    mail["X-Rapport-Key"] = "thank_you:coffee1"
    mail.set_content("It was great to meet.")
    raw = base64.urlsafe_b64encode(mail.as_bytes()).decode()
    draft = env.api.execute(
        env.api.gmail().users().drafts().create(userId="me", body={"message": {"raw": raw}})
    )

    env.sync()

    stored = env.stored(draft["message"]["id"])
    assert stored.is_draft
    assert stored.rapport_key == "thank_you:coffee1"
    env.state.user_deletes_draft(USER, draft["id"])

    env.sync()

    assert draft["message"]["id"] not in env.stored_ids()
    env.assert_store_matches_sandbox()


def test_many_changes_are_applied_page_by_page_up_to_the_current_history_id(sync_env: SyncEnvFactory) -> None:
    env = _synced(sync_env)
    for _ in range(130):  # 520 label records: two history pages
        for number in range(2, 6):
            env.state.modify_labels(USER, gmail_id(number), add=["STARRED"])
            env.state.modify_labels(USER, gmail_id(number), remove=["STARRED"])
    for number in (2, 3):
        env.state.modify_labels(USER, gmail_id(number), add=["IMPORTANT"])

    env.sync()

    assert env.server.log.count("gmail.users.history.list") == 3  # two pages of changes and the last one
    assert env.server.log.count("gmail.users.messages.get") == 0
    with env.session_factory() as session:
        cursor = session.scalar(select(GmailCursor))
    assert cursor is not None
    assert cursor.history_id == int(env.state.history_id(USER))
    env.assert_store_matches_sandbox()


def test_a_history_page_without_records_leaves_the_cursor_where_it_was(sync_env: SyncEnvFactory) -> None:
    # Gmail may answer a page with a nextPageToken and no records. Such a page says nothing about how far
    # the history has been applied: moving the cursor to the answer's historyId would skip the pages after
    # it whenever the sync stops (SIGTERM) or dies before reading them.
    stop = threading.Event()
    empty_first_page = threading.Event()

    def history_list(state: SandboxState, call: Call) -> Any:
        if empty_first_page.is_set() and call.one("pageToken") is None:
            stop.set()  # Rapport is asked to stop while it applies this page
            return {"nextPageToken": call.one("startHistoryId"), "historyId": state.history_id(call.user)}
        return list_history(state, call)

    handlers = {**default_handlers(), "gmail.users.history.list": history_list}
    env = sync_env(mailbox([message(n, days_ago=n) for n in range(1, 4)]), handlers=handlers)
    env.sync()
    arrived = env.state.deliver(USER, from_="dana@acme.io", to=USER, subject="Still there?", body="Hi")
    empty_first_page.set()

    stopped = env.sync(stop=stop)
    resumed = env.sync()

    assert stopped.interrupted
    assert not resumed.interrupted
    assert arrived in env.stored_ids()
    env.assert_store_matches_sandbox()
