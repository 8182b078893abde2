"""tenants.revision: bumped by every write to a tenant's data, so cached pages know when to change

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 21:40:00

Every web process reads the revision with the tenant on each request and keys what it caches by it,
so several processes agree on what is current without a shared cache.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("revision")
