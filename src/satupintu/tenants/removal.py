"""Removing a regency from the platform: the schema owner's job, never the application's.

The app role has no DELETE on ``tenants`` (see ``tenants.models.APP_GRANTS``), so no request, job or
bug can remove a regency, nor let the foreign keys' cascades wipe its data. ``satupintu tenants
remove SLUG`` runs with the owner's database URL: it refuses while the regency has any rows, and
with ``--export-then-erase`` writes every one of them (the audit log too) to a directory, one JSON
file per table, before erasing them in the same transaction. The audit log's foreign key is
RESTRICT, so even the owner cannot remove a regency with history any other way than through here.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Table, delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from satupintu import models as _every_table  # noqa: F401 - the metadata must know every table to find all rows
from satupintu.db import TENANT_SETTING, TENANTS, Base, make_engine

PUBLIC_INNOVATIONS, ROLLUPS, SERIES = "public_innovations", "benchmark_rollups", "benchmark_series"
BY_REGION = ("invitations", "join_requests")
"""Platform tables holding a region's contacts (officers' e-mails and names) by its region code."""


class RemovalRefused(RuntimeError):
    """The regency still has data and no export was asked for, or it does not exist."""


@dataclass
class Removal:
    slug: str
    counts: dict[str, int]
    directory: Path | None = None
    files: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def _owned_by(tenant: dict[str, Any]) -> list[tuple[Table, Any]]:
    """Each table holding the regency's rows with the condition that selects them, children first."""
    tables = Base.metadata.tables
    found: list[tuple[Table, Any]] = []
    for table in reversed(Base.metadata.sorted_tables):
        if "tenant_id" in table.c:
            found.append((table, table.c.tenant_id == tenant["id"]))
    found.append((tables[PUBLIC_INNOVATIONS], tables[PUBLIC_INNOVATIONS].c.source_tenant_id == tenant["id"]))
    found.append((tables[SERIES], tables[SERIES].c.region_code == tenant["region_code"]))
    found.append((tables[ROLLUPS], tables[ROLLUPS].c.region_code == tenant["region_code"]))
    found.extend((tables[name], tables[name].c.region_code == tenant["region_code"]) for name in BY_REGION)
    return found


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return {"base64": base64.b64encode(bytes(value)).decode()}
    raise TypeError(f"cannot export a {type(value).__name__}")


def _write(directory: Path, name: str, rows: list[dict[str, Any]]) -> str:
    """One table's rows as JSON, readable by the operator only, on disk before anything is erased."""
    path = directory / f"{name}.json"
    data = json.dumps(rows, ensure_ascii=False, indent=1, sort_keys=True, default=_plain).encode()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return hashlib.sha256(data).hexdigest()


async def remove(owner_url: str, slug: str, export_to: Path | None = None) -> Removal:
    """Remove the regency ``slug``: refused while it has rows, unless ``export_to`` (a new directory)
    is given, which then holds every row, one JSON file per table, before they are erased."""
    engine = make_engine(owner_url, **({"isolation_level": "REPEATABLE READ"} if owner_url.startswith("postgres")
                                       else {}))
    try:
        async with engine.begin() as connection:
            return await _remove(connection, slug, export_to)
    finally:
        await engine.dispose()


async def _remove(connection: AsyncConnection, slug: str, export_to: Path | None) -> Removal:
    tenants = Base.metadata.tables[TENANTS]
    locking = select(tenants).where(tenants.c.slug == slug)
    if connection.dialect.name == "postgresql":
        if not await connection.scalar(select(func.has_table_privilege(TENANTS, "DELETE"))):
            raise RemovalRefused(f"the database role {await connection.scalar(select(func.current_user()))} may not "
                                 "remove regencies; run with SATUPINTU_MIGRATION_DATABASE_URL set to the schema "
                                 "owner's URL")
        # The row lock waits for, then holds off, every transaction adding a row that points at the
        # regency (a foreign-key check takes a share lock on it), so what is exported is what is erased.
        locking = locking.with_for_update()
    found = (await connection.execute(locking)).mappings().first()
    if found is None:
        raise RemovalRefused(f"unknown tenant {slug!r}; see `satupintu tenants list`")
    tenant = dict(found)
    if connection.dialect.name == "postgresql":
        await connection.execute(select(func.set_config(TENANT_SETTING, str(tenant["id"]), True)))
    owned = _owned_by(tenant)
    counts = {}
    for table, condition in owned:
        counts[table.name] = int(await connection.scalar(select(func.count()).select_from(table).where(condition)))
    removal = Removal(slug, {name: n for name, n in counts.items() if n})
    if removal.rows and export_to is None:
        raise RemovalRefused(
            f"{slug} has data ({', '.join(f'{name} {n}' for name, n in sorted(removal.counts.items()))}); "
            "nothing was removed. Run with --export-then-erase to write every row to files and then erase them.")
    if export_to is not None:
        export_to.mkdir(mode=0o700, parents=True, exist_ok=False)
        removal.directory = export_to
        checksums = {TENANTS: _write(export_to, TENANTS, [tenant])}
        for table, condition in owned:
            if counts[table.name]:
                rows = [dict(r) for r in (await connection.execute(
                    select(table).where(condition).order_by(*table.primary_key.columns))).mappings()]
                checksums[table.name] = _write(export_to, table.name, rows)
        _write(export_to, "manifest", [{"tenant": slug, "region_code": tenant["region_code"],
                                        "rows": {TENANTS: 1, **removal.counts}, "sha256": checksums}])
        removal.files = sorted(f"{name}.json" for name in [*checksums, "manifest"])
    for table, condition in owned:
        if counts[table.name]:
            erased = (await connection.execute(delete(table).where(condition))).rowcount
            if erased != counts[table.name]:
                raise RemovalRefused(f"{table.name} changed while removing {slug}; nothing was removed, try again")
    await connection.execute(delete(tenants).where(tenants.c.id == tenant["id"]))
    return removal
