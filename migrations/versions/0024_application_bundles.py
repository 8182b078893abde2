"""life-event bundles: one form fanning out into the services' applications, with the family's consent

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 04:35:00

One tenant-owned table (row-level security enabled): application_bundles. Its applications carry its
number in applications.bundle_key (already there).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from satupintu import rls

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('application_bundles',
    sa.Column('number', sa.String(length=10), nullable=False),
    sa.Column('life_event', sa.String(length=60), nullable=False),
    sa.Column('submitted_by', sa.Enum('citizen', 'staff', 'midwife', 'village_operator', name='submitter', native_enum=False, length=20), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'staff_id'], ['staff_accounts.tenant_id', 'staff_accounts.id'], name=op.f('fk_application_bundles_tenant_id_staff_id_staff_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_application_bundles_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_bundles')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_application_bundles_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'number', name=op.f('uq_application_bundles_tenant_id_number')),
    info={'bumps_revision': False}
    )
    with op.batch_alter_table('application_bundles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_bundles_tenant_id'), ['tenant_id'], unique=False)

    rls.enable(op, 'application_bundles')


def downgrade() -> None:
    with op.batch_alter_table('application_bundles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_bundles_tenant_id'))

    op.drop_table('application_bundles')
