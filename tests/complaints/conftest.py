"""Helpers for the complaints' tests: sessions bound to one regency, a sweep over a database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from satupintu.complaints import service as complaints
from satupintu.db import make_engine, make_sessionmaker
from tests.conftest import SECRET_KEY
from tests.queue.conftest import in_tenant

__all__ = ["SECRET_KEY", "in_tenant", "complain", "sweep"]


async def complain(url: str, slug: str, **fields: Any) -> complaints.Complaint:
    """Create one complaint in ``slug`` (committed) and return it."""
    values = {"category_code": "kualitas-layanan", "description": "Petugas meminta biaya tambahan.",
              "channel": "web", "secret_key": SECRET_KEY, **fields}

    async def work(session, tenant):
        return await complaints.create_complaint(session, tenant, **values)

    return await in_tenant(url, slug, work)


async def sweep(url: str, **options: Any) -> complaints.SweepResult:
    engine = make_engine(url)
    try:
        return await complaints.sweep(make_sessionmaker(engine), **options)
    finally:
        await engine.dispose()


Work = Callable[[Any, Any], Awaitable[Any]]
