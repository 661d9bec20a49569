"""A person's display name records its message (internal date, Gmail id), so the newest message's wins.

Existing people are named again from the stored mail: the newest message naming one of their addresses
(latest internal date, ties by the higher Gmail id). A person no stored message names keeps its name.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_people = sa.table(
    "people",
    sa.column("id", sa.Integer),
    sa.column("display_name", sa.Text),
    sa.column("display_name_at", sa.DateTime(timezone=True)),
    sa.column("display_name_gmail_id", sa.String),
)
_person_addresses = sa.table(
    "person_addresses",
    sa.column("account_id", sa.Integer),
    sa.column("person_id", sa.Integer),
    sa.column("email"),
)
_messages = sa.table(
    "messages",
    sa.column("id", sa.Integer),
    sa.column("account_id", sa.Integer),
    sa.column("gmail_id", sa.String),
    sa.column("internal_date", sa.DateTime(timezone=True)),
)
_message_addresses = sa.table(
    "message_addresses",
    sa.column("id", sa.Integer),
    sa.column("message_id", sa.Integer),
    sa.column("email", sa.String),
    sa.column("name", sa.Text),
)


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("display_name_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("display_name_gmail_id", sa.String(), nullable=True))
    _name_people_from_stored_mail()


def _name_people_from_stored_mail() -> None:
    sightings = op.get_bind().execute(
        sa.select(
            _person_addresses.c.person_id,
            _messages.c.internal_date,
            _messages.c.gmail_id,
            _message_addresses.c.name,
        )
        .join(_messages, _messages.c.id == _message_addresses.c.message_id)
        .join(
            _person_addresses,
            sa.and_(
                _person_addresses.c.account_id == _messages.c.account_id,
                _person_addresses.c.email == _message_addresses.c.email,
            ),
        )
        .where(_message_addresses.c.name.is_not(None))
        .order_by(_message_addresses.c.id)
    )
    newest: dict[int, tuple[datetime, str, str]] = {}
    for person_id, internal_date, gmail_id, name in sightings:
        if not name.strip():
            continue
        current = newest.get(person_id)
        # Strictly newer: of one message naming an address twice, the first name (header order) stays.
        if current is None or (internal_date, gmail_id) > current[:2]:
            newest[person_id] = (internal_date, gmail_id, name)
    rows: list[dict[str, Any]] = [
        {"person": person_id, "name": name, "seen_at": seen_at, "gmail_id": gmail_id}
        for person_id, (seen_at, gmail_id, name) in newest.items()
    ]
    if rows:
        op.get_bind().execute(
            _people.update()
            .where(_people.c.id == sa.bindparam("person"))
            .values(
                display_name=sa.bindparam("name"),
                display_name_at=sa.bindparam("seen_at"),
                display_name_gmail_id=sa.bindparam("gmail_id"),
            ),
            rows,
        )


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_column("display_name_gmail_id")
        batch.drop_column("display_name_at")
