"""onboarding_states: the mentor regency chosen in the wizard, and the counters copied from it

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 01:00:00

The agencies step remembers the live regency a new one learns from, so the services step copies
from the same mentor without asking again, and says how many counters it copied and skipped.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("onboarding_states") as batch:
        batch.add_column(sa.Column("mentor", sa.String(40), nullable=False, server_default=""))
        batch.add_column(sa.Column("counters_copied", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("counters_skipped", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("onboarding_states") as batch:
        batch.drop_column("counters_skipped")
        batch.drop_column("counters_copied")
        batch.drop_column("mentor")
