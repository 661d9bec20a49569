"""The Alembic migrations build exactly the schema the models declare, from empty, on every backend."""

from __future__ import annotations

import threading

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Engine, Integer, MetaData, inspect

from store.db import alembic_config, make_engine, upgrade
from store.models import Base


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
