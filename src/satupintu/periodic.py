"""Periodic jobs run once per scheduled slot, however many schedulers fire them.

The chart runs exactly one scheduler, but a second one started by mistake (or an old pod still
stopping during a rollout) must not enqueue the nightly work twice. Each run first claims its slot
(the job's id and the time it was due) with an insert into ``scheduled_runs``; the primary key
lets exactly one claim succeed, on SQLite as on PostgreSQL, also through a transaction pooler,
and the record outlives both processes, so a late second scheduler finds the slot taken too.
"""

from __future__ import annotations

import socket
from datetime import datetime

from sqlalchemy import DateTime, String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from satupintu.db import Base, platform_table, tenant_session, utcnow


class ScheduledRun(Base):
    """A slot of a periodic job that some scheduler has claimed.

    Platform table (no tenant_id): a job's slot belongs to the whole deployment, and the rows say
    nothing about any regency. Written by the app role from ``satupintu scheduler`` only.
    """

    __tablename__ = "scheduled_runs"
    __table_args__ = {"info": platform_table(reason="a periodic job's slot belongs to the whole deployment",
                                             writers=("job",), app_grants="SELECT, INSERT, DELETE")}

    job_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    slot: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str] = mapped_column(String(120), default=socket.gethostname)


async def claim(maker: async_sessionmaker[AsyncSession], job_id: str, slot: datetime) -> bool:
    """True for the one caller that gets the slot; False for every other, now or later."""
    try:
        async with tenant_session(maker, None) as session:
            session.add(ScheduledRun(job_id=job_id, slot=slot))
    except IntegrityError:
        return False
    return True


async def forget_before(maker: async_sessionmaker[AsyncSession], before: datetime) -> int:
    """Drop claims of slots older than ``before`` (they can never fire again)."""
    async with tenant_session(maker, None) as session:
        result = await session.execute(delete(ScheduledRun).where(ScheduledRun.slot < before))
    return result.rowcount or 0
