"""make_engine gives a tuned, reachable store, or a StoreUnavailable naming the URL without its password."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from store.db import SQLITE_BUSY_TIMEOUT_MS, make_engine, session_factory
from store.errors import StoreError, StoreUnavailable
from store.models import Account


def _pragma(engine: Engine, name: str) -> object:
    with engine.connect() as connection:
        return connection.exec_driver_sql(f"PRAGMA {name}").scalar()


def test_a_sqlite_path_under_home_is_expanded_and_its_directory_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))

    engine = make_engine("sqlite:///~/.local/share/rapport/rapport.db")

    assert (tmp_path / ".local/share/rapport/rapport.db").is_file()
    assert not Path("~").exists()
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys_a_busy_timeout_and_normal_sync(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")

    assert _pragma(engine, "journal_mode") == "wal"
    assert _pragma(engine, "foreign_keys") == 1
    busy_timeout = _pragma(engine, "busy_timeout")
    assert busy_timeout == SQLITE_BUSY_TIMEOUT_MS
    assert isinstance(busy_timeout, int)
    assert busy_timeout >= 5000
    assert _pragma(engine, "synchronous") == 1  # NORMAL
    engine.dispose()


@pytest.mark.parametrize("url", ["not a url", "sqlite//missing-colon.db", "://nobody@nowhere"])
def test_a_malformed_url_is_reported_with_the_url(url: str) -> None:
    with pytest.raises(StoreUnavailable) as raised:
        make_engine(url)

    assert url in str(raised.value)
    assert "malformed" in str(raised.value)
    assert isinstance(raised.value, StoreError)


def test_an_unknown_backend_is_reported_with_the_url() -> None:
    with pytest.raises(StoreUnavailable, match="nosuchdb://host/db"):
        make_engine("nosuchdb://host/db")


def test_an_unreachable_postgres_is_reported_with_its_password_masked() -> None:
    url = "postgresql+psycopg://rapport:s3cret-pw@127.0.0.1:1/rapport"

    with pytest.raises(StoreUnavailable) as raised:
        make_engine(url)

    message = str(raised.value)
    assert "postgresql+psycopg://rapport:***@127.0.0.1:1/rapport" in message
    assert "s3cret-pw" not in message


def test_a_malformed_url_has_its_password_masked_too() -> None:
    with pytest.raises(StoreUnavailable) as raised:
        make_engine("postgresql+psycopg://rapport:s3cret-pw@127.0.0.1:notaport/rapport")

    assert "s3cret-pw" not in str(raised.value)
    assert "rapport:***@127.0.0.1" in str(raised.value)


def test_a_bare_postgresql_url_uses_psycopg_3() -> None:
    with pytest.raises(StoreUnavailable) as raised:
        make_engine("postgresql://rapport@127.0.0.1:1/rapport")

    assert "postgresql+psycopg://rapport@127.0.0.1:1/rapport" in str(raised.value)
    assert "psycopg2" not in str(raised.value)


def test_a_sqlite_directory_that_cannot_be_created_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a directory")

    with pytest.raises(StoreUnavailable, match="cannot create directory"):
        make_engine(f"sqlite:///{tmp_path / 'a-file' / 'sub' / 'r.db'}")


def test_objects_stay_readable_after_their_session_commits_and_closes(engine: Engine) -> None:
    sessions = session_factory(engine)
    with sessions.begin() as session:
        account = Account(name="work", email="me@work.example")
        session.add(account)

    assert account.name == "work"
    assert account.id > 0
    assert account.created_at.tzinfo is not None
