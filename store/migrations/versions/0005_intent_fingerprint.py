"""A stored reply intent keeps the fingerprint of the settings that decided it: message_intents.fingerprint.

When the user edits the phrase lists that decide whether a sent mail expects an answer, the rules decide
again every mail whose fingerprint differs. Existing decisions get none: made by settings nobody recorded,
they are made again on the next run (their bodies fetched once more).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("message_intents") as batch:
        batch.add_column(sa.Column("fingerprint", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("message_intents") as batch:
        batch.drop_column("fingerprint")
