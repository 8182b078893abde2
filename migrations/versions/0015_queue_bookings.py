"""queue bookings: booked time slots, their per-slot counts, booking rules, a ticket's slot

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 00:34:36

Two tenant-owned tables (row-level security enabled on each): bookings (an optional reminder
contact, sealed, erased when the booking ends) and the number of bookings per line and slot. The
queue settings gain the booking rules; a ticket made from a booking carries its slot.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from satupintu import rls

TENANT_OWNED = ("queue_booking_slots", "queue_bookings")

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('queue_booking_slots',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('booked', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'group_id'], ['queue_groups.tenant_id', 'queue_groups.id'], name=op.f('fk_queue_booking_slots_tenant_id_group_id_queue_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_queue_booking_slots_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_booking_slots')),
    sa.UniqueConstraint('tenant_id', 'group_id', 'starts_at', name=op.f('uq_queue_booking_slots_tenant_id_group_id_starts_at')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_queue_booking_slots_tenant_id_id'))
    )
    with op.batch_alter_table('queue_booking_slots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queue_booking_slots_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('queue_bookings',
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('slot_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('slot_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('release_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('booked', 'checked_in', 'cancelled', 'no_show', name='bookingstatus', native_enum=False), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('contact_kind', sa.String(length=10), nullable=True),
    sa.Column('contact', sa.Text(), nullable=True),
    sa.Column('reminder_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminder_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('booked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'group_id'], ['queue_groups.tenant_id', 'queue_groups.id'], name=op.f('fk_queue_bookings_tenant_id_group_id_queue_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'service_id'], ['tenant_services.tenant_id', 'tenant_services.id'], name=op.f('fk_queue_bookings_tenant_id_service_id_tenant_services'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'ticket_id'], ['queue_tickets.tenant_id', 'queue_tickets.id'], name=op.f('fk_queue_bookings_tenant_id_ticket_id_queue_tickets'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_queue_bookings_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_bookings')),
    sa.UniqueConstraint('public_id', name=op.f('uq_queue_bookings_public_id')),
    sa.UniqueConstraint('tenant_id', 'code', name=op.f('uq_queue_bookings_tenant_id_code')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_queue_bookings_tenant_id_id'))
    )
    with op.batch_alter_table('queue_bookings', schema=None) as batch_op:
        batch_op.create_index('ix_queue_bookings_release', ['tenant_id', 'status', 'release_at'], unique=False)
        batch_op.create_index('ix_queue_bookings_reminder', ['tenant_id', 'status', 'reminder_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_bookings_tenant_id'), ['tenant_id'], unique=False)

    with op.batch_alter_table('queue_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('booking_slot_minutes', sa.Integer(), server_default='30', nullable=False))
        batch_op.add_column(sa.Column('booking_share_percent', sa.Integer(), server_default='50', nullable=False))
        batch_op.add_column(sa.Column('booking_grace_minutes', sa.Integer(), server_default='15', nullable=False))
        batch_op.add_column(sa.Column('booking_days_ahead', sa.Integer(), server_default='14', nullable=False))

    with op.batch_alter_table('queue_tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slot_at', sa.DateTime(timezone=True), nullable=True))

    for table in TENANT_OWNED:
        rls.enable(op, table)


def downgrade() -> None:
    with op.batch_alter_table('queue_tickets', schema=None) as batch_op:
        batch_op.drop_column('slot_at')

    with op.batch_alter_table('queue_settings', schema=None) as batch_op:
        batch_op.drop_column('booking_days_ahead')
        batch_op.drop_column('booking_grace_minutes')
        batch_op.drop_column('booking_share_percent')
        batch_op.drop_column('booking_slot_minutes')

    with op.batch_alter_table('queue_bookings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_bookings_tenant_id'))
        batch_op.drop_index('ix_queue_bookings_reminder')
        batch_op.drop_index('ix_queue_bookings_release')

    op.drop_table('queue_bookings')
    with op.batch_alter_table('queue_booking_slots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_booking_slots_tenant_id'))

    op.drop_table('queue_booking_slots')
