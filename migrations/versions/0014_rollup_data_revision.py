"""benchmark_rollups.data_revision: the tenant revision a rollup was computed from

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 00:50:00

A change's rollup job compares the regency's current revision with the one the stored rollup read,
instead of comparing times: a change that commits while a rollup is being computed leaves the
revisions different, so the next check recomputes. Existing rows start at 0 (recomputed once).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("benchmark_rollups") as batch:
        batch.add_column(sa.Column("data_revision", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("benchmark_rollups") as batch:
        batch.drop_column("data_revision")
