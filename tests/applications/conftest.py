"""Helpers for the applications' tests: a service of Banyuwangi with a known completion time, a clock."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from satupintu.agencies.models import Holiday
from satupintu.applications import service as applications
from satupintu.catalogue.models import TenantService
from satupintu.queue import service as queue
from tests.conftest import in_tenant, run

WIB = ZoneInfo("Asia/Jakarta")
MALE = "3510011708850001"
FEMALE = "3510015708850001"
FRIDAY_9 = datetime(2027, 3, 5, 9, 0, tzinfo=WIB)  # a Friday


def prepare_service(url: str, days: int = 3, holiday: date | None = None) -> str:
    """The first queueable service of Banyuwangi, done in ``days`` working days; a regency holiday."""

    async def work() -> str:
        async with in_tenant(url, "banyuwangi") as session:
            found = await session.scalar(select(TenantService).where(
                TenantService.code == (await queue.queue_services(session))[0][1][0].code))
            found.completion_value, found.completion_unit = days, "hari"
            if holiday is not None:
                session.add(Holiday(day=holiday, name="Libur uji"))
            return found.code

    return run(work())


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch):
    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(applications, "clock", lambda: moment)

    set_to(FRIDAY_9)
    return set_to
