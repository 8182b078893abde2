"""knowledge-transfer progress, study visits, MoUs, innovations, and their public projection

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 14:30:00

Five tenant-owned tables (row-level security enabled on each) and two platform tables that the
transfer service writes for the public pages: public_innovations and replications.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from satupintu import rls

TENANT_OWNED = ("module_progress", "quiz_attempts", "study_visits", "mous", "innovations")

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

CATEGORY = sa.Enum("pelayanan-terpadu", "kependudukan", "perizinan", "pengaduan", "desa-digital", "tata-kelola",
                   "lainnya", name="innovationcategory", native_enum=False, length=30)
INNOVATION_STATUS = sa.Enum("planned", "pilot", "running", "stopped", name="innovationstatus", native_enum=False,
                            length=10)


def _tenant_columns(table: str) -> list:
    """The columns and constraints every tenant-owned table gets from TenantOwned."""
    return [
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id_tenants"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f(f"uq_{table}_tenant_id_id")),
    ]


def _staff_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["tenant_id", "staff_id"], ["staff_accounts.tenant_id", "staff_accounts.id"],
                                   name=op.f(f"fk_{table}_tenant_id_staff_id_staff_accounts"), ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "module_progress",
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("module_slug", sa.String(length=80), nullable=False),
        sa.Column("checklist_done", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("best_score", sa.Integer(), nullable=True),
        sa.Column("last_score", sa.Integer(), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        *_tenant_columns("module_progress"),
        _staff_fk("module_progress"),
        sa.UniqueConstraint("tenant_id", "staff_id", "module_slug",
                            name=op.f("uq_module_progress_tenant_id_staff_id_module_slug")),
    )
    op.create_table(
        "quiz_attempts",
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("module_slug", sa.String(length=80), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        *_tenant_columns("quiz_attempts"),
        _staff_fk("quiz_attempts"),
    )
    op.create_table(
        "study_visits",
        sa.Column("role", sa.Enum("host", "visitor", name="visitrole", native_enum=False, length=10), nullable=False),
        sa.Column("counterpart_code", sa.String(length=8), nullable=True),
        sa.Column("counterpart_name", sa.String(length=120), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=True),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column("participants", sa.Integer(), nullable=True),
        sa.Column("delegation", sa.Text(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("outcomes", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        *_tenant_columns("study_visits"),
    )
    op.create_table(
        "mous",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("counterpart_code", sa.String(length=8), nullable=True),
        sa.Column("counterpart_name", sa.String(length=120), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("status", sa.Enum("draft", "signed", "active", "ended", name="moustatus", native_enum=False,
                                    length=10), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        *_tenant_columns("mous"),
    )
    op.create_table(
        "innovations",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("category", CATEGORY, nullable=False),
        sa.Column("year_started", sa.Integer(), nullable=True),
        sa.Column("status", INNOVATION_STATUS, nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("replicated_from_code", sa.String(length=8), nullable=True),
        sa.Column("replicated_from_name", sa.String(length=120), nullable=True),
        sa.Column("replicated_from_title", sa.String(length=200), nullable=True),
        sa.Column("replicated_from_key", sa.String(length=60), nullable=True),
        *_tenant_columns("innovations"),
        sa.UniqueConstraint("tenant_id", "key", name=op.f("uq_innovations_tenant_id_key")),
    )
    for table in ("module_progress", "quiz_attempts"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_staff_id"), ["staff_id"], unique=False)
            batch_op.create_index(batch_op.f(f"ix_{table}_tenant_id"), ["tenant_id"], unique=False)
    for table in ("study_visits", "mous", "innovations"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "public_innovations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_tenant_id", sa.Integer(), nullable=False),
        sa.Column("tenant_slug", sa.String(length=40), nullable=False),
        sa.Column("region_code", sa.String(length=8), nullable=False),
        sa.Column("region_name", sa.String(length=120), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("category", CATEGORY, nullable=False),
        sa.Column("year_started", sa.Integer(), nullable=True),
        sa.Column("status", INNOVATION_STATUS, nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["source_tenant_id"], ["tenants.id"],
                                name=op.f("fk_public_innovations_source_tenant_id_tenants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_innovations")),
        sa.UniqueConstraint("source_tenant_id", "key", name=op.f("uq_public_innovations_source_tenant_id_key")),
    )
    with op.batch_alter_table("public_innovations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_public_innovations_source_tenant_id"), ["source_tenant_id"], unique=False)
    op.create_table(
        "replications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("replicated", "study_visit", name="linkkind", native_enum=False, length=20),
                  nullable=False),
        sa.Column("source_code", sa.String(length=8), nullable=False),
        sa.Column("source_name", sa.String(length=120), nullable=False),
        sa.Column("source_tenant_id", sa.Integer(), nullable=True),
        sa.Column("source_key", sa.String(length=60), nullable=True),
        sa.Column("target_code", sa.String(length=8), nullable=False),
        sa.Column("target_name", sa.String(length=120), nullable=False),
        sa.Column("target_tenant_id", sa.Integer(), nullable=True),
        sa.Column("innovation_title", sa.String(length=200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["source_tenant_id"], ["tenants.id"],
                                name=op.f("fk_replications_source_tenant_id_tenants"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["target_tenant_id"], ["tenants.id"],
                                name=op.f("fk_replications_target_tenant_id_tenants"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_replications")),
        sa.UniqueConstraint("source_code", "target_code", "innovation_title", "kind",
                            name=op.f("uq_replications_source_code_target_code_innovation_title_kind")),
    )
    with op.batch_alter_table("replications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_replications_source_code"), ["source_code"], unique=False)

    for table in TENANT_OWNED:
        rls.enable(op, table)


def downgrade() -> None:
    with op.batch_alter_table("replications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_replications_source_code"))
    op.drop_table("replications")
    with op.batch_alter_table("public_innovations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_public_innovations_source_tenant_id"))
    op.drop_table("public_innovations")
    for table in ("study_visits", "mous", "innovations"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_tenant_id"))
    for table in ("module_progress", "quiz_attempts"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_tenant_id"))
            batch_op.drop_index(batch_op.f(f"ix_{table}_staff_id"))
    for table in ("innovations", "mous", "study_visits", "quiz_attempts", "module_progress"):
        op.drop_table(table)
