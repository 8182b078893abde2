"""courier deliveries of finished documents: the sealed address, the hand-over code's digest, the status

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 04:20:00

One tenant-owned table (row-level security enabled): application_deliveries.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from satupintu import rls

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('application_deliveries',
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('requested', 'dispatched', 'delivered', 'cancelled', name='deliverystatus', native_enum=False, length=12), nullable=False),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('address_masked', sa.String(length=120), nullable=False),
    sa.Column('free', sa.Boolean(), nullable=False),
    sa.Column('code_digest', sa.String(length=64), nullable=False),
    sa.Column('partner', sa.String(length=40), nullable=False),
    sa.Column('partner_ref', sa.String(length=100), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handed_over_by', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'application_id'], ['applications.tenant_id', 'applications.id'], name=op.f('fk_application_deliveries_tenant_id_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'handed_over_by'], ['staff_accounts.tenant_id', 'staff_accounts.id'], name=op.f('fk_application_deliveries_tenant_id_handed_over_by_staff_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_application_deliveries_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_deliveries')),
    sa.UniqueConstraint('tenant_id', 'application_id', name=op.f('uq_application_deliveries_tenant_id_application_id')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_application_deliveries_tenant_id_id')),
    info={'bumps_revision': False}
    )
    with op.batch_alter_table('application_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_deliveries_tenant_id'), ['tenant_id'], unique=False)

    rls.enable(op, 'application_deliveries')


def downgrade() -> None:
    with op.batch_alter_table('application_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_deliveries_tenant_id'))

    op.drop_table('application_deliveries')
