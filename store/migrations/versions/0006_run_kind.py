"""A `cycle_runs` row says what ran: cycle_runs.kind, "cycle", "sync" (`rapport sync`) or "draft" (`rapport
draft`).

Every row before this revision was a whole cycle (only the daemon, `run --once` and the demo recorded), so
existing rows become "cycle". A downgrade drops the manual runs' rows: the older schema could not tell them
from cycles, and counting them as cycles would bring the integrity audit forward.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-09 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONSTRAINT = "ck_cycle_runs_kind_valid"


def upgrade() -> None:
    with op.batch_alter_table("cycle_runs") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=16), server_default="cycle", nullable=False))
        batch.create_check_constraint(op.f(CONSTRAINT), "kind IN ('cycle', 'sync', 'draft')")


def downgrade() -> None:
    cycle_runs = sa.table("cycle_runs", sa.column("kind", sa.String))
    op.execute(cycle_runs.delete().where(cycle_runs.c.kind != "cycle"))
    with op.batch_alter_table("cycle_runs") as batch:
        batch.drop_constraint(op.f(CONSTRAINT), type_="check")
        batch.drop_column("kind")
