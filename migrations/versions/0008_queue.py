"""queue: counter groups, number sequences, tickets, desks

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 21:19:27

Six tenant-owned tables (row-level security enabled on each): the queue's settings and per-service
quotas, counter groups, the per-day number sequences, tickets (no personal data) and staffed desks.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from satupintu import rls

TENANT_OWNED = ("queue_settings", "queue_groups", "queue_desks", "queue_sequences", "queue_service_rules",
                "queue_tickets")

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('queue_settings',
    sa.Column('priority_weight', sa.Integer(), nullable=False),
    sa.Column('default_service_minutes', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_queue_settings_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_settings')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_queue_settings_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', name=op.f('uq_queue_settings_tenant_id'))
    )
    with op.batch_alter_table('queue_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queue_settings_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('queue_groups',
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('prefix', sa.String(length=2), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'agency_id'], ['agencies.tenant_id', 'agencies.id'], name=op.f('fk_queue_groups_tenant_id_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'location_id'], ['locations.tenant_id', 'locations.id'], name=op.f('fk_queue_groups_tenant_id_location_id_locations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_queue_groups_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_groups')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_queue_groups_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'location_id', 'agency_id', name=op.f('uq_queue_groups_tenant_id_location_id_agency_id')),
    sa.UniqueConstraint('tenant_id', 'location_id', 'prefix', name=op.f('uq_queue_groups_tenant_id_location_id_prefix'))
    )
    with op.batch_alter_table('queue_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queue_groups_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_groups_location_id'), ['location_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_groups_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('queue_desks',
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'counter_id'], ['counters.tenant_id', 'counters.id'], name=op.f('fk_queue_desks_tenant_id_counter_id_counters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'staff_id'], ['staff_accounts.tenant_id', 'staff_accounts.id'], name=op.f('fk_queue_desks_tenant_id_staff_id_staff_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_queue_desks_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_desks')),
    sa.UniqueConstraint('tenant_id', 'counter_id', name=op.f('uq_queue_desks_tenant_id_counter_id')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_queue_desks_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'staff_id', name=op.f('uq_queue_desks_tenant_id_staff_id'))
    )
    with op.batch_alter_table('queue_desks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queue_desks_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('queue_sequences',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'group_id'], ['queue_groups.tenant_id', 'queue_groups.id'], name=op.f('fk_queue_sequences_tenant_id_group_id_queue_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_queue_sequences_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_sequences')),
    sa.UniqueConstraint('tenant_id', 'group_id', 'day', name=op.f('uq_queue_sequences_tenant_id_group_id_day')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_queue_sequences_tenant_id_id'))
    )
    with op.batch_alter_table('queue_sequences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queue_sequences_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_sequences_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('queue_service_rules',
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('daily_quota', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'service_id'], ['tenant_services.tenant_id', 'tenant_services.id'], name=op.f('fk_queue_service_rules_tenant_id_service_id_tenant_services'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_queue_service_rules_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_service_rules')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_queue_service_rules_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'service_id', name=op.f('uq_queue_service_rules_tenant_id_service_id'))
    )
    with op.batch_alter_table('queue_service_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queue_service_rules_service_id'), ['service_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_service_rules_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('queue_tickets',
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=12), nullable=False),
    sa.Column('priority', sa.Boolean(), nullable=False),
    sa.Column('priority_weight', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('waiting', 'called', 'serving', 'done', 'no_show', name='ticketstatus', native_enum=False, length=10), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=True),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('called_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recalled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recalls', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('no_show_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('transferred_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('transfers', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'counter_id'], ['counters.tenant_id', 'counters.id'], name=op.f('fk_queue_tickets_tenant_id_counter_id_counters'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'group_id'], ['queue_groups.tenant_id', 'queue_groups.id'], name=op.f('fk_queue_tickets_tenant_id_group_id_queue_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'service_id'], ['tenant_services.tenant_id', 'tenant_services.id'], name=op.f('fk_queue_tickets_tenant_id_service_id_tenant_services'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_queue_tickets_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_tickets')),
    sa.UniqueConstraint('public_id', name=op.f('uq_queue_tickets_public_id')),
    sa.UniqueConstraint('tenant_id', 'group_id', 'day', 'number', name=op.f('uq_queue_tickets_tenant_id_group_id_day_number')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_queue_tickets_tenant_id_id'))
    )
    with op.batch_alter_table('queue_tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queue_tickets_counter_id'), ['counter_id'], unique=False)
        batch_op.create_index('ix_queue_tickets_line', ['tenant_id', 'group_id', 'day', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_tickets_tenant_id'), ['tenant_id'], unique=False)

    for table in TENANT_OWNED:
        rls.enable(op, table)


def downgrade() -> None:
    with op.batch_alter_table('queue_tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_tickets_tenant_id'))
        batch_op.drop_index('ix_queue_tickets_line')
        batch_op.drop_index(batch_op.f('ix_queue_tickets_counter_id'))

    op.drop_table('queue_tickets')
    with op.batch_alter_table('queue_service_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_service_rules_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_queue_service_rules_service_id'))

    op.drop_table('queue_service_rules')
    with op.batch_alter_table('queue_sequences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_sequences_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_queue_sequences_group_id'))

    op.drop_table('queue_sequences')
    with op.batch_alter_table('queue_desks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_desks_tenant_id'))

    op.drop_table('queue_desks')
    with op.batch_alter_table('queue_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_groups_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_queue_groups_location_id'))
        batch_op.drop_index(batch_op.f('ix_queue_groups_agency_id'))

    op.drop_table('queue_groups')
    with op.batch_alter_table('queue_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_settings_tenant_id'))

    op.drop_table('queue_settings')
