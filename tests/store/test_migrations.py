"""The Alembic migrations build exactly the schema the models declare, from empty, on every backend."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Engine, Integer, MetaData, insert, inspect, select
from sqlalchemy.orm import Session

from store.db import alembic_config, make_engine, upgrade
from store.models import (
    Account,
    Base,
    CycleRun,
    Message,
    MessageAddress,
    MessageIntent,
    Person,
    PersonAddress,
    Thread,
)


def _schema_differences(engine: Engine, metadata: MetaData) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def test_an_empty_store_migrates_to_the_schema_the_models_declare(store_url: str) -> None:
    engine = make_engine(store_url)
    upgrade(engine)

    assert _schema_differences(engine, Base.metadata) == []
    assert set(inspect(engine).get_table_names()) == set(Base.metadata.tables) | {"alembic_version"}
    engine.dispose()


def test_the_schema_comparison_notices_a_column_the_migrations_lack(engine: Engine) -> None:
    drifted = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(drifted)
    drifted.tables["accounts"].append_column(Column("nickname", Integer, nullable=True))

    differences = _schema_differences(engine, drifted)

    assert [difference[0] for difference in differences] == ["add_column"]  # type: ignore[index]


def test_upgrading_twice_changes_nothing(engine: Engine) -> None:
    upgrade(engine)

    assert _schema_differences(engine, Base.metadata) == []


def test_the_first_revision_downgrades_to_nothing_and_back(store_url: str) -> None:
    engine = make_engine(store_url)
    upgrade(engine)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert inspect(engine).get_table_names() == ["alembic_version"]

    upgrade(engine)

    assert _schema_differences(engine, Base.metadata) == []
    engine.dispose()


def test_processes_starting_together_on_a_new_store_both_see_it_migrated(store_url: str) -> None:
    engines = [make_engine(store_url) for _ in range(3)]
    barrier = threading.Barrier(len(engines))
    failures: list[BaseException] = []

    def start(engine: Engine) -> None:
        barrier.wait()
        try:
            upgrade(engine)
        except Exception as error:  # noqa: BLE001  (collected and asserted on below)
            failures.append(error)

    threads = [threading.Thread(target=start, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert _schema_differences(engines[0], Base.metadata) == []
    for engine in engines:
        engine.dispose()


def test_people_of_an_existing_store_are_named_by_their_newest_mail(store_url: str) -> None:
    engine = make_engine(store_url)
    upgrade(engine, "0002")
    at = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    with Session(engine) as session, session.begin():
        account = Account(name="work", email="alex@example.com")
        session.add(account)
        session.flush()
        # Stored before names recorded their message: the list is named by the first post stored, Maya's.
        session.execute(
            insert(Person.__table__).values(  # type: ignore[arg-type]
                id=1, account_id=account.id, primary_email="list@groups.example", display_name="Maya via List"
            )
        )
        session.add(PersonAddress(account_id=account.id, person_id=1, email="list@groups.example"))
        thread = Thread(account_id=account.id, gmail_id="t1")
        for number, (days, name) in enumerate([(1, "Maya via List"), (5, "Riley via List"), (6, None)]):
            message = Message(account_id=account.id, thread=thread, gmail_id=f"m{number}")
            message.internal_date = at + timedelta(days=days)
            message.addresses = [
                MessageAddress(
                    role="from",
                    email="list@groups.example",
                    raw_email="list@groups.example",
                    name=name,
                    position=0,
                )
            ]
            session.add(message)

    upgrade(engine)

    with Session(engine) as session:
        person = session.get_one(Person, 1)
        assert (person.display_name, person.display_name_at, person.display_name_gmail_id) == (
            "Riley via List",
            at + timedelta(days=5),
            "m1",
        )
    engine.dispose()


def test_reply_intents_decided_before_fingerprints_are_kept_without_one(store_url: str) -> None:
    # Null: decided by settings nobody recorded, so the rules decide them again (docs/rules.md).
    engine = make_engine(store_url)
    upgrade(engine, "0004")
    intents = MessageIntent.__table__
    with Session(engine) as session, session.begin():
        account = Account(name="work", email="alex@example.com")
        session.add(account)
        session.flush()
        session.execute(
            insert(intents).values(  # type: ignore[arg-type]
                account_id=account.id,
                gmail_id="m1",
                expects_reply=True,
                trigger="Could you?",
                classified_at=datetime(2026, 7, 1, tzinfo=UTC),
            )
        )

    upgrade(engine)

    with Session(engine) as session:
        intent = session.scalars(select(MessageIntent)).one()
        assert (intent.gmail_id, intent.expects_reply, intent.fingerprint) == ("m1", True, None)
    engine.dispose()


def test_runs_recorded_before_run_kinds_are_kept_as_cycles(store_url: str) -> None:
    # Before 0006 only whole cycles (the daemon, `run --once`, the demo) were recorded.
    engine = make_engine(store_url)
    upgrade(engine, "0005")
    # The table as 0005 had it (the model's would insert a kind).
    counts = ("synced_messages", "synced_events", "found", "drafted")
    runs = sa.table(
        "cycle_runs", *(sa.column(name) for name in ("account_id", "outcome", "error", "started_at", *counts))
    )
    with Session(engine) as session, session.begin():
        account = Account(name="work", email="alex@example.com")
        session.add(account)
        session.flush()
        for outcome, error in [("ok", None), ("auth_error", "Google refused the saved token")]:
            session.execute(
                insert(runs).values(
                    account_id=account.id,
                    outcome=outcome,
                    error=error,
                    started_at=datetime.now(UTC),
                    **dict.fromkeys(counts, 0),
                )
            )

    upgrade(engine)

    with Session(engine) as session:
        kept = session.scalars(select(CycleRun).order_by(CycleRun.id)).all()
        assert [(run.kind, run.outcome, run.error) for run in kept] == [
            ("cycle", "ok", None),
            ("cycle", "auth_error", "Google refused the saved token"),
        ]
    engine.dispose()
