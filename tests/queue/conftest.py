"""Helpers for the queue's tests: a fixed clock, sessions bound to one regency, a queueable service."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from queue import Queue
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from satupintu.db import make_engine, make_sessionmaker, tenant_session
from satupintu.queue import service as queue
from satupintu.tenants.models import Tenant

WIB = ZoneInfo("Asia/Jakarta")
MONDAY_10 = datetime(2027, 3, 1, 10, 0, tzinfo=WIB)  # a Monday, inside Banyuwangi's 08:00-15:00


async def in_tenant(url: str, slug: str, work: Callable[[Any, Tenant], Awaitable[Any]]) -> Any:
    """Run ``work(session, tenant)`` in one committed transaction of the regency ``slug``."""
    engine = make_engine(url)
    maker = make_sessionmaker(engine)
    try:
        async with tenant_session(maker, None) as session:
            tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
        async with tenant_session(maker, tenant.id) as session:
            return await work(session, tenant)
    finally:
        await engine.dispose()


def listen_to_board(url: str, out: Queue) -> None:
    """Read a board's server-sent events, putting ``(url, event, data)`` on ``out``, until its first
    call (then close, as a TV switched off would)."""
    with httpx.stream("GET", url, timeout=60) as response:
        event = None
        for line in response.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                out.put((url, event, line.split(":", 1)[1].strip()))
                if event == "call":
                    return


async def first_service(session: Any) -> str:
    """A service with a counter (its agency's first, by name), whose line is the first group."""
    return (await queue.queue_services(session))[0][1][0].code


async def staff_line(session: Any, group_id: int, size: int, code: str = "Q") -> list[int]:
    """``size`` more counters in one line (counter group), each staffed by its own operator."""
    from satupintu.accounts.models import Role, StaffAccount
    from satupintu.agencies.models import Counter
    from satupintu.queue.models import CounterGroup, Desk

    group = await session.get(CounterGroup, group_id)
    ids = []
    for n in range(size):
        counter = Counter(code=f"{code}{n:02d}", name=f"Loket {code}{n}", location_id=group.location_id,
                          agency_id=group.agency_id)
        staff = StaffAccount(email=f"petugas-{code.lower()}{n}@banyuwangi.test", name=f"Petugas {n}",
                             role=Role.OPERATOR)
        session.add_all([counter, staff])
        await session.flush()
        session.add(Desk(counter_id=counter.id, staff_id=staff.id))
        ids.append(counter.id)
    return ids


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime], None]:
    """Set the queue's clock: ``clock(datetime(...))``."""

    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(queue, "clock", lambda: moment)

    set_to(MONDAY_10)
    return set_to
