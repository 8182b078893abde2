"""platform core: tenants, agencies, locations, counters, services

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 12:50:00.599564
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from satupintu import rls

TENANT_OWNED = ("agencies", "locations", "tenant_policies", "counters", "tenant_services")

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tenants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('region_code', sa.String(length=8), nullable=False),
    sa.Column('province', sa.String(length=80), nullable=False),
    sa.Column('status', sa.Enum('onboarding', 'live', 'suspended', name='tenantstatus', native_enum=False, length=20), nullable=False),
    sa.Column('timezone', sa.Enum('WIB', 'WITA', 'WIT', name='timezone', native_enum=False), nullable=False),
    sa.Column('catalogue_version', sa.String(length=20), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenants')),
    sa.UniqueConstraint('region_code', name=op.f('uq_tenants_region_code')),
    sa.UniqueConstraint('slug', name=op.f('uq_tenants_slug'))
    )
    op.create_table('agencies',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('short', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.Enum('opd', 'vertikal', 'bumn', 'bumd', name='agencykind', native_enum=False, length=10), nullable=False),
    sa.Column('template', sa.String(length=60), nullable=True),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_agencies_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agencies')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_agencies_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'key', name=op.f('uq_agencies_tenant_id_key'))
    )
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agencies_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('locations',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('mpp', 'pasar', 'kantor', 'desa', name='locationkind', native_enum=False, length=10), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('hours', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_locations_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_locations')),
    sa.UniqueConstraint('tenant_id', 'code', name=op.f('uq_locations_tenant_id_code')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_locations_tenant_id_id'))
    )
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_locations_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('tenant_policies',
    sa.Column('permit_first', sa.Boolean(), nullable=False),
    sa.Column('document_deadline_days', sa.Integer(), nullable=True),
    sa.Column('courier_delivery', sa.Boolean(), nullable=False),
    sa.Column('courier_note', sa.String(length=300), nullable=False),
    sa.Column('complaint_response_hours', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tenant_policies_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenant_policies')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_tenant_policies_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', name=op.f('uq_tenant_policies_tenant_id'))
    )
    with op.batch_alter_table('tenant_policies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tenant_policies_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('counters',
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'agency_id'], ['agencies.tenant_id', 'agencies.id'], name=op.f('fk_counters_tenant_id_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'location_id'], ['locations.tenant_id', 'locations.id'], name=op.f('fk_counters_tenant_id_location_id_locations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_counters_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counters')),
    sa.UniqueConstraint('tenant_id', 'code', name=op.f('uq_counters_tenant_id_code')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_counters_tenant_id_id'))
    )
    with op.batch_alter_table('counters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_counters_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_counters_location_id'), ['location_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_counters_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('tenant_services',
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('provider_kind', sa.String(length=10), nullable=False),
    sa.Column('provider', sa.String(length=60), nullable=False),
    sa.Column('name_id', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('summary_id', sa.Text(), nullable=False),
    sa.Column('summary_en', sa.Text(), nullable=False),
    sa.Column('requirements', sa.JSON(), nullable=False),
    sa.Column('steps', sa.JSON(), nullable=False),
    sa.Column('completion_value', sa.Integer(), nullable=False),
    sa.Column('completion_unit', sa.String(length=10), nullable=False),
    sa.Column('cost', sa.Integer(), nullable=False),
    sa.Column('cost_note', sa.Text(), nullable=False),
    sa.Column('product', sa.String(length=200), nullable=False),
    sa.Column('legal_basis', sa.JSON(), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('complaint_channel', sa.Text(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('upstream', sa.Enum('current', 'offered', 'removed', 'local', name='upstreamstatus', native_enum=False, length=10), nullable=False),
    sa.Column('catalogue_version', sa.String(length=20), nullable=False),
    sa.Column('base', sa.JSON(), nullable=False),
    sa.Column('overrides', sa.JSON(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('counter_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'agency_id'], ['agencies.tenant_id', 'agencies.id'], name=op.f('fk_tenant_services_tenant_id_agency_id_agencies')),
    sa.ForeignKeyConstraint(['tenant_id', 'counter_id'], ['counters.tenant_id', 'counters.id'], name=op.f('fk_tenant_services_tenant_id_counter_id_counters')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tenant_services_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenant_services')),
    sa.UniqueConstraint('tenant_id', 'code', name=op.f('uq_tenant_services_tenant_id_code')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_tenant_services_tenant_id_id'))
    )
    with op.batch_alter_table('tenant_services', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tenant_services_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tenant_services_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_tenant_services_counter_id'), ['counter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tenant_services_tenant_id'), ['tenant_id'], unique=False)

    for table in TENANT_OWNED:
        rls.enable(op, table)


def downgrade() -> None:
    with op.batch_alter_table('tenant_services', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tenant_services_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_tenant_services_counter_id'))
        batch_op.drop_index(batch_op.f('ix_tenant_services_category'))
        batch_op.drop_index(batch_op.f('ix_tenant_services_agency_id'))

    op.drop_table('tenant_services')
    with op.batch_alter_table('counters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_counters_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_counters_location_id'))
        batch_op.drop_index(batch_op.f('ix_counters_agency_id'))

    op.drop_table('counters')
    with op.batch_alter_table('tenant_policies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tenant_policies_tenant_id'))

    op.drop_table('tenant_policies')
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_locations_tenant_id'))

    op.drop_table('locations')
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agencies_tenant_id'))

    op.drop_table('agencies')
    op.drop_table('tenants')
