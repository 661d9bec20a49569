"""A cycle's outcome may be "stopped": shut down mid-cycle (SIGTERM), not failed; the next cycle resumes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 12:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONSTRAINT = "ck_cycle_runs_outcome_valid"
WITH_STOPPED = "outcome IN ('running', 'ok', 'error', 'auth_error', 'stopped')"
WITHOUT_STOPPED = "outcome IN ('running', 'ok', 'error', 'auth_error')"
# What a stopped cycle was recorded as before this revision (and is again after a downgrade).
STOPPED_AS_ERROR = "stopped before the cycle finished (Rapport was shut down); the next cycle resumes"


def upgrade() -> None:
    with op.batch_alter_table("cycle_runs") as batch:
        batch.drop_constraint(op.f(CONSTRAINT), type_="check")
        batch.create_check_constraint(op.f(CONSTRAINT), WITH_STOPPED)


def downgrade() -> None:
    cycle_runs = sa.table("cycle_runs", sa.column("outcome", sa.String), sa.column("error", sa.Text))
    op.execute(
        cycle_runs.update()
        .where(cycle_runs.c.outcome == "stopped")
        .values(outcome="error", error=STOPPED_AS_ERROR)
    )
    with op.batch_alter_table("cycle_runs") as batch:
        batch.drop_constraint(op.f(CONSTRAINT), type_="check")
        batch.create_check_constraint(op.f(CONSTRAINT), WITHOUT_STOPPED)
