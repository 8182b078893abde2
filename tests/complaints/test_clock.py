"""The 4-hour clock: working time inside a location's opening hours, across a lunch break, a weekend,
a holiday, in the WITA zone, and around the clock when the regency says so."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from satupintu.agencies.models import Holiday
from satupintu.complaints.clock import Calendar
from satupintu.tenants.models import TenantPolicy, TimeZone
from tests.complaints.conftest import complain, in_tenant
from tests.conftest import run

WITA = ZoneInfo("Asia/Makassar")
HOURS = {"senin": "08:00-15:00", "selasa": "08:00-15:00", "rabu": "08:00-15:00", "kamis": "08:00-15:00",
         "jumat": "08:00-11:00,13:00-15:00", "sabtu": "tutup", "minggu": "tutup"}
FOUR_HOURS = 4 * 60


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in March 2027 in WITA (1 March 2027 is a Monday)."""
    return datetime(2027, 3, day, hour, minute, tzinfo=WITA)


@pytest.mark.parametrize(("received", "due", "why"), [
    (at(1, 9), at(1, 13), "inside one day"),
    (at(1, 13), at(2, 10), "past closing: the rest on the next morning"),
    (at(1, 6, 30), at(1, 12), "before opening: counts from opening"),
    (at(5, 8), at(5, 14), "Friday's prayer break does not count"),
    (at(5, 14), at(8, 11), "Friday afternoon: over the weekend to Monday"),
    (at(6, 10), at(8, 12), "received on a Saturday (closed): from Monday's opening"),
])
def test_working_hours_in_wita(received, due, why):
    calendar = Calendar(WITA, HOURS)
    assert calendar.add(received, FOUR_HOURS) == due.astimezone(UTC), why
    assert calendar.between(received, due) == FOUR_HOURS, why


def test_a_holiday_is_skipped():
    calendar = Calendar(WITA, HOURS, frozenset({date(2027, 3, 8)}))  # Monday closed
    assert calendar.add(at(5, 14), FOUR_HOURS) == at(9, 11).astimezone(UTC)
    assert calendar.between(at(5, 14), at(9, 11)) == FOUR_HOURS


def test_around_the_clock_and_without_hours():
    assert Calendar(WITA, HOURS, around_the_clock=True).add(at(5, 14), FOUR_HOURS) == at(5, 18).astimezone(UTC)
    assert Calendar(WITA, {}).add(at(6, 23), 60) == at(7, 0).astimezone(UTC)


def test_a_complaint_takes_its_deadlines_from_the_regency(database):
    """Banyuwangi (open on Saturday mornings) in WITA for this test, a holiday on Saturday 6 March, its
    4-hour promise: a complaint on Friday at 14:00 WITA is due on Monday at 11:00 WITA (one hour on
    Friday, none on the holiday and on Sunday, three on Monday); around the clock, at 18:00 on Friday."""
    async def setup(session, tenant):
        tenant.timezone = TimeZone.WITA
        session.add(Holiday(day=date(2027, 3, 6), name="Hari raya"))
        (await session.scalar(select(TenantPolicy))).complaint_response_hours = 4

    run(in_tenant(database.url, "banyuwangi", setup))
    complaint = run(complain(database.url, "banyuwangi", now=at(5, 14)))
    assert _utc(complaint.response_due_at) == at(8, 11).astimezone(UTC)

    async def around(session, tenant):
        (await session.scalar(select(TenantPolicy))).complaint_around_the_clock = True

    run(in_tenant(database.url, "banyuwangi", around))
    complaint = run(complain(database.url, "banyuwangi", now=at(5, 14)))
    assert _utc(complaint.response_due_at) == at(5, 18).astimezone(UTC)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
