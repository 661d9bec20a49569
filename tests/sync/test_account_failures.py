"""Failures only the user can fix stop the account's sync with an error that says so: a revoked token, a
token for another mailbox. Whatever the sync stored before stays, and the next run carries on from it."""

from __future__ import annotations

import pytest

from store.accounts import ensure_account
from sync.errors import AccountMismatch, AuthRevoked
from tests.fixtures_sync import USER, SyncEnvFactory, mailbox, message


def test_a_revoked_refresh_token_stops_the_sync_with_auth_revoked(sync_env: SyncEnvFactory) -> None:
    env = sync_env(mailbox([message(1), message(2)]))
    env.sync()
    refresh_token = env.api.services.credentials.refresh_token  # type: ignore[attr-defined]
    env.server.tokens.revoke(refresh_token)
    env.server.tokens.expire_access_tokens()
    env.state.deliver(USER, from_="new@example.org", to=USER, subject="Later", body="Hi")

    with pytest.raises(AuthRevoked, match="refused"):
        env.sync()
    assert len(env.stored_ids()) == 2


def test_a_token_for_another_mailbox_is_refused_before_anything_is_stored(sync_env: SyncEnvFactory) -> None:
    env = sync_env(mailbox([message(1)]))
    with env.session_factory.begin() as session:
        ensure_account(session, "work", "someone.else@example.com")

    with pytest.raises(AccountMismatch, match=r"someone\.else@example\.com"):
        env.sync()
    assert env.stored_ids() == set()
    assert env.server.log.count("gmail.users.messages.list") == 0
