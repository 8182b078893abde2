"""complaints: categories, complaints, events, breaches; complaint deadlines in the policy

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 03:44:52

Four tenant-owned tables (row-level security enabled on each): complaint categories (every existing
regency gets the default ones here; new regencies get them when provisioned), complaints (contact
details sealed, deadlines as columns), their events and their breaches. The regency's policy gains
the resolution deadline and whether complaint hours count around the clock.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from satupintu import rls

# The categories every regency had when complaints arrived, frozen here: the service's defaults may
# change later without changing what this migration inserted.
DEFAULT_CATEGORIES = (
    ("kualitas-layanan", "Kualitas layanan", "Service quality",
     "Layanan tidak sesuai standar, informasi salah atau persyaratan berubah-ubah.",
     "The service did not meet its standard, wrong information or changing requirements."),
    ("sikap-petugas", "Sikap petugas", "Staff conduct",
     "Petugas tidak ramah, tidak hadir, atau tidak membantu.", "Staff were unfriendly, absent or unhelpful."),
    ("biaya-pungli", "Biaya dan pungutan liar (pungli)", "Fees and illegal levies (pungli)",
     "Diminta membayar di luar tarif resmi atau tanpa tanda terima.",
     "Asked to pay beyond the official fee or without a receipt."),
    ("sarana", "Sarana dan prasarana", "Facilities",
     "Ruang tunggu, toilet, akses difabel, parkir, kios atau layar antrean.",
     "Waiting room, toilets, disability access, parking, kiosks or queue screens."),
    ("waktu-tunggu", "Waktu tunggu dan penyelesaian", "Waiting and completion time",
     "Antrean terlalu lama atau dokumen tidak selesai tepat waktu.",
     "The line was too long or the document was not ready on time."),
    ("lainnya", "Lainnya", "Other", "Pengaduan lain tentang pelayanan publik.",
     "Any other complaint about public services."),
)

TENANT_OWNED = ("complaint_categories", "complaints", "complaint_breaches", "complaint_events")

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('complaint_categories',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_id', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('description_id', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_complaint_categories_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_categories')),
    sa.UniqueConstraint('tenant_id', 'code', name=op.f('uq_complaint_categories_tenant_id_code')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_complaint_categories_tenant_id_id'))
    )
    with op.batch_alter_table('complaint_categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_categories_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('complaints',
    sa.Column('tracking', sa.String(length=12), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('counter_id', sa.Integer(), nullable=True),
    sa.Column('location_id', sa.Integer(), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('latitude', sa.Double(), nullable=True),
    sa.Column('longitude', sa.Double(), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('media_url', sa.String(length=500), nullable=True),
    sa.Column('channel', sa.Enum('web', 'phone', 'whatsapp', 'box', 'lapor', 'open311', name='channel', native_enum=False, length=10), nullable=False),
    sa.Column('external_ref', sa.String(length=100), nullable=True),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('contact_name', sa.Text(), nullable=True),
    sa.Column('contact_email', sa.Text(), nullable=True),
    sa.Column('contact_phone', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('received', 'responded', 'resolved', 'closed', name='status', native_enum=False, length=10), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('response_due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolve_due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_response_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('response_minutes', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('escalate_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'agency_id'], ['agencies.tenant_id', 'agencies.id'], name=op.f('fk_complaints_tenant_id_agency_id_agencies'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'category_id'], ['complaint_categories.tenant_id', 'complaint_categories.id'], name=op.f('fk_complaints_tenant_id_category_id_complaint_categories')),
    sa.ForeignKeyConstraint(['tenant_id', 'counter_id'], ['counters.tenant_id', 'counters.id'], name=op.f('fk_complaints_tenant_id_counter_id_counters'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'location_id'], ['locations.tenant_id', 'locations.id'], name=op.f('fk_complaints_tenant_id_location_id_locations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'recorded_by'], ['staff_accounts.tenant_id', 'staff_accounts.id'], name=op.f('fk_complaints_tenant_id_recorded_by_staff_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'service_id'], ['tenant_services.tenant_id', 'tenant_services.id'], name=op.f('fk_complaints_tenant_id_service_id_tenant_services'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'ticket_id'], ['queue_tickets.tenant_id', 'queue_tickets.id'], name=op.f('fk_complaints_tenant_id_ticket_id_queue_tickets'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_complaints_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_complaints_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'tracking', name=op.f('uq_complaints_tenant_id_tracking')),
    info={'bumps_revision': False}
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaints_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_category_id'), ['category_id'], unique=False)
        batch_op.create_index('ix_complaints_escalate', ['tenant_id', 'escalate_at'], unique=False)
        batch_op.create_index('ix_complaints_received', ['tenant_id', 'received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('complaint_breaches',
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('response', 'resolution', name='breachkind', native_enum=False), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'agency_id'], ['agencies.tenant_id', 'agencies.id'], name=op.f('fk_complaint_breaches_tenant_id_agency_id_agencies'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'complaint_id'], ['complaints.tenant_id', 'complaints.id'], name=op.f('fk_complaint_breaches_tenant_id_complaint_id_complaints'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_complaint_breaches_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_breaches')),
    sa.UniqueConstraint('tenant_id', 'complaint_id', 'kind', name=op.f('uq_complaint_breaches_tenant_id_complaint_id_kind')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_complaint_breaches_tenant_id_id')),
    info={'bumps_revision': False}
    )
    with op.batch_alter_table('complaint_breaches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_breaches_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_breaches_complaint_id'), ['complaint_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_breaches_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('complaint_events',
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('received', 'responded', 'note', 'escalated', 'resolved', 'closed', name='eventkind', native_enum=False, length=10), nullable=False),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'complaint_id'], ['complaints.tenant_id', 'complaints.id'], name=op.f('fk_complaint_events_tenant_id_complaint_id_complaints'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'staff_id'], ['staff_accounts.tenant_id', 'staff_accounts.id'], name=op.f('fk_complaint_events_tenant_id_staff_id_staff_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_complaint_events_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_events')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_complaint_events_tenant_id_id')),
    info={'bumps_revision': False}
    )
    with op.batch_alter_table('complaint_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_events_complaint_id'), ['complaint_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_events_tenant_id'), ['tenant_id'], unique=False)

    with op.batch_alter_table('tenant_policies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('complaint_resolution_hours', sa.Integer(), server_default='40', nullable=False))
        batch_op.add_column(sa.Column('complaint_around_the_clock', sa.Boolean(), server_default='0', nullable=False))

    _seed_categories()
    for table in TENANT_OWNED:
        rls.enable(op, table)


def _seed_categories() -> None:
    """The default categories for every regency already there (before row-level security is on)."""
    bind = op.get_bind()
    tenants = [row[0] for row in bind.execute(sa.text("SELECT id FROM tenants ORDER BY id"))]
    table = sa.table("complaint_categories", *(sa.column(name) for name in (
        "tenant_id", "code", "name_id", "name_en", "description_id", "description_en", "position", "active",
        "created_at", "updated_at")))
    now = datetime.now(UTC)
    rows = [{"tenant_id": tenant, "code": code, "name_id": name_id, "name_en": name_en, "description_id": desc_id,
             "description_en": desc_en, "position": n, "active": True, "created_at": now, "updated_at": now}
            for tenant in tenants for n, (code, name_id, name_en, desc_id, desc_en) in enumerate(DEFAULT_CATEGORIES)]
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    with op.batch_alter_table('tenant_policies', schema=None) as batch_op:
        batch_op.drop_column('complaint_around_the_clock')
        batch_op.drop_column('complaint_resolution_hours')

    with op.batch_alter_table('complaint_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_events_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_complaint_events_complaint_id'))

    op.drop_table('complaint_events')
    with op.batch_alter_table('complaint_breaches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_breaches_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_complaint_breaches_complaint_id'))
        batch_op.drop_index(batch_op.f('ix_complaint_breaches_agency_id'))

    op.drop_table('complaint_breaches')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaints_tenant_id'))
        batch_op.drop_index('ix_complaints_received')
        batch_op.drop_index('ix_complaints_escalate')
        batch_op.drop_index(batch_op.f('ix_complaints_category_id'))
        batch_op.drop_index(batch_op.f('ix_complaints_agency_id'))

    op.drop_table('complaints')
    with op.batch_alter_table('complaint_categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_categories_tenant_id'))

    op.drop_table('complaint_categories')
