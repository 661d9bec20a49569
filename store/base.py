"""The declarative base every model derives from, with constraint names fixed for portable migrations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, MetaData
from sqlalchemy.orm import DeclarativeBase

from store.utc import UTCDateTime

# Named constraints let later migrations drop or alter them by name, on SQLite (batch mode) and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of the store's models: every ``Mapped[datetime]`` is an aware UTC datetime."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012  (SQLAlchemy reads this class attribute by name)
        datetime: UTCDateTime(),
    }


def one_of(column: str, allowed: tuple[str, ...]) -> CheckConstraint:
    """A CHECK that ``column`` holds one of ``allowed``: the store enforces Rapport's own vocabularies."""
    quoted = ", ".join("'" + value.replace("'", "''") + "'" for value in allowed)
    return CheckConstraint(f"{column} IN ({quoted})", name=f"{column}_valid")
