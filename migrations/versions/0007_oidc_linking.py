"""single sign-on: one account per identity, e-mail linking and role sync as explicit settings

Revision ID: 0007
Revises: 0006

An identity (issuer, subject) belongs to at most one account. Accounts that an earlier version
linked to the same identity twice keep the link on the oldest and lose it on the others (they
link again at their next sign-in, under the stricter rules).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _unlink_duplicates(table: str, keys: str) -> None:
    op.execute(sa.text(
        f"UPDATE {table} SET oidc_issuer = NULL, oidc_subject = NULL WHERE oidc_subject IS NOT NULL AND id NOT IN "
        f"(SELECT min(id) FROM {table} WHERE oidc_subject IS NOT NULL GROUP BY {keys})"))


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:  # the owner runs this, and row-level security is forced on staff_accounts
        op.execute("ALTER TABLE staff_accounts NO FORCE ROW LEVEL SECURITY")
    _unlink_duplicates("staff_accounts", "tenant_id, oidc_issuer, oidc_subject")
    if postgres:
        op.execute("ALTER TABLE staff_accounts FORCE ROW LEVEL SECURITY")
    _unlink_duplicates("platform_accounts", "oidc_issuer, oidc_subject")
    op.create_index("uq_staff_accounts_oidc_identity", "staff_accounts", ["tenant_id", "oidc_issuer", "oidc_subject"],
                    unique=True)
    op.create_index("uq_platform_accounts_oidc_identity", "platform_accounts", ["oidc_issuer", "oidc_subject"],
                    unique=True)
    with op.batch_alter_table("identity_providers") as batch:
        batch.add_column(sa.Column("link_by_email", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("sync_roles", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("identity_providers") as batch:
        batch.drop_column("sync_roles")
        batch.drop_column("link_by_email")
    op.drop_index("uq_platform_accounts_oidc_identity", table_name="platform_accounts")
    op.drop_index("uq_staff_accounts_oidc_identity", table_name="staff_accounts")
