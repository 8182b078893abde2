"""retention: a retention period per service, and when each application's personal data is erased

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 04:05:00

``tenant_services.retention_days``: how long an application's personal data and uploaded documents
are kept after it ends (delivered or rejected); 365 days unless the regency sets another period.
``applications.erase_after`` is that deadline, stamped when the application ends, and
``applications.erased_at`` when the periodic sweep erased it (applications.retention).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tenant_services") as batch:
        batch.add_column(sa.Column("retention_days", sa.Integer(), nullable=False, server_default="365"))
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("erase_after", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_applications_erase_after", ["tenant_id", "erase_after"])


def downgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.drop_index("ix_applications_erase_after")
        batch.drop_column("erased_at")
        batch.drop_column("erase_after")
    with op.batch_alter_table("tenant_services") as batch:
        batch.drop_column("retention_days")
