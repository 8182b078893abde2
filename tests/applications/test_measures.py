"""The ministry's live figures of applications, from the rollups: completion time in the regency's
working days (median, 90th percentile), the share done within the service standard, permits revoked and
deliveries, per local month of the regency and pooled over twelve months; the ministry's page shows them,
never a name."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from satupintu.accounts.models import StaffAccount
from satupintu.agencies.models import Holiday
from satupintu.applications import delivery, measures, permits
from satupintu.applications import service as applications
from satupintu.applications.models import ApplicationStatus
from satupintu.applications.permits import Permit
from satupintu.benchmarks import rollups
from satupintu.db import tenant_session
from satupintu.queue.measures import percentile_cont
from satupintu.security import Principal
from tests.benchmarks.test_rollups import _ids, with_maker
from tests.conftest import sign_in

WIB = ZoneInfo("Asia/Jakarta")
SECRET = "test-secret-key-that-is-long-enough-0123456789"
NIK = "3510015708850001"
MONTH = f"{date.today().replace(day=1) - timedelta(days=1):%Y-%m}"  # last month
Y, M = map(int, MONTH.split("-"))


def at(day: int, hour: int = 10) -> datetime:
    return datetime(Y, M, day, hour, 0, tzinfo=WIB)


def working(submitted: int, done: int) -> int:
    """Working days of Banyuwangi's mall (closed on Sundays, no holidays) after ``submitted`` through ``done``."""
    return sum(date(Y, M, day).weekday() != 6 for day in range(submitted + 1, done + 1))


async def _history(session, tenant) -> None:
    kepala = await session.scalar(select(StaffAccount).where(StaffAccount.email == "kepala@banyuwangi.test"))
    staff = Principal("staff", kepala.id, kepala.email, kepala.name, "tenant_admin", tenant.id, tenant.slug)
    # (submitted, done, due): 1 day within, 8 days late, 3 days within
    for submitted, done, due in [(2, 3, 5), (2, 10, 5), (4, 7, 20)]:
        made = await applications.submit(session, tenant, "akta-kelahiran", NIK, "Siti Aminah", phone="081234567890",
                                         secret_key=SECRET, now=at(submitted))
        made.due_date = date(Y, M, due)
        for step in (ApplicationStatus.VERIFIED, ApplicationStatus.DONE):
            await applications.advance(session, made, step, staff, now=at(done))
        if submitted == 4:
            asked = await delivery.request(session, made, NIK, "Jl. Melati No. 12, Banyuwangi", secret_key=SECRET,
                                           now=at(done, 11))
            await delivery.hand_over(session, made, asked.delivery, asked.code, staff, secret_key=SECRET,
                                     now=at(done, 15))
    await applications.submit(session, tenant, "izin-reklame", NIK, "Siti Aminah", phone="081234567890",
                              secret_key=SECRET, now=at(1))  # issued first: done at once, within


def test_rollups_carry_live_application_figures_to_the_ministry(database, people):
    async def work(maker):
        ids = await _ids(maker)
        async with tenant_session(maker, ids["banyuwangi"]) as session:
            tenant = await session.get(applications.Tenant, ids["banyuwangi"])
            await _history(session, tenant)
            permit = await applications.submit(session, tenant, "izin-reklame", NIK, "Siti Aminah",
                                               phone="081234567890", secret_key=SECRET,
                                               now=at(28) - timedelta(days=32))  # done the month before
            permit_id = await session.scalar(select(Permit.id).where(Permit.application_id == permit.id))
            assert await permits.revoke(session, permit_id, now=at(28).replace(hour=23))  # within the month
        row = await rollups.refresh_tenant(maker, ids["banyuwangi"])
        async with tenant_session(maker, None) as session:
            kinds = await rollups.series(session, [row.region_code])
        return row, kinds[row.region_code]["app_month"]

    row, points = with_maker(database, work)
    (point,) = [p for p in points if p.period == MONTH]
    # done in the month: the permit at once (0 days), then 1, 8 and 3 calendar days, counted in working days
    days = sorted([0, working(2, 3), working(2, 10), working(4, 7)])
    assert days[-1] < 8  # a Sunday in between is no working day
    assert point.figures == {"applications_done": 4,
                             "completion_median_days": round(percentile_cont(days, 0.5), 1),
                             "completion_p90_days": round(percentile_cont(days, 0.9), 1),
                             "within_sla_percent": 75.0, "permits_revoked": 1, "deliveries": 1}
    # twelve months pooled add the revoked permit, done (at once) the month before
    figures = row.figures
    pooled = sorted([0, *days])
    assert (figures["applications_completion_median"], figures["applications_completion_p90"]) == (
        round(percentile_cont(pooled, 0.5), 1), round(percentile_cont(pooled, 0.9), 1))
    assert figures["applications_within_sla"] == 80.0
    assert (figures["permits_revoked"], figures["deliveries"]) == (1, 1)

    from tests.conftest import app_client

    for client in app_client(database):
        assert sign_in(client, people["ministry"]).status_code == 303
        page = client.get("/kementerian/indikator/applications_within_sla")
        assert page.status_code == 200 and "80" in page.text
        assert "Siti" not in page.text and NIK not in page.text


def test_completion_is_counted_in_the_regencys_working_days(database, people):
    """Bangkalan's mall closes on Saturdays and Sundays: Friday to Monday is one working day, not three;
    Monday to Thursday over a holiday on the Tuesday is two, not three."""
    friday, monday, thursday = (datetime(2027, 3, day, 10, 0, tzinfo=WIB) for day in (5, 8, 11))

    async def work(maker):
        ids = await _ids(maker)
        async with tenant_session(maker, ids["bangkalan"]) as session:
            session.add(Holiday(day=date(2027, 3, 9), name="Libur uji"))
            tenant = await session.get(applications.Tenant, ids["bangkalan"])
            kepala = await session.scalar(select(StaffAccount).where(StaffAccount.email == "kepala@bangkalan.test"))
            staff = Principal("staff", kepala.id, kepala.email, kepala.name, "tenant_admin", tenant.id, tenant.slug)
            for submitted, done in ((friday, monday), (monday, thursday)):
                made = await applications.submit(session, tenant, "akta-kelahiran", NIK, "Siti Aminah",
                                                 phone="081234567890", secret_key=SECRET, now=submitted)
                for step in (ApplicationStatus.VERIFIED, ApplicationStatus.DONE):
                    await applications.advance(session, made, step, staff, now=done)
            return await measures.pooled(session, date(2027, 3, 1), date(2027, 3, 31))

    figures = with_maker(database, work)
    assert (figures.done, figures.completion_median, figures.completion_p90) == (2, 1.5, 1.9)
