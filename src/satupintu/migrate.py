"""Schema management: Alembic is the only way the schema is made."""

from __future__ import annotations

import asyncio

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from satupintu import rls
from satupintu.config import PROJECT_ROOT
from satupintu.db import make_engine
from satupintu.models import Base

DEFAULT_GRANTS = "SELECT, INSERT, UPDATE, DELETE"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def table_grants() -> dict[str, str]:
    """Privileges per table: data access by default, less where a table says so in ``info``."""
    return {t.name: t.info.get("app_grants", DEFAULT_GRANTS) for t in Base.metadata.sorted_tables}


def upgrade(url: str, revision: str = "head", app_role: str | None = None) -> None:
    command.upgrade(alembic_config(url), revision)
    if app_role and url.startswith("postgresql"):
        asyncio.run(_grant(url, app_role))


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def revision(url: str, message: str) -> None:
    command.revision(alembic_config(url), message=message, autogenerate=True)


async def _grant(url: str, role: str) -> None:
    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(lambda c: rls.grant(c, role, table_grants()))
    finally:
        await engine.dispose()


async def create_role(url: str, role: str, password: str | None = None) -> bool:
    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            return await connection.run_sync(lambda c: rls.create_role(c, role, password))
    finally:
        await engine.dispose()


async def current_revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    except Exception:  # noqa: BLE001 - a fresh database has no alembic_version table yet
        return None
    finally:
        await engine.dispose()
