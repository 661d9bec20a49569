"""Fixtures giving tests a migrated store: SQLite always, PostgreSQL when RAPPORT_TEST_POSTGRES_URL is set.

``store_url`` is parametrised over both backends, so every test built on ``engine`` or
``session_factory`` runs on each. PostgreSQL tests get a fresh database of their own (created on the
server named by RAPPORT_TEST_POSTGRES_URL and dropped afterwards), which keeps them isolated under
``pytest -n 2``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from store.db import make_engine, upgrade
from store.db import session_factory as make_session_factory
from store.models import Account

POSTGRES_URL_VARIABLE = "RAPPORT_TEST_POSTGRES_URL"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty store: a new SQLite file, or a new PostgreSQL database dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'rapport.db'}"
        return
    yield from _fresh_postgres_database()


def _fresh_postgres_database() -> Iterator[str]:
    server_url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not server_url:
        pytest.skip(f"{POSTGRES_URL_VARIABLE} is not set")
    server = make_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    name = f"rapport_test_{uuid.uuid4().hex[:12]}"
    with server.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield server.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    """An engine on a store migrated to the latest revision."""
    migrated = make_engine(store_url)
    upgrade(migrated)
    yield migrated
    migrated.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions on the migrated store (objects stay readable after commit)."""
    return make_session_factory(engine)


def add_account(session_factory: sessionmaker[Session], name: str = "personal") -> int:
    """Create an account named ``name`` (email ``<name>@example.com``) and return its id."""
    with session_factory.begin() as session:
        account = Account(name=name, email=f"{name}@example.com")
        session.add(account)
        session.flush()
        return account.id
