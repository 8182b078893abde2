"""permits issued first: the deadline for a permit's documents, its reminders and its revocation

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 03:54:27

One tenant-owned table (row-level security enabled): application_permits, a permit issued before its
documents were complete, with the deadline and next reminder the periodic sweep reads. Applications
gain the status ``revoked`` (a string column: no schema change).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from satupintu import rls

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('application_permits',
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('documents_due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reminder_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminders_sent', sa.Integer(), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_by', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'application_id'], ['applications.tenant_id', 'applications.id'], name=op.f('fk_application_permits_tenant_id_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'completed_by'], ['staff_accounts.tenant_id', 'staff_accounts.id'], name=op.f('fk_application_permits_tenant_id_completed_by_staff_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_application_permits_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_permits')),
    sa.UniqueConstraint('tenant_id', 'application_id', name=op.f('uq_application_permits_tenant_id_application_id')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_application_permits_tenant_id_id')),
    info={'bumps_revision': False}
    )
    with op.batch_alter_table('application_permits', schema=None) as batch_op:
        batch_op.create_index('ix_application_permits_open', ['revoked_at', 'completed_at', 'documents_due_at'], unique=False)
        batch_op.create_index('ix_application_permits_reminder', ['reminder_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_permits_tenant_id'), ['tenant_id'], unique=False)

    rls.enable(op, 'application_permits')


def downgrade() -> None:
    with op.batch_alter_table('application_permits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_permits_tenant_id'))
        batch_op.drop_index('ix_application_permits_reminder')
        batch_op.drop_index('ix_application_permits_open')

    op.drop_table('application_permits')
