"""survey responses: one answered satisfaction survey (SKM) per served transaction

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 03:48:30

One tenant-owned table (row-level security enabled): the nine element scores (1 to 4, checked), an
optional comment, the service, agency, location and local month of the transaction, and a keyed
digest of the transaction, unique per regency and kind (each transaction is rated once).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from satupintu import rls

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('survey_responses',
    sa.Column('transaction_kind', sa.String(length=12), nullable=False),
    sa.Column('transaction_digest', sa.String(length=64), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('location_id', sa.Integer(), nullable=True),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('u1', sa.SmallInteger(), nullable=False),
    sa.Column('u2', sa.SmallInteger(), nullable=False),
    sa.Column('u3', sa.SmallInteger(), nullable=False),
    sa.Column('u4', sa.SmallInteger(), nullable=False),
    sa.Column('u5', sa.SmallInteger(), nullable=False),
    sa.Column('u6', sa.SmallInteger(), nullable=False),
    sa.Column('u7', sa.SmallInteger(), nullable=False),
    sa.Column('u8', sa.SmallInteger(), nullable=False),
    sa.Column('u9', sa.SmallInteger(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('u1 BETWEEN 1 AND 4', name=op.f('ck_survey_responses_u1_score')),
    sa.CheckConstraint('u2 BETWEEN 1 AND 4', name=op.f('ck_survey_responses_u2_score')),
    sa.CheckConstraint('u3 BETWEEN 1 AND 4', name=op.f('ck_survey_responses_u3_score')),
    sa.CheckConstraint('u4 BETWEEN 1 AND 4', name=op.f('ck_survey_responses_u4_score')),
    sa.CheckConstraint('u5 BETWEEN 1 AND 4', name=op.f('ck_survey_responses_u5_score')),
    sa.CheckConstraint('u6 BETWEEN 1 AND 4', name=op.f('ck_survey_responses_u6_score')),
    sa.CheckConstraint('u7 BETWEEN 1 AND 4', name=op.f('ck_survey_responses_u7_score')),
    sa.CheckConstraint('u8 BETWEEN 1 AND 4', name=op.f('ck_survey_responses_u8_score')),
    sa.CheckConstraint('u9 BETWEEN 1 AND 4', name=op.f('ck_survey_responses_u9_score')),
    sa.ForeignKeyConstraint(['tenant_id', 'agency_id'], ['agencies.tenant_id', 'agencies.id'], name=op.f('fk_survey_responses_tenant_id_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'location_id'], ['locations.tenant_id', 'locations.id'], name=op.f('fk_survey_responses_tenant_id_location_id_locations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'service_id'], ['tenant_services.tenant_id', 'tenant_services.id'], name=op.f('fk_survey_responses_tenant_id_service_id_tenant_services'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_survey_responses_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_responses')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_survey_responses_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'transaction_kind', 'transaction_digest', name=op.f('uq_survey_responses_tenant_id_transaction_kind_transaction_digest')),
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index('ix_survey_responses_month', ['tenant_id', 'month'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_responses_tenant_id'), ['tenant_id'], unique=False)

    rls.enable(op, "survey_responses")


def downgrade() -> None:
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_responses_tenant_id'))
        batch_op.drop_index('ix_survey_responses_month')

    op.drop_table('survey_responses')
