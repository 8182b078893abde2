"""PostgreSQL row-level security and grants: the database's half of tenant isolation.

Migrations call :func:`enable` for every tenant-owned table they create. ``db upgrade`` then
grants the application role only data access (never ownership, never BYPASSRLS), so even a
query that escaped the ORM's tenant filter sees nothing but the current tenant's rows.

``tenants`` itself has policies of its own (migration 0017: read by all, added unbound, updated only
by a transaction bound to that row) and column-limited grants without DELETE (``tenants.models.
APP_GRANTS``); the only other way the app role touches it is :data:`FUNCTIONS`.
"""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.engine import Connection

POLICY = "tenant_isolation"
FUNCTIONS = ("bump_tenant_revisions(integer[])",)
"""The owner's SECURITY DEFINER functions the app role may call (each does one narrow thing; see 0017)."""
_CURRENT = "NULLIF(current_setting('app.tenant_id', true), '')::integer"
_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _ident(name: str) -> str:
    if not _IDENT.match(name):
        raise ValueError(f"not a safe SQL identifier: {name!r}")
    return name


def enable_statements(table: str) -> list[str]:
    table = _ident(table)
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {POLICY} ON {table} USING (tenant_id = {_CURRENT}) WITH CHECK (tenant_id = {_CURRENT})",
    ]


def enable(op, table: str) -> None:  # noqa: ANN001 - alembic's op proxy
    """Called from migrations; a no-op on SQLite, which has no RLS (the ORM guard still applies)."""
    if op.get_bind().dialect.name == "postgresql":
        for statement in enable_statements(table):
            op.execute(statement)


def create_role(connection: Connection, role: str, password: str | None = None) -> bool:
    """Create the login role the app connects as: no superuser, no BYPASSRLS, owns nothing."""
    role = _ident(role)
    exists = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar()
    if exists:
        connection.execute(text(f"ALTER ROLE {role} NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"))
        return False
    connection.execute(text(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"))
    if password:
        connection.execute(text(f"ALTER ROLE {role} PASSWORD :p").bindparams(p=password))
    return True


def grant(connection: Connection, role: str, table_grants: dict[str, str]) -> None:
    """Give the app role exactly the privileges each table declares, and nothing else."""
    role = _ident(role)
    exists = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar()
    if not exists:
        raise LookupError(
            f"database role {role!r} does not exist; create it first (satupintu db create-role)"
        )
    connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
    connection.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}"))
    for table, privileges in sorted(table_grants.items()):
        connection.execute(text(f"GRANT {privileges} ON {_ident(table)} TO {role}"))
    connection.execute(text(f"GRANT SELECT ON alembic_version TO {role}"))
    connection.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"))
    connection.execute(text(f"REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM {role}"))
    for function in FUNCTIONS:
        if connection.execute(text("SELECT to_regprocedure(:f) IS NOT NULL"), {"f": function}).scalar():
            connection.execute(text(f"GRANT EXECUTE ON FUNCTION {function} TO {role}"))
