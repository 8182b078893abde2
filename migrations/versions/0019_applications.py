"""applications: a service applied for, its timeline and its document checklist

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 03:44:57

Three tenant-owned tables (row-level security enabled on each): applications (the applicant's NIK,
name, phone and e-mail sealed, masked forms beside them, a random tracking number, the due date),
application_events (the timeline; ``notified_at`` claimed once per event) and application_documents
(the service's requirements as a checklist).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from satupintu import rls

TENANT_OWNED = ("applications", "application_documents", "application_events")

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('applications',
    sa.Column('tracking_number', sa.String(length=10), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('submitted', 'verified', 'in_process', 'done', 'ready', 'delivered', 'rejected', name='applicationstatus', native_enum=False, length=20), nullable=False),
    sa.Column('nik', sa.Text(), nullable=True),
    sa.Column('nik_digest', sa.String(length=64), nullable=True),
    sa.Column('nik_masked', sa.String(length=20), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('name_masked', sa.String(length=120), nullable=False),
    sa.Column('phone', sa.Text(), nullable=True),
    sa.Column('email', sa.Text(), nullable=True),
    sa.Column('answers', sa.Text(), nullable=True),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('submitted_by', sa.Enum('citizen', 'staff', 'midwife', 'village_operator', name='submitter', native_enum=False, length=20), nullable=False),
    sa.Column('submitted_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.Enum('web', 'api', 'counter', name='channel', native_enum=False, length=10), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rejection_reason', sa.Text(), nullable=True),
    sa.Column('village_code', sa.String(length=13), nullable=True),
    sa.Column('bundle_key', sa.String(length=40), nullable=True),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'agency_id'], ['agencies.tenant_id', 'agencies.id'], name=op.f('fk_applications_tenant_id_agency_id_agencies'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'service_id'], ['tenant_services.tenant_id', 'tenant_services.id'], name=op.f('fk_applications_tenant_id_service_id_tenant_services')),
    sa.ForeignKeyConstraint(['tenant_id', 'submitted_by_staff_id'], ['staff_accounts.tenant_id', 'staff_accounts.id'], name=op.f('fk_applications_tenant_id_submitted_by_staff_id_staff_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_applications_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applications')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_applications_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'tracking_number', name=op.f('uq_applications_tenant_id_tracking_number')),
    info={'bumps_revision': False}
    )
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applications_nik_digest'), ['nik_digest'], unique=False)
        batch_op.create_index('ix_applications_queue', ['tenant_id', 'agency_id', 'status', 'submitted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_service_id'), ['service_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('application_documents',
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name_id', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('to_bring', 'uploaded', 'verified', name='documentstatus', native_enum=False, length=10), nullable=False),
    sa.Column('upload_key', sa.String(length=300), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('verified_by', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'application_id'], ['applications.tenant_id', 'applications.id'], name=op.f('fk_application_documents_tenant_id_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'verified_by'], ['staff_accounts.tenant_id', 'staff_accounts.id'], name=op.f('fk_application_documents_tenant_id_verified_by_staff_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_application_documents_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_documents')),
    sa.UniqueConstraint('tenant_id', 'application_id', 'position', name=op.f('uq_application_documents_tenant_id_application_id_position')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_application_documents_tenant_id_id')),
    info={'bumps_revision': False}
    )
    with op.batch_alter_table('application_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_documents_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_documents_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('application_events',
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('submitted', 'verified', 'in_process', 'done', 'ready', 'delivered', 'rejected', name='applicationstatus', native_enum=False, length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('actor', sa.Enum('citizen', 'staff', 'midwife', 'village_operator', name='submitter', native_enum=False, length=20), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'application_id'], ['applications.tenant_id', 'applications.id'], name=op.f('fk_application_events_tenant_id_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'staff_id'], ['staff_accounts.tenant_id', 'staff_accounts.id'], name=op.f('fk_application_events_tenant_id_staff_id_staff_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_application_events_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_events')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_application_events_tenant_id_id')),
    info={'bumps_revision': False}
    )
    with op.batch_alter_table('application_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_events_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_events_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_application_events_unsent', ['tenant_id', 'notified_at', 'at'], unique=False)

    for table in TENANT_OWNED:
        rls.enable(op, table)


def downgrade() -> None:
    with op.batch_alter_table('application_events', schema=None) as batch_op:
        batch_op.drop_index('ix_application_events_unsent')
        batch_op.drop_index(batch_op.f('ix_application_events_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_application_events_application_id'))

    op.drop_table('application_events')
    with op.batch_alter_table('application_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_documents_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_application_documents_application_id'))

    op.drop_table('application_documents')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applications_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_applications_service_id'))
        batch_op.drop_index('ix_applications_queue')
        batch_op.drop_index(batch_op.f('ix_applications_nik_digest'))

    op.drop_table('applications')
