"""Alembic environment: runs the store's migrations on the connection ``store.db.upgrade`` hands over.

Run from the command line (``alembic -c store/alembic.ini -x url=sqlite:///dev.db upgrade head``) it opens
its own engine from ``-x url=...``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from store.db import make_engine
from store.models import Base


def _run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    handed_over = context.config.attributes.get("connection")
    if handed_over is not None:
        _run_on(handed_over)
        return
    url = context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        raise SystemExit("give the store URL: alembic -c store/alembic.ini -x url=URL ...")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            _run_on(connection)
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run them against a database")
_run_online()
