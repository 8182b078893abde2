"""application consent: when the applicant agreed to someone submitting on their behalf

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 07:05:00

``applications.consent_at``: the moment a midwife, village operator or other staff member who
submitted the application recorded the applicant's (the family's) consent; empty for a citizen's own
application. Staff accounts may now also hold the role ``midwife`` (the role column is a plain
string: no schema change).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("consent_at")
