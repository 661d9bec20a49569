"""Fixtures giving tests a migrated store: SQLite always, PostgreSQL when RAPPORT_TEST_POSTGRES_URL is set.

``store_url`` and ``engine`` are parametrised over both backends, so every test built on them runs on
each. ``store_url`` is an empty store (a new SQLite file, or a new PostgreSQL database created on the server
named by RAPPORT_TEST_POSTGRES_URL and dropped afterwards) for tests about migrating. ``engine`` is a
migrated store: a new SQLite file per test, and on PostgreSQL one migrated database per pytest worker whose
tables are emptied before each test — creating and migrating a database costs about a second, emptying it
a few milliseconds, and the suite must stay within its time budget.
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
from store.models import Account, Base

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


@pytest.fixture(scope="session")
def postgres_worker_engine() -> Iterator[Engine]:
    """One migrated PostgreSQL database for this pytest worker, dropped when the worker ends."""
    for url in _fresh_postgres_database():
        migrated = make_engine(url)
        upgrade(migrated)
        yield migrated
        migrated.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty store migrated to the latest revision."""
    if request.param == "sqlite":
        migrated = make_engine(f"sqlite:///{tmp_path / 'rapport.db'}")
        upgrade(migrated)
        yield migrated
        migrated.dispose()
        return
    shared: Engine = request.getfixturevalue("postgres_worker_engine")
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with shared.begin() as connection:
        connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    yield shared
    shared.dispose()


@pytest.fixture
def engine_url(engine: Engine) -> str:
    """The URL of the migrated store behind ``engine``, for subprocesses and extra engines."""
    return engine.url.render_as_string(hide_password=False)


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
