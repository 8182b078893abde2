"""village service points: a regency's villages (codes checked by shape under its prefix) and their operators

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 04:50:00

Two tenant-owned tables (row-level security enabled): villages and village_operators. Staff accounts
gain the role ``village_operator`` and applications already carry ``village_code`` (string columns:
no schema change).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from satupintu import rls

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('villages',
    sa.Column('code', sa.String(length=13), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.Enum('kelurahan', 'desa', name='villagekind', native_enum=False, length=10), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_villages_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_villages')),
    sa.UniqueConstraint('tenant_id', 'code', name=op.f('uq_villages_tenant_id_code')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_villages_tenant_id_id'))
    )
    with op.batch_alter_table('villages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_villages_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('village_operators',
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'staff_id'], ['staff_accounts.tenant_id', 'staff_accounts.id'], name=op.f('fk_village_operators_tenant_id_staff_id_staff_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'village_id'], ['villages.tenant_id', 'villages.id'], name=op.f('fk_village_operators_tenant_id_village_id_villages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_village_operators_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_village_operators')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_village_operators_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'staff_id', name=op.f('uq_village_operators_tenant_id_staff_id'))
    )
    with op.batch_alter_table('village_operators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_village_operators_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_village_operators_village_id'), ['village_id'], unique=False)

    for table in ('villages', 'village_operators'):
        rls.enable(op, table)


def downgrade() -> None:
    with op.batch_alter_table('village_operators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_village_operators_village_id'))
        batch_op.drop_index(batch_op.f('ix_village_operators_tenant_id'))

    op.drop_table('village_operators')
    with op.batch_alter_table('villages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_villages_tenant_id'))

    op.drop_table('villages')
