"""Every table is either a tenant's (tenant_id, row-level security, the ORM guard) or a platform table
that says in its model why it belongs to no tenant and who writes it. The list of exceptions comes
from the metadata, so a new table without either fails here instead of slipping in unnoticed."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, Table

from satupintu.db import WRITERS, platform_table, platform_tables, tenant_owned_tables, undeclared_tables
from satupintu.models import Base


def test_every_table_is_tenant_owned_or_a_declared_platform_table():
    assert undeclared_tables() == [], "add tenant_id (TenantOwned + RLS) or declare platform_table(reason, writers)"
    declared = platform_tables()
    assert set(declared) | set(tenant_owned_tables()) == set(Base.metadata.tables)
    assert not set(declared) & set(tenant_owned_tables()), "a table with tenant_id is not a platform table"
    for name, declaration in declared.items():
        assert len(declaration["reason"]) > 20, f"{name}: say why it belongs to no tenant"
        assert set(declaration["writers"]) <= set(WRITERS), name


def test_the_exceptions_are_exactly_the_reviewed_platform_tables():
    """Adding a platform table is a decision a reviewer sees: it changes this list."""
    assert sorted(platform_tables()) == [
        "benchmark_rollups", "benchmark_series", "invitations", "join_requests", "platform_accounts",
        "public_innovations", "replications", "scheduled_runs", "tenants", "web_sessions",
    ]


def test_a_new_table_without_tenant_id_or_declaration_is_caught():
    metadata = MetaData()
    Table("complaints", metadata, Column("id", Integer, primary_key=True))
    Table("kiosks", metadata, Column("id", Integer, primary_key=True),
          info=platform_table(reason="a kiosk device is shared by the whole deployment", writers=("platform_admin",)))
    Table("notes", metadata, Column("id", Integer, primary_key=True), Column("tenant_id", Integer))
    assert undeclared_tables(metadata) == ["complaints"]
    assert list(platform_tables(metadata)) == ["kiosks"]


@pytest.mark.parametrize("reason, writers", [("", ("job",)), ("shared by all", ()), ("shared by all", ("root",))])
def test_a_declaration_names_a_reason_and_known_writers(reason, writers):
    with pytest.raises(ValueError, match="reason and writers"):
        platform_table(reason=reason, writers=writers)
