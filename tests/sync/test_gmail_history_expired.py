"""When Gmail no longer has the history since the cursor (404), the sync repairs its window: it fetches what
is new or changed, removes what vanished, logs a warning, and leaves the user's findings and drafts alone."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from store.models import Draft, Finding
from tests.fixtures_sync import USER, SyncEnv, SyncEnvFactory, gmail_id, mailbox, message


def _with_user_state(env: SyncEnv) -> None:
    with env.session_factory.begin() as session:
        dismissed = Finding(
            account_id=env.account_id,
            rule_name="cold",
            kind="cold_contact",
            occasion_key="cold_contact:person2@example.org",
            state="dismissed",
            emails=["person2@example.org"],
        )
        drafted = Finding(
            account_id=env.account_id,
            rule_name="awaiting",
            kind="awaiting_reply",
            occasion_key=f"awaiting_reply:{gmail_id(3)}",
            state="drafted",
            message_gmail_id=gmail_id(3),
        )
        session.add_all([dismissed, drafted])
        session.flush()
        session.add(
            Draft(
                account_id=env.account_id,
                finding_id=drafted.id,
                draft_key=drafted.occasion_key,
                gmail_draft_id="r123",
                state="written",
            )
        )


def _user_state(env: SyncEnv) -> list[tuple[str, str]]:
    with env.session_factory() as session:
        findings = [
            (finding.occasion_key, str(finding.state)) for finding in session.scalars(select(Finding))
        ]
        drafts = [(draft.draft_key, str(draft.state)) for draft in session.scalars(select(Draft))]
    return sorted(findings + drafts)


def test_expired_history_repairs_the_window_and_keeps_user_state(
    sync_env: SyncEnvFactory, caplog: pytest.LogCaptureFixture
) -> None:
    env = sync_env(mailbox([message(n, days_ago=n) for n in range(1, 9)]))
    env.sync()
    _with_user_state(env)
    before = _user_state(env)
    arrived = env.state.deliver(
        USER, from_="new@example.net", to=USER, subject="While you were away", body="Hi"
    )
    env.state.delete_message(USER, gmail_id(4))
    env.state.modify_labels(USER, gmail_id(5), add=["STARRED"])
    env.state.expire_history(USER)
    env.server.log.clear()

    with caplog.at_level(logging.WARNING, logger="sync"):
        report = env.sync()

    log = env.server.log
    assert report.resynced
    assert not report.interrupted
    assert any(
        "expired" in record.getMessage() for record in caplog.records if record.levelno == logging.WARNING
    )
    env.assert_store_matches_sandbox()
    assert arrived in env.stored_ids()
    assert gmail_id(4) not in env.stored_ids()
    assert "STARRED" in env.stored(gmail_id(5)).label_ids
    assert log.count("gmail.users.messages.get") == 2  # the new message and the relabelled one, nothing else
    assert _user_state(env) == before

    log.clear()
    env.sync()
    assert log.count("gmail.users.history.list") == 1
    assert log.units(USER) == 2
