"""Every datetime the store holds is an instant: aware in, aware UTC out, naive refused, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session, sessionmaker

from store.models import Account, CycleRun
from store.utc import utcnow
from tests.fixtures_store import add_account

INDIA = timezone(timedelta(hours=5, minutes=30))


def test_an_aware_time_in_any_zone_comes_back_as_the_same_instant_in_utc(
    session_factory: sessionmaker[Session],
) -> None:
    account_id = add_account(session_factory)
    started = datetime(2026, 11, 3, 19, 45, 12, 345678, tzinfo=INDIA)
    with session_factory.begin() as session:
        session.add(CycleRun(account_id=account_id, started_at=started))

    with session_factory() as session:
        stored = session.scalars(select(CycleRun.started_at)).one()

    assert stored == started
    assert stored.tzinfo is UTC
    assert stored.isoformat() == "2026-11-03T14:15:12.345678+00:00"


def test_a_naive_datetime_is_refused(session_factory: sessionmaker[Session]) -> None:
    account_id = add_account(session_factory)

    with pytest.raises(StatementError, match="naive datetime"), session_factory.begin() as session:
        session.add(CycleRun(account_id=account_id, started_at=datetime(2026, 11, 3, 14, 15)))


def test_queries_compare_instants_whatever_zone_the_bound_value_carries(
    session_factory: sessionmaker[Session],
) -> None:
    account_id = add_account(session_factory)
    at_noon_utc = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    with session_factory.begin() as session:
        session.add(CycleRun(account_id=account_id, started_at=at_noon_utc))

    same_instant_in_india = at_noon_utc.astimezone(INDIA)
    with session_factory() as session:
        matching = session.scalars(
            select(CycleRun.id).where(CycleRun.started_at == same_instant_in_india)
        ).all()
        later = session.scalars(
            select(CycleRun.id).where(CycleRun.started_at > same_instant_in_india - timedelta(seconds=1))
        ).all()

    assert len(matching) == 1
    assert later == matching


def test_sqlite_keeps_utc_and_postgres_keeps_timestamptz(
    engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        session.add(
            Account(name="a", email="a@example.com", created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=INDIA))
        )

    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            raw = connection.execute(text("SELECT created_at FROM accounts")).scalar()
            assert raw == "2026-01-01 21:34:05.000000"
        else:
            data_type = connection.execute(
                text(
                    "SELECT data_type FROM information_schema.columns"
                    " WHERE table_name = 'accounts' AND column_name = 'created_at'"
                )
            ).scalar()
            assert data_type == "timestamp with time zone"


def test_the_store_clock_is_aware_utc() -> None:
    assert utcnow().tzinfo is UTC
