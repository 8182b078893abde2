"""the catalogue in English: every citizen-facing text of a tenant's service has an English twin

Revision ID: 0010
Revises: 0009

Existing rows start with empty English (pages show the Indonesian, marked as such); `satupintu
catalogue upgrade SLUG` adopts the shared catalogue's translations like any other shared change.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

COLUMNS = (
    ("requirements_en", sa.JSON(), sa.text("'[]'")),
    ("steps_en", sa.JSON(), sa.text("'[]'")),
    ("cost_note_en", sa.Text(), sa.text("''")),
    ("product_en", sa.String(length=200), sa.text("''")),
    ("complaint_channel_en", sa.Text(), sa.text("''")),
)


def upgrade() -> None:
    with op.batch_alter_table("tenant_services") as batch:
        for name, type_, default in COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=False, server_default=default))


def downgrade() -> None:
    with op.batch_alter_table("tenant_services") as batch:
        for name, _type, _default in reversed(COLUMNS):
            batch.drop_column(name)
