"""A draft may be "failed": it can never be written as planned; `failure` says why, and it is not retried.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 11:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONSTRAINT = "ck_drafts_state_valid"
STATES = "'pending', 'written', 'user_edited', 'deleted_by_user', 'sent', 'withdrawn'"
WITH_FAILED = f"state IN ({STATES}, 'failed')"
WITHOUT_FAILED = f"state IN ({STATES})"


def upgrade() -> None:
    with op.batch_alter_table("drafts") as batch:
        batch.add_column(sa.Column("failure", sa.Text(), nullable=True))
        batch.drop_constraint(op.f(CONSTRAINT), type_="check")
        batch.create_check_constraint(op.f(CONSTRAINT), WITH_FAILED)


def downgrade() -> None:
    # A failed draft was never in Gmail: without the state, its row goes and the next run tries it again.
    drafts = sa.table("drafts", sa.column("state", sa.String))
    op.execute(drafts.delete().where(drafts.c.state == "failed"))
    with op.batch_alter_table("drafts") as batch:
        batch.drop_constraint(op.f(CONSTRAINT), type_="check")
        batch.create_check_constraint(op.f(CONSTRAINT), WITHOUT_FAILED)
        batch.drop_column("failure")
