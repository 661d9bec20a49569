"""Engines, sessions and schema upgrades for the store: SQLite by default, PostgreSQL through psycopg 3.

SQLite runs in WAL mode with foreign keys on. Transactions use pysqlite's default (a write transaction
begins at the first INSERT/UPDATE/DELETE, reads before it run outside one): a transaction that reads a
snapshot and then writes would fail at once with SQLITE_BUSY_SNAPSHOT when another process wrote in
between, whereas a write that starts a transaction waits up to ``busy_timeout`` for the lock.
"""

from __future__ import annotations

import logging
import re
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from store.errors import StoreUnavailable

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000  # how long a writer waits for another process's write lock
POSTGRES_CONNECT_TIMEOUT_S = 10
# pg_advisory_xact_lock key serialising schema upgrades of one database ("rapp" in ASCII).
MIGRATION_LOCK_KEY = 0x72617070
_PASSWORD_IN_URL = re.compile(r"(://[^:/@]*:)[^@]*@")


def make_engine(url: str) -> Engine:
    """An engine for ``url``, checked to be reachable; ``StoreUnavailable`` names the URL when it is not.

    ``~`` in a SQLite path is expanded and the file's directory created. A bare ``postgresql://`` URL
    uses psycopg 3, the driver Rapport installs.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as error:  # ValueError: e.g. a port that is not a number
        raise StoreUnavailable(_PASSWORD_IN_URL.sub(r"\1***@", url), f"malformed URL: {error}") from error
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    shown = parsed.render_as_string(hide_password=True)
    backend = parsed.get_backend_name()
    options: dict[str, Any] = {}
    if backend == "sqlite":
        parsed = _prepare_sqlite_file(parsed, shown)
    elif backend == "postgresql":
        options = {"pool_pre_ping": True, "connect_args": {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S}}
    try:
        engine = create_engine(parsed, **options)
    except (ArgumentError, NoSuchModuleError, ImportError) as error:
        raise StoreUnavailable(shown, f"unsupported database or driver: {error}") from error
    if backend == "sqlite":
        event.listen(engine, "connect", _set_sqlite_pragmas)
    _check_reachable(engine, shown, parsed.password)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions on ``engine`` whose objects stay readable after commit (no reload round trip)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def alembic_config() -> Config:
    """Alembic's configuration for the store's migrations, found inside the installed package."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("store") / "migrations"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``; safe when several processes start on one new store at once."""
    config = alembic_config()
    with engine.begin() as connection:
        _serialise_schema_changes(connection)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _serialise_schema_changes(connection: Connection) -> None:
    """Lock the database until the upgrade commits: a second process waits, then finds nothing to do."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    elif connection.dialect.name == "sqlite":
        # SQLite's DDL is transactional; IMMEDIATE takes the write lock now (waiting up to busy_timeout).
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _prepare_sqlite_file(url: URL, shown: str) -> URL:
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return url
    path = Path(database).expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreUnavailable(shown, f"cannot create directory {path.parent}: {error}") from error
    return url.set(database=str(path))


def _set_sqlite_pragmas(dbapi_connection: Any, _connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # busy_timeout first, so that switching a new file to WAL waits for a concurrent opener.
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def _check_reachable(engine: Engine, shown: str, password: str | None) -> None:
    try:
        with engine.connect():
            pass
    except DBAPIError as error:
        engine.dispose()
        problem = str(error.orig).strip().splitlines()[0] if error.orig is not None else str(error)
        if password:
            problem = problem.replace(password, "***")
        raise StoreUnavailable(shown, problem) from error
