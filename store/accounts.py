"""Accounts as config names them: found by name, created on first use, their address kept current."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.addresses import normalise_address
from store.models import Account


def ensure_account(session: Session, name: str, email: str) -> Account:
    """The account called `name` (config's `[[accounts]] name`), created when new; its email is updated
    to `email` (normalised, plus tags kept) when config changed it. Flushes, so the id is known; does not
    commit."""
    address = normalise_address(email, fold_plus=False) or email.strip().lower()
    account = session.scalar(select(Account).where(Account.name == name))
    if account is None:
        account = Account(name=name, email=address)
        session.add(account)
    elif account.email != address:
        account.email = address
    session.flush()
    return account
