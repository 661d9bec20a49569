"""Accounts as config names them: found by name, created on first use, their address kept current."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.addresses import normalise_address
from store.models import Account
from store.upsert import insert


def ensure_account(session: Session, name: str, email: str) -> Account:
    """The account called `name` (config's `[[accounts]] name`), created when new; its email is updated
    to `email` (normalised, plus tags kept) when config changed it. Flushes, so the id is known; does not
    commit."""
    address = normalise_address(email, fold_plus=False) or email.strip().lower()
    named = select(Account).where(Account.name == name)
    account = session.scalar(named)
    if account is None:
        # Two processes starting together on a new store both create the account: the loser's insert
        # does nothing (instead of failing on the unique name) and both then read the winner's row.
        session.execute(
            insert(session, Account)
            .values(name=name, email=address)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        account = session.scalars(named.execution_options(populate_existing=True)).one()
    if account.email != address:
        account.email = address
    session.flush()
    return account
