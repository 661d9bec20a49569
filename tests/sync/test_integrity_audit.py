"""The audit compares the server's recent message ids with the store: messages lost behind the sync's back
are found, fetched, stored again, recorded in audit_runs and named in a WARNING; a healthy store is left
as it is."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import delete, select

from store.models import AuditRun, Message
from sync.audit import audit
from tests.fixtures_sync import SyncEnvFactory, gmail_id, mailbox, message


def test_messages_lost_behind_the_syncs_back_are_restored_and_reported(
    sync_env: SyncEnvFactory, caplog: pytest.LogCaptureFixture
) -> None:
    env = sync_env(mailbox([message(n, days_ago=n / 2 - 0.2) for n in range(1, 13)]))
    env.sync()
    lost = {gmail_id(2), gmail_id(3), gmail_id(4)}
    with env.session_factory.begin() as session:
        session.execute(delete(Message).where(Message.gmail_id.in_(lost)))
    env.server.log.clear()

    with caplog.at_level(logging.WARNING, logger="sync"):
        result = audit(env.api, env.session_factory, env.account_id, 3, fold_plus=True)

    assert (result.sampled, result.missing, result.repaired) == (6, 3, 3)  # messages of the last 3 days
    assert set(result.missing_ids) == lost
    assert lost <= env.stored_ids()
    env.assert_store_matches_sandbox()
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert any("missing" in text and gmail_id(3) in text for text in warnings)
    with env.session_factory() as session:
        runs = [(run.sampled, run.missing, run.repaired) for run in session.scalars(select(AuditRun))]
    assert runs == [(6, 3, 3)]
    assert env.server.log.count("gmail.users.messages.get") == 3


def test_a_healthy_store_passes_the_audit_at_the_cost_of_one_listing(sync_env: SyncEnvFactory) -> None:
    env = sync_env(mailbox([message(n, days_ago=n / 2 - 0.2) for n in range(1, 13)]))
    env.sync()
    env.server.log.clear()

    result = audit(env.api, env.session_factory, env.account_id, 3, fold_plus=True)

    assert (result.sampled, result.missing, result.repaired) == (6, 0, 0)
    assert env.server.log.count() == 1
    assert env.server.log.units() == 5


def test_mail_newer_than_the_last_sync_is_fetched_but_not_called_a_gap(sync_env: SyncEnvFactory) -> None:
    env = sync_env(mailbox([message(n, days_ago=n / 2 - 0.2) for n in range(1, 5)]))
    env.sync()
    env.state.deliver(env.state.users[0], from_="late@example.org", to=None, subject="Just now", body="Hi")

    result = audit(env.api, env.session_factory, env.account_id, 3, fold_plus=True)

    assert (result.missing, result.repaired) == (0, 1)
