"""The shell names accounts as config does; the store finds or creates them and keeps their address."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from store.accounts import ensure_account
from store.models import Account


def test_an_account_is_created_once_and_follows_its_configured_address(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        first = ensure_account(session, "work", " Alex.Morgan+Rapport@Example.com ").id
    with session_factory.begin() as session:
        again = ensure_account(session, "work", "alex.morgan+rapport@example.com")
        assert again.id == first
        moved = ensure_account(session, "work", "alex@new.example")

    assert moved.id == first
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Account)) == 1
        account = session.get(Account, first)
        assert account is not None
        assert account.email == "alex@new.example"
