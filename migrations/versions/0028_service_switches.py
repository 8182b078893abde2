"""service switches: permit first and courier delivery per service

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 07:10:00

``tenant_services.permit_first`` and ``tenant_services.delivery``: a regency switches permit first and
courier delivery on per service (they were regency policies applied to every permit, every document).
Existing rows are backfilled as a new import sets them: permit first on for the permits (the categories
below) of regencies whose policy issues permits first, delivery on for every service of regencies whose
policy delivers.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

# The permit categories when the switches arrived, frozen here (catalogue.models.PERMIT_CATEGORIES may move on).
PERMIT_CATEGORIES = ("perizinan-usaha", "perizinan-kesehatan", "bangunan-tata-ruang", "lingkungan-hidup")


def upgrade() -> None:
    with op.batch_alter_table("tenant_services") as batch:
        batch.add_column(sa.Column("permit_first", sa.Boolean(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("delivery", sa.Boolean(), nullable=False, server_default="0"))
    services = sa.table("tenant_services", sa.column("tenant_id"), sa.column("category"),
                        sa.column("permit_first", sa.Boolean()), sa.column("delivery", sa.Boolean()))
    policies = sa.table("tenant_policies", sa.column("tenant_id"), sa.column("permit_first", sa.Boolean()),
                        sa.column("courier_delivery", sa.Boolean()))
    op.execute(services.update().where(
        services.c.category.in_(PERMIT_CATEGORIES),
        services.c.tenant_id.in_(sa.select(policies.c.tenant_id).where(policies.c.permit_first.is_(True))))
        .values(permit_first=True))
    op.execute(services.update().where(
        services.c.tenant_id.in_(sa.select(policies.c.tenant_id).where(policies.c.courier_delivery.is_(True))))
        .values(delivery=True))


def downgrade() -> None:
    with op.batch_alter_table("tenant_services") as batch:
        batch.drop_column("delivery")
        batch.drop_column("permit_first")
