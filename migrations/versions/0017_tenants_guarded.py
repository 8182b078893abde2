"""tenants: the app role cannot delete or re-point a regency; the audit log outlives no cascade

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 00:50:00

- ``audit_log.tenant_id`` references ``tenants`` with ON DELETE RESTRICT (it cascaded): history goes
  only when ``satupintu tenants remove --export-then-erase`` has written it to a file and erases it.
- PostgreSQL: row-level security on ``tenants`` (enabled, not forced, so the owner who removes
  regencies and owns the function below is not bound by it): anyone reads; a row is added only with
  no tenant bound; a row is updated only by a transaction bound to it; no row is ever deleted (no
  policy, and ``db upgrade`` grants the app role no DELETE and UPDATE of some columns only).
- PostgreSQL: row-level security on ``public_innovations`` (enabled, not forced): anyone reads the
  public registry; a row is written only by a transaction bound to the regency it comes from.
- PostgreSQL: ``bump_tenant_revisions(integer[])``, SECURITY DEFINER, owned by the schema owner, adds
  one to ``tenants.revision`` of the given regencies and nothing else (the page-cache revision, bumped
  when a unit of work that wrote a regency's rows commits). Only the app role may execute it.
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

CURRENT = "NULLIF(current_setting('app.tenant_id', true), '')::integer"
AUDIT_FK = "fk_audit_log_tenant_id_tenants"
POLICIES = {
    "tenants_read": "FOR SELECT USING (true)",
    "tenants_add_unbound": f"FOR INSERT WITH CHECK ({CURRENT} IS NULL)",
    "tenants_update_own_row": f"FOR UPDATE USING (id = {CURRENT}) WITH CHECK (id = {CURRENT})",
}
PUBLISHED = {
    "public_innovations_read": "FOR SELECT USING (true)",
    "public_innovations_write_own": f"FOR ALL USING (source_tenant_id = {CURRENT}) "
                                    f"WITH CHECK (source_tenant_id = {CURRENT})",
}
FUNCTION = "bump_tenant_revisions(integer[])"


def _audit_fk(ondelete: str) -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_constraint(AUDIT_FK, type_="foreignkey")
        batch.create_foreign_key(AUDIT_FK, "tenants", ["tenant_id"], ["id"], ondelete=ondelete)


def upgrade() -> None:
    _audit_fk("RESTRICT")
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, policies in (("tenants", POLICIES), ("public_innovations", PUBLISHED)):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        for name, rule in policies.items():
            op.execute(f"CREATE POLICY {name} ON {table} {rule}")
    op.execute(
        "CREATE FUNCTION bump_tenant_revisions(ids integer[]) RETURNS void LANGUAGE sql SECURITY DEFINER "
        "SET search_path = pg_catalog, pg_temp "
        "AS $$ UPDATE public.tenants SET revision = revision + 1 WHERE id = ANY(ids) $$")
    op.execute(f"REVOKE ALL ON FUNCTION {FUNCTION} FROM PUBLIC")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION {FUNCTION}")
        for table, policies in (("tenants", POLICIES), ("public_innovations", PUBLISHED)):
            for name in policies:
                op.execute(f"DROP POLICY {name} ON {table}")
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    _audit_fk("CASCADE")
