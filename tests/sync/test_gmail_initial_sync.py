"""The initial Gmail sync: the store ends up holding the window's mail field by field, at the cost of the
cheapest plan, and then continues incrementally from the historyId read before listing."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from sandbox.generator import generate
from sandbox.gmail_api import list_labels
from sandbox.handlers import Call
from sandbox.server import default_handlers
from sandbox.state import SandboxState
from store.db import make_engine
from store.models import Account, GmailCursor, Label, PendingMessage, Thread
from sync.gmail_initial import GMAIL_CURSOR_VERSION
from tests.fixtures_sync import NOW, USER, SyncEnvFactory, gmail_id, mailbox, message

MESSY = [
    message(
        1,
        labels=("INBOX", "UNREAD", "Label_7"),
        headers=[
            ("From", "=?utf-8?q?Dana_R=C3=A9yes?= <Dana.Reyes+work@Acme.IO>"),
            ("To", 'alex@example.com, "Kim, Lee" <lee.kim@example.org>'),
            ("Cc", "team: a@x.example, b@x.example;"),
            ("Subject", "=?utf-8?b?Q2Fmw6kgcGxhbnM=?="),
            ("Date", "Tue, 1 Dec 2026 09:30:00 +0100"),
            ("Message-ID", "<abc@acme.io>"),
        ],
        body="I'm free at 5 & later.",
    ),
    message(2, days_ago=3, headers=[("From", "sam@example.org"), ("To", USER), ("Subject", "No date here")]),
    message(
        3,
        days_ago=2,
        headers=[
            ("from", "Weekly <news@digest.example>"),
            ("SUBJECT", "This week"),
            ("to", USER),
            ("Reply-To", "editor@digest.example"),
            ("Sender", "bounces@digest.example"),
            ("List-Unsubscribe", "<mailto:leave@digest.example>"),
            ("List-Id", "Digest <digest.example>"),
            ("Precedence", "bulk"),
            ("Auto-Submitted", "auto-generated"),
        ],
    ),
    message(4, labels=("SPAM",), days_ago=1),
    message(5, days_ago=800),
    message(
        6,
        days_ago=1,
        labels=("SENT",),
        headers=[
            ("From", f"Alex Morgan <{USER}>"),
            ("To", "dana@acme.io"),
            ("Subject", "Re: Café plans"),
            ("In-Reply-To", "<abc@acme.io>"),
            ("References", "<abc@acme.io>  <older@acme.io> <abc@acme.io>"),
            ("X-Rapport-Key", "cold_contact:dana@acme.io"),
        ],
    ),
    message(
        7, days_ago=1, headers=[("From", "away@example.net"), ("X-Autoreply", "yes"), ("Subject", "Away")]
    ),
]


def test_initial_sync_stores_the_window_field_by_field(sync_env: SyncEnvFactory) -> None:
    env = sync_env(mailbox(MESSY, labels=[{"id": "Label_7", "name": "Clients"}]))

    report = env.sync()

    assert not report.interrupted
    assert report.full_sync
    assert env.stored_ids() == {gmail_id(n) for n in (1, 2, 3, 6, 7)}  # not spam, not older than the window
    dana = env.stored(gmail_id(1))
    assert dana.from_email == "dana.reyes@acme.io"
    assert dana.from_name == "Dana Réyes"
    assert dana.subject == "Café plans"
    assert dana.date_header == datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
    assert dana.message_id_header == "<abc@acme.io>"
    assert dana.snippet == "I'm free at 5 & later."
    assert dana.label_ids == ["INBOX", "UNREAD", "Label_7"]
    assert dana.is_inbox
    assert not dana.is_sent
    assert dana.parse_problems is None
    assert env.addresses(gmail_id(1), "to") == [USER, "lee.kim@example.org"]
    assert env.addresses(gmail_id(1), "cc") == ["a@x.example", "b@x.example"]
    assert [address.name for address in dana.addresses if address.role == "to"] == [None, "Kim, Lee"]

    undated = env.stored(gmail_id(2))
    assert undated.date_header is None
    assert undated.internal_date < NOW
    assert "no Date header" in (undated.parse_problems or "")

    digest = env.stored(gmail_id(3))
    assert digest.subject == "This week"
    assert digest.from_email == "news@digest.example"
    assert digest.sender_email == "bounces@digest.example"
    assert env.addresses(gmail_id(3), "reply_to") == ["editor@digest.example"]
    assert digest.list_unsubscribe == "<mailto:leave@digest.example>"
    assert digest.list_id == "Digest <digest.example>"
    assert digest.precedence == "bulk"
    assert digest.auto_submitted == "auto-generated"

    reply = env.stored(gmail_id(6))
    assert reply.is_sent
    assert reply.in_reply_to == "<abc@acme.io>"
    assert reply.references_header == "<abc@acme.io> <older@acme.io>"
    assert reply.rapport_key == "cold_contact:dana@acme.io"
    assert env.stored(gmail_id(7)).auto_submitted == "auto-replied"

    with env.session_factory() as session:
        labels = {label.gmail_id: label.name for label in session.scalars(select(Label))}
        cursor = session.get(GmailCursor, env.account_id)
    assert labels["Label_7"] == "Clients"
    assert labels["SENT"] == "SENT"
    assert cursor is not None
    assert cursor.phase == "incremental"
    assert cursor.version == GMAIL_CURSOR_VERSION
    assert cursor.history_id == int(env.state.history_id(USER))


def _threaded_mailbox(sizes: Counter[int]) -> dict[str, object]:
    messages = []
    number = 0
    for size, threads in sorted(sizes.items()):
        for _ in range(threads):
            first = number + 1
            for offset in range(size):
                number += 1
                messages.append(message(number, thread=first, days_ago=1 + offset / 24))
    return mailbox(messages)


def test_initial_sync_costs_the_cheapest_plan(sync_env: SyncEnvFactory) -> None:
    # 590 messages (two list pages): threads of one and two messages are fetched message by message,
    # threads of three or more with one threads.get.
    sizes = Counter({1: 250, 2: 60, 3: 40, 5: 20})
    env = sync_env(_threaded_mailbox(sizes))

    report = env.sync()

    pages = 2
    fetch_units = sum(threads * min(10, 5 * size) for size, threads in sizes.items())
    log = env.server.log
    assert log.count("gmail.users.messages.list") == pages
    assert log.count("gmail.users.threads.get") == 60
    assert log.count("gmail.users.messages.get") == 250 + 2 * 60
    # getProfile (1) + labels.list (1) + the plan + the history.list (2) of the incremental pass after it
    assert log.units(USER) == 1 + 1 + 5 * pages + fetch_units + 2
    assert report.units == log.units(USER)
    assert len(env.stored_ids()) == 590
    with env.session_factory() as session:
        assert session.scalars(select(PendingMessage)).first() is None


def test_a_newer_cursor_version_forces_a_full_resync_that_keeps_rows_in_place(
    sync_env: SyncEnvFactory,
) -> None:
    env = sync_env(mailbox([message(n) for n in range(1, 6)]))
    env.sync()
    first_row_id = env.stored(gmail_id(1)).id
    env.state.delete_message(USER, gmail_id(5))
    with env.session_factory.begin() as session:
        cursor = session.get(GmailCursor, env.account_id)
        assert cursor is not None
        cursor.version = GMAIL_CURSOR_VERSION - 1
    env.server.log.clear()

    report = env.sync()

    assert report.full_sync
    assert report.resynced
    assert env.server.log.count("gmail.users.messages.get") == 4  # everything fetched again
    assert env.stored_ids() == {gmail_id(n) for n in range(1, 5)}  # the deleted one is gone
    assert env.stored(gmail_id(1)).id == first_row_id  # updated in place, not replaced


def test_a_generated_mailbox_is_stored_whole(sync_env: SyncEnvFactory) -> None:
    generated = generate(5, 500, now=NOW, user_email=USER)
    env = sync_env(generated.mailbox)

    report = env.sync()

    env.assert_store_matches_sandbox()
    assert report.messages_added == len(env.sandbox_labels())
    with env.session_factory() as session:
        threads = set(session.scalars(select(Thread.gmail_id)))
    assert threads == {
        summary["threadId"] for summary in env.state.messages(USER) if summary["id"] in env.sandbox_labels()
    }


def test_the_store_stays_writable_while_google_is_asked_for_the_labels(
    sync_env: SyncEnvFactory, engine_url: str
) -> None:
    # Another Rapport process may write to the same store (another account) at any moment; a call to Google,
    # which can take minutes of retries, must never run inside one of the sync's write transactions.
    other_process = make_engine(engine_url)
    refused: list[str] = []

    def labels_list(state: SandboxState, call: Call) -> Any:
        try:
            with other_process.begin() as connection:
                if connection.dialect.name == "sqlite":
                    connection.exec_driver_sql("PRAGMA busy_timeout = 200")
                connection.execute(update(Account).values(name=Account.name))
        except OperationalError as error:
            refused.append(str(error.orig))
        return list_labels(state, call)

    handlers = {**default_handlers(), "gmail.users.labels.list": labels_list}
    env = sync_env(mailbox([message(n) for n in range(1, 4)]), handlers=handlers)

    env.sync()
    env.state.deliver(USER, from_="dana@acme.io", to=USER, subject="Hello", body="Hi")
    env.state.expire_history(USER)
    env.sync()  # the window repair lists the labels too
    other_process.dispose()

    assert env.server.log.count("gmail.users.labels.list") == 2
    assert refused == []
