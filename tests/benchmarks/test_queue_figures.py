"""The ministry's monthly operations come from queue tickets: visitors, transactions, and the median and
90th percentile of waiting and service time, with exact values from hand-made ticket histories, on
SQLite and PostgreSQL. Hand-entered figures remain only for months without tickets, marked as such."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlalchemy import delete, select

from satupintu.benchmarks import monthly, rollups
from satupintu.benchmarks.models import BenchmarkPoint, MonthlyOperations
from satupintu.db import tenant_session
from satupintu.queue import measures
from satupintu.queue.models import TicketStatus
from tests.benchmarks.test_rollups import _ids, with_maker
from tests.queue.history import WIB, History, first_group

TODAY = date.today()
M0, M1, M2 = (monthly.first_month(TODAY, n) for n in (4, 3, 2))  # three, two and one month(s) ago


def at(month_start: date, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(month_start.replace(day=day), time(hour, minute), WIB)


async def _history(session) -> None:
    """M1: five served tickets (waits 2, 4, 6, 8, 10 minutes; service 3, 1, 5, 2, 4), one of them waiting
    4 minutes after a transfer; a no-show; one still waiting; one called and never finished.
    M2: two served tickets (waits 1 and 3; service 10 and 20), the first taken at 00:30 local time on
    the 1st, which is still the previous month in UTC."""
    line = History(session, await first_group(session))
    for n, (wait, service) in enumerate([(2, 3), (6, 5), (8, 2), (10, 4)]):
        line.add(at(M1, 5 + n, 9), wait=wait, service=service)
    line.add(at(M1, 9, 9), wait=4, service=1, transferred_after=30)
    line.add(at(M1, 10, 9), wait=12, status=TicketStatus.NO_SHOW)
    line.add(at(M1, 10, 9, 5))
    line.add(at(M1, 11, 9), wait=50)
    line.add(at(M2, 1, 0, 30), wait=1, service=10)
    line.add(at(M2, 10, 10), wait=3, service=20)
    await session.execute(delete(MonthlyOperations))
    session.add_all([
        MonthlyOperations(month=f"{M0:%Y-%m}", visitors=100, transactions=80, complaints_received=4,
                          complaints_on_time=3),
        MonthlyOperations(month=f"{M1:%Y-%m}", visitors=999, transactions=888, complaints_received=10,
                          complaints_on_time=9),
    ])


def test_monthly_measures_of_a_hand_made_history(database):
    async def work(maker):
        ids = await _ids(maker)
        async with tenant_session(maker, ids["banyuwangi"]) as session:
            await _history(session)
        async with tenant_session(maker, ids["banyuwangi"]) as session:
            found = await measures.monthly(session, M0)
            pooled = await measures.pooled(session, M0, TODAY)
            only_m2 = await measures.pooled(session, M2, TODAY)
        async with tenant_session(maker, ids["bangkalan"]) as session:
            other = await measures.monthly(session, M0)
        return found, pooled, only_m2, other

    found, pooled, only_m2, other = with_maker(database, work)
    assert [(m.month, m.visitors, m.transactions) for m in found] == [(f"{M1:%Y-%m}", 7, 5), (f"{M2:%Y-%m}", 2, 2)]
    first, second = found
    minute = pytest.approx
    assert (first.waiting.median, first.waiting.p90) == (minute(6 * 60), minute(9.2 * 60))
    assert (first.service.median, first.service.p90) == (minute(3 * 60), minute(4.6 * 60))
    assert (second.waiting.median, second.waiting.p90) == (minute(2 * 60), minute(2.8 * 60))
    assert (second.service.median, second.service.p90) == (minute(15 * 60), minute(19 * 60))
    # all seven served tickets together: waits 1 2 3 4 6 8 10, service 1 2 3 4 5 10 20
    assert (pooled[0].median, pooled[0].p90) == (minute(4 * 60), minute(8.8 * 60))
    assert (pooled[1].median, pooled[1].p90) == (minute(4 * 60), minute(14 * 60))
    assert (only_m2[0].median, only_m2[1].median) == (minute(2 * 60), minute(15 * 60))
    assert other == []  # another regency's tickets are not counted


def test_rollup_takes_months_with_tickets_from_the_queue_and_marks_reported_months(database):
    async def work(maker):
        ids = await _ids(maker)
        async with tenant_session(maker, ids["banyuwangi"]) as session:
            await _history(session)
        row = await rollups.refresh_tenant(maker, ids["banyuwangi"])
        other = await rollups.refresh_tenant(maker, ids["bangkalan"])
        async with tenant_session(maker, None) as session:
            kinds = await rollups.series(session, [row.region_code])
        return row, other, kinds[row.region_code]["month"]

    row, other, months = with_maker(database, work)
    assert [(p.period, p.figures["source"], p.figures["visitors"], p.figures["transactions"],
             p.figures["complaints_received"]) for p in months] == [
        (f"{M0:%Y-%m}", "reported", 100, 80, 4),
        (f"{M1:%Y-%m}", "tickets", 7, 5, 10),  # the hand-entered 999 and 888 are set aside; complaints stay
        (f"{M2:%Y-%m}", "tickets", 2, 2, 0),
    ]
    assert months[1].figures["waiting_median"] == 6.0 and months[1].figures["waiting_p90"] == 9.2
    assert months[1].figures["service_median"] == 3.0 and months[1].figures["service_p90"] == 4.6
    assert months[0].figures["waiting_median"] is None
    figures = row.figures
    assert figures["visitors_month"] == 36  # (100 + 7 + 2) / 3 = 36.3
    assert figures["transactions_month"] == 29  # (80 + 5 + 2) / 3
    assert (figures["waiting_median"], figures["waiting_p90"]) == (4.0, 8.8)
    assert (figures["service_median"], figures["service_p90"]) == (4.0, 14.0)
    assert row.details["operations_source"] == "mixed"
    assert other.details["operations_source"] == "reported"  # the seeded month of figures only
    assert other.figures["waiting_median"] is None


def test_minutes_are_rounded_half_up():
    assert monthly.minutes(9.2 * 60) == 9.2
    assert monthly.minutes(45) == 0.8  # 0.75
    assert monthly.minutes(None) is None
    assert measures.percentile_cont([1.0, 2.0, 3.0, 4.0], 0.9) == pytest.approx(3.7)


def test_months_come_in_order_and_only_the_last_36(database):
    async def work(maker):
        ids = await _ids(maker)
        async with tenant_session(maker, ids["purbalingga"]) as session:
            line = History(session, await first_group(session))
            for back in range(1, 41):
                start = monthly.first_month(TODAY, back)
                line.add(at(start, 2, 9), wait=5, service=5)
            await session.execute(delete(MonthlyOperations))
        row = await rollups.refresh_tenant(maker, ids["purbalingga"])
        async with tenant_session(maker, None) as session:
            points = (await session.scalars(select(BenchmarkPoint.period).where(
                BenchmarkPoint.region_code == row.region_code, BenchmarkPoint.kind == "month"))).all()
        return row, sorted(points)

    row, periods = with_maker(database, work)
    assert len(periods) == 36 and periods[-1] == f"{monthly.first_month(TODAY, 1):%Y-%m}"
    assert row.figures["visitors_month"] == 1 and row.details["operations_source"] == "tickets"


def test_ministry_pages_and_exports_say_where_monthly_figures_come_from(ministry):
    async def work(maker):
        ids = await _ids(maker)
        async with tenant_session(maker, ids["banyuwangi"]) as session:
            await _history(session)
        await rollups.refresh_tenant(maker, ids["banyuwangi"])

    with_maker(ministry.database, work)
    region = ministry.get("/kementerian/wilayah/banyuwangi").text
    assert (region.count("<td>dilaporkan</td>"), region.count("<td>antrean</td>")) == (1, 2)
    assert "9,2" in region and "14,0" in region  # M1's p90 wait; the pooled p90 service on the indicator table
    csv = ministry.get("/kementerian/ekspor.csv?kolom=operations").content.decode("utf-8-sig").splitlines()
    header = csv[0].split(",")
    assert "Sumber pengunjung dan transaksi" in header and "Median waktu tunggu (menit)" in header
    by_name = {line.split(",")[1]: line.split(",") for line in csv[1:]}
    source = header.index("Sumber pengunjung dan transaksi")
    assert by_name["Kabupaten Banyuwangi"][source] == "Tiket antrean; dilaporkan untuk bulan tanpa tiket"
    assert by_name["Kabupaten Bangkalan"][source] == "Dilaporkan daerah"
    assert by_name["Kabupaten Banyuwangi"][header.index("Median waktu tunggu (menit)")] == "4.0"
    english = ministry.get("/kementerian/ekspor.csv?kolom=operations", headers={"accept-language": "en"}).text
    assert "Visitors and transactions from" in english


def test_the_regencys_own_page_marks_reported_months_the_queue_counted(admin):
    async def work(maker):
        async with tenant_session(maker, (await _ids(maker))["banyuwangi"]) as session:
            await _history(session)

    with_maker(admin.database, work)
    page = admin.get("/banyuwangi/admin/kinerja/operasional").text
    assert page.count("(dihitung dari tiket)") == 1  # M1 was reported and counted; M0 only reported


def test_a_booking_checked_in_early_waits_from_its_slot(database):
    """Checked in at 09:50 for the 10:00 slot, called at 10:03: it waited 3 minutes, not 13; a walk-in
    taken at 09:50 and called at 10:03 waited 13."""
    async def work(maker):
        ids = await _ids(maker)
        async with tenant_session(maker, ids["purbalingga"]) as session:
            line = History(session, await first_group(session))
            line.add(at(M2, 3, 9, 50), wait=13, service=5, slot_after=10)
            line.add(at(M2, 4, 9, 50), wait=13, service=5)
            line.add(at(M2, 5, 9, 50), wait=13, service=5, slot_after=10)
        async with tenant_session(maker, ids["purbalingga"]) as session:
            return await measures.monthly(session, M2)

    (month,) = with_maker(database, work)
    assert (month.waiting.median, month.waiting.p90) == (pytest.approx(3 * 60), pytest.approx(11 * 60))  # 3 3 13
