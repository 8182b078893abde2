"""open311: a regency's API keys (only their SHA-256 digests) for filing service requests

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 03:46:36

One tenant-owned table, row-level security enabled.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from satupintu import rls

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('open311_api_keys',
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('hint', sa.String(length=20), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_open311_api_keys_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open311_api_keys')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_open311_api_keys_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'key_hash', name=op.f('uq_open311_api_keys_tenant_id_key_hash')),
    info={'bumps_revision': False}
    )
    with op.batch_alter_table('open311_api_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open311_api_keys_tenant_id'), ['tenant_id'], unique=False)

    rls.enable(op, "open311_api_keys")


def downgrade() -> None:
    with op.batch_alter_table('open311_api_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open311_api_keys_tenant_id'))

    op.drop_table('open311_api_keys')
