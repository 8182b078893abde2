"""The control room (/{slug}/admin/ruang-kendali): the queue now per agency, line and counter, one day hour
by hour and the weekday x hour heat map, with exact numbers from hand-made histories on SQLite and
PostgreSQL; admins only, nothing personal, and a bad day refused in the reader's language."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from satupintu.agencies.models import Counter
from satupintu.queue import control
from satupintu.queue import service as queue
from satupintu.queue.models import TicketStatus
from satupintu.tenants.models import TimeZone
from tests.conftest import run, sign_in
from tests.queue.conftest import MONDAY_10, clock, in_tenant, staff_line  # noqa: F401 - clock is a fixture
from tests.queue.history import WIB, History, first_group

PAGE = "/banyuwangi/admin/ruang-kendali"


async def _today(session, tenant) -> dict:
    """At MONDAY_10 in the first line: two tickets waiting (taken 30 and 10 minutes ago), one called to
    counter K00 4 minutes ago (after a 20-minute wait), one served at K00 (wait 6, service 5), a
    no-show; K01 staffed and idle."""
    group = await first_group(session)
    k00, k01 = await staff_line(session, group.id, 2, "K")
    line = History(session, group)
    line.add(MONDAY_10 - timedelta(minutes=40), wait=6, service=5, counter_id=k00)
    line.add(MONDAY_10 - timedelta(minutes=35), wait=1, status=TicketStatus.NO_SHOW, counter_id=k00)
    line.add(MONDAY_10 - timedelta(minutes=30))
    line.add(MONDAY_10 - timedelta(minutes=24), wait=20, counter_id=k00)
    line.add(MONDAY_10 - timedelta(minutes=10))
    await session.flush()
    return {"group": group, "k00": k00, "k01": k01}


def test_the_queue_now_per_line_counter_and_agency(database):
    async def work(session, tenant):
        made = await _today(session, tenant)
        now = await control.now(session, tenant, MONDAY_10)
        return made, now

    made, now = run(in_tenant(database.url, "banyuwangi", work))
    line = next(x for x in now.lines if x.prefix == made["group"].prefix
                and any(c.code == "K00" for c in x.counters))
    assert (line.waiting, line.longest_wait, line.served, line.no_shows) == (2, 30, 1, 1)
    assert line.median_wait == 6  # called today: waits 6, 1 and 20 minutes
    counters = {c.code: c for c in line.counters}
    assert (counters["K00"].state, counters["K00"].minutes, counters["K00"].served) == ("called", 4, 1)
    assert counters["K00"].ticket == queue.label(made["group"].prefix, 4)
    assert (counters["K01"].state, counters["K01"].ticket) == ("idle", None)
    assert {c.state for code, c in counters.items() if code not in ("K00", "K01")} <= {"closed", "idle"}
    assert now.waiting == 2 and now.served == 1 and now.longest_wait == 30
    agency = next(a for a in now.agencies if a.name == line.agency)
    assert (agency.waiting, agency.served) == (2, 1) and agency.idle >= 1


async def _past_day(session, tenant) -> datetime:
    """A day a week before MONDAY_10: 08:10 and 08:40 served (waits 2 and 4, service 3 and 9), 09:05 a
    no-show, 10:00 left waiting; and 06:30 local, which is still Sunday in UTC."""
    line = History(session, await first_group(session))
    day = (MONDAY_10 - timedelta(days=7)).date()
    at = lambda h, m: datetime.combine(day, time(h, m), WIB)  # noqa: E731
    line.add(at(8, 10), wait=2, service=3)
    line.add(at(8, 40), wait=4, service=9)
    line.add(at(9, 5), wait=3, status=TicketStatus.NO_SHOW)
    line.add(at(10, 0))
    line.add(at(6, 30), wait=1, service=1)
    await session.flush()
    return at(0, 0)


def test_one_day_hour_by_hour_and_the_heat_map(database):
    async def work(session, tenant):
        day = await _past_day(session, tenant)
        return (await control.day_view(session, tenant, day.date()),
                await control.heat_map(session, tenant, MONDAY_10.date()))

    day, heat = run(in_tenant(database.url, "banyuwangi", work))
    hours = {h.hour: h for h in day.hours}
    assert day.hours[0].hour == 6 and day.hours[-1].hour == 16  # 07-16 always, widened to the 06:30 ticket
    assert (hours[8].taken, hours[8].served, hours[8].no_shows, hours[8].median_wait) == (2, 2, 0, 3)
    assert (hours[9].taken, hours[9].served, hours[9].no_shows) == (1, 0, 1)
    assert (hours[10].taken, hours[10].median_wait) == (1, None)
    assert (day.taken, day.served, day.no_shows) == (5, 3, 1)
    assert day.waiting.median == pytest.approx(120) and day.waiting.p90 == pytest.approx(3.6 * 60)  # 1 2 4
    assert day.service.median == pytest.approx(180) and day.busiest.hour == 8
    # Monday = 0: 8 weeks, so one ticket in an hour is 1/8 per Monday
    assert heat.value(0, 8) == 2 / 8 and heat.value(0, 6) == 1 / 8 and heat.value(0, 9) == heat.value(0, 10) == 1 / 8
    assert heat.value(6, 23) == 0  # not Sunday 23:00, which the 06:30 ticket is in UTC
    assert heat.peak == 2 / 8 and heat.level(0, 8) == control.LEVELS and heat.level(0, 9) == 2
    assert heat.level(1, 8) == 0


def test_the_heat_map_reads_hours_in_the_regencys_zone(database):
    async def work(session, tenant):
        tenant.timezone = TimeZone.WITA
        line = History(session, await first_group(session))
        line.add(datetime.combine(MONDAY_10.date(), time(7, 30), queue_zone(TimeZone.WITA)))
        await session.flush()
        return await control.heat_map(session, tenant, MONDAY_10.date())

    heat = run(in_tenant(database.url, "banyuwangi", work))
    assert heat.value(0, 7) == 1 / 8 and sum(heat.cells.values()) == 1 / 8


def queue_zone(zone: TimeZone):
    from zoneinfo import ZoneInfo

    return ZoneInfo(zone.iana)


def test_the_page_as_the_admin_refreshes_itself_and_names_nobody(client, people, clock):
    run(in_tenant(client.database.url, "banyuwangi", _today))
    assert client.get(PAGE, follow_redirects=False).status_code in (401, 403)
    assert sign_in(client, people["operator_a"], "banyuwangi").status_code == 303
    assert client.get(PAGE, follow_redirects=False).status_code == 403  # operators work at /loket
    client.cookies.clear()
    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    page = client.get(PAGE)
    assert page.status_code == 200
    text = page.text
    assert 'hx-trigger="every 15s"' in text and "Ruang kendali" in text
    assert "<td>memanggil</td>" in text and "<td>menganggur</td>" in text
    assert "Petugas" not in text and "@banyuwangi.test" not in text  # no operator's name or e-mail
    fragment = client.get(PAGE, headers={"hx-request": "true"})
    assert fragment.status_code == 200 and fragment.text.startswith('<section id="langsung"')
    assert "<html" not in fragment.text
    day = client.get(f"{PAGE}?tanggal={(MONDAY_10 - timedelta(days=7)).date().isoformat()}")
    assert day.status_code == 200 and 'value="2027-02-22"' in day.text
    english = client.get(PAGE, headers={"accept-language": "en"})
    assert english.status_code == 200 and "Control room" in english.text and "<td>calling</td>" in english.text


@pytest.mark.parametrize("value", ["2027-13-01", "kemarin", "2999-01-01", "2027-03-02"])
def test_a_bad_or_future_day_is_refused_clearly(client, people, clock, value):
    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    page = client.get(f"{PAGE}?tanggal={value}")
    assert page.status_code == 422
    assert 'role="alert"' in page.text and 'href="#f-tanggal"' in page.text and 'aria-invalid="true"' in page.text


def test_another_regencys_admin_cannot_see_it(client, people):
    assert sign_in(client, people["admin_b"], "bangkalan").status_code == 303
    assert client.get(PAGE, follow_redirects=False).status_code in (403, 404)
    assert client.get("/bangkalan/admin/ruang-kendali").status_code == 200


def test_counters_of_a_line_all_appear(database):
    async def work(session, tenant):
        group = await first_group(session)
        await staff_line(session, group.id, 3, "Z")
        now = await control.now(session, tenant, MONDAY_10)
        total = await session.scalar(select(func.count()).select_from(Counter))
        return now, total

    now, total = run(in_tenant(database.url, "banyuwangi", work))
    assert sum(len(line.counters) for line in now.lines) == total


def test_the_day_view_counts_a_bookings_wait_from_its_slot(database):
    async def work(session, tenant):
        line = History(session, await first_group(session))
        line.add(datetime.combine(MONDAY_10.date(), time(9, 50), WIB), wait=13, service=5, slot_after=10)
        await session.flush()
        return await control.day_view(session, tenant, MONDAY_10.date())

    day = run(in_tenant(database.url, "banyuwangi", work))
    assert day.waiting.median == pytest.approx(3 * 60) and {h.hour: h for h in day.hours}[9].median_wait == 3
