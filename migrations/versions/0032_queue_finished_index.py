"""queue tickets: an index on each line's finished tickets by the time they finished

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 07:35:00

The estimated wait on every poll of a ticket's page and of ``GET .../queue/tickets/{id}`` reads the
line's last 200 finished tickets (their median service time). Without this index that read went
through every ticket the line ever served; with it, it reads those 200 rows and stops.
"""

from __future__ import annotations

from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("queue_tickets") as batch:
        batch.create_index("ix_queue_tickets_finished", ["tenant_id", "group_id", "finished_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("queue_tickets") as batch:
        batch.drop_index("ix_queue_tickets_finished")
