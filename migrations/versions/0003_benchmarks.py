"""benchmarks: survey results, evaluation self-assessments, monthly figures, and the ministry's rollups

Revision ID: 0003
Revises: 0002

The three tenant-owned tables get row-level security; the two rollup tables are platform tables
(no tenant_id, keyed by region_code) holding aggregates only.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from satupintu import rls

TENANT_OWNED = ("skm_results", "ipp_evaluations", "ops_monthly")

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('benchmark_rollups',
    sa.Column('region_code', sa.String(length=8), nullable=False),
    sa.Column('tenant_slug', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('province', sa.String(length=80), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('region_code', name=op.f('pk_benchmark_rollups')),
    sa.UniqueConstraint('tenant_slug', name=op.f('uq_benchmark_rollups_tenant_slug'))
    )
    with op.batch_alter_table('benchmark_rollups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_benchmark_rollups_province'), ['province'], unique=False)

    op.create_table('benchmark_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['benchmark_rollups.region_code'], name=op.f('fk_benchmark_series_region_code_benchmark_rollups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_benchmark_series')),
    sa.UniqueConstraint('region_code', 'kind', 'period', name=op.f('uq_benchmark_series_region_code_kind_period'))
    )
    with op.batch_alter_table('benchmark_series', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_benchmark_series_region_code'), ['region_code'], unique=False)

    op.create_table('skm_results',
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('respondents', sa.Integer(), nullable=False),
    sa.Column('totals', sa.JSON(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_skm_results_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skm_results')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_skm_results_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'period', name=op.f('uq_skm_results_tenant_id_period'))
    )
    with op.batch_alter_table('skm_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_skm_results_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('ipp_evaluations',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ipp_evaluations_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ipp_evaluations')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_ipp_evaluations_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'year', name=op.f('uq_ipp_evaluations_tenant_id_year'))
    )
    with op.batch_alter_table('ipp_evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ipp_evaluations_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('ops_monthly',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('visitors', sa.Integer(), nullable=False),
    sa.Column('transactions', sa.Integer(), nullable=False),
    sa.Column('complaints_received', sa.Integer(), nullable=False),
    sa.Column('complaints_on_time', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ops_monthly_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ops_monthly')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_ops_monthly_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'month', name=op.f('uq_ops_monthly_tenant_id_month'))
    )
    with op.batch_alter_table('ops_monthly', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ops_monthly_tenant_id'), ['tenant_id'], unique=False)

    for table in TENANT_OWNED:
        rls.enable(op, table)


def downgrade() -> None:
    for table in ("ops_monthly", "ipp_evaluations", "skm_results"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_tenant_id"))
        op.drop_table(table)
    with op.batch_alter_table('benchmark_series', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_benchmark_series_region_code'))
    op.drop_table('benchmark_series')
    with op.batch_alter_table('benchmark_rollups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_benchmark_rollups_province'))
    op.drop_table('benchmark_rollups')
