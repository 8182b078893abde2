"""complaint photos: the storage key of a complaint's photo

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 07:00:00

``complaints.photo_key``: the key (in :mod:`satupintu.storage`) of the photo a citizen or an officer
attached to a complaint, never a public address. Staff see it through a signed, expiring link; it is
deleted from storage and the column cleared by the complaints' sweep once the complaint is closed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.add_column(sa.Column("photo_key", sa.String(60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.drop_column("photo_key")
