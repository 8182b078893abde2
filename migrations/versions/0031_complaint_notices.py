"""complaint notices: who is told when a complaint escalates, and which escalations were told

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 07:10:00

``complaint_events.notified_at``: when the people answerable at an escalation's new level were
e-mailed about it (claimed once per event by the job or the sweep, complaints.notifications).
Escalations recorded before this migration count as told, so nobody gets a burst of old news.
``tenant_policies.complaint_regent_email``: the regent's office's address for the last level of the
chain (empty: the regency's admins are told instead).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("complaint_events") as batch:
        batch.add_column(sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_complaint_events_unsent", ["tenant_id", "notified_at", "at"])
    op.execute("UPDATE complaint_events SET notified_at = at WHERE kind = 'escalated'")
    with op.batch_alter_table("tenant_policies") as batch:
        batch.add_column(sa.Column("complaint_regent_email", sa.String(254), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("tenant_policies") as batch:
        batch.drop_column("complaint_regent_email")
    with op.batch_alter_table("complaint_events") as batch:
        batch.drop_index("ix_complaint_events_unsent")
        batch.drop_column("notified_at")
