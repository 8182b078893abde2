"""Alembic is the only way the schema is made: the head matches the models, and down/up works."""

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from satupintu import migrate
from satupintu.db import make_engine, tenant_owned_tables
from satupintu.models import Base


async def _diff(url: str) -> list:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c, opts={"compare_type": True}), Base.metadata)
            )
    finally:
        await engine.dispose()


async def _tables(url: str) -> set[str]:
    from sqlalchemy import inspect

    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


def test_head_matches_models_and_downgrade_then_upgrade_works(empty_database):
    url = empty_database.owner_url
    migrate.upgrade(url)
    assert asyncio.run(_diff(url)) == []
    assert set(tenant_owned_tables()) <= asyncio.run(_tables(url))
    migrate.downgrade(url, "base")
    assert asyncio.run(_tables(url)) <= {"alembic_version"}
    migrate.upgrade(url)
    assert asyncio.run(_diff(url)) == []
    assert asyncio.run(migrate.current_revision(url)) is not None
