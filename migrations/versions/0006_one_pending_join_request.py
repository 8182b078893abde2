"""one pending join request per region

Revision ID: 0006
Revises: 0005

Requests already waiting twice for the same region keep their oldest; the later copies are marked
rejected (by "satupintu: duplicate") so the unique index can be built.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.execute(sa.text(
        "UPDATE join_requests SET status = 'rejected', decided_by = 'satupintu: duplicate', "
        "decided_at = CURRENT_TIMESTAMP WHERE status = 'pending' AND id NOT IN "
        "(SELECT min(id) FROM join_requests WHERE status = 'pending' GROUP BY region_code)"))
    op.create_index("uq_join_requests_pending_region", "join_requests", ["region_code"], unique=True,
                    sqlite_where=PENDING, postgresql_where=PENDING)


def downgrade() -> None:
    op.drop_index("uq_join_requests_pending_region", table_name="join_requests")
