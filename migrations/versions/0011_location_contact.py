"""locations: telephone and map point, so citizens can call and find them

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("locations") as batch:
        batch.add_column(sa.Column("phone", sa.String(length=30), nullable=False, server_default=sa.text("''")))
        batch.add_column(sa.Column("latitude", sa.Double(), nullable=True))
        batch.add_column(sa.Column("longitude", sa.Double(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("locations") as batch:
        for name in ("longitude", "latitude", "phone"):
            batch.drop_column(name)
