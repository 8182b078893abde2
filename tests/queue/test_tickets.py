"""Taking a ticket through the JSON API and the citizens' pages: numbering, order, hours, holidays,
quota, the tenant's time zone, and that nothing of one regency shows in another."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from satupintu.catalogue.models import TenantService
from satupintu.config import ConfigError, Settings
from satupintu.queue import service as queue
from satupintu.queue.models import ServiceQueueRule, Ticket
from satupintu.tenants.models import Tenant, TimeZone
from tests.conftest import csrf_of, run
from tests.queue.conftest import MONDAY_10, WIB, first_service, in_tenant

API = "/api/v1/tenants/banyuwangi/queue"


def _service(client, slug: str = "banyuwangi") -> str:
    return run(in_tenant(client.database.url, slug, lambda s, t: first_service(s)))


def _count_tickets(client, slug: str = "banyuwangi") -> int:
    async def count(session, _tenant):
        return await session.scalar(select(func.count()).select_from(Ticket))
    return run(in_tenant(client.database.url, slug, count))


def test_a_ticket_through_the_api(client, clock):
    code = _service(client)
    first = client.post(f"{API}/tickets", json={"service": code})
    assert first.status_code == 201, first.text
    body = first.json()
    assert re.fullmatch(r"[A-Z]-001", body["number"])
    assert body["status"] == "waiting" and body["position"] == 1 and body["estimated_wait_minutes"] == 0
    assert len(body["id"]) >= 20 and body["status_url"].endswith(f"/banyuwangi/antrian/{body['id']}")
    assert body["location"] == "mpp" and body["service"] == code
    second = client.post(f"{API}/tickets", json={"service": code, "location": "mpp"}).json()
    assert second["number"] == body["number"][:2] + "002" and second["position"] == 2
    assert second["estimated_wait_minutes"] > 0

    status = client.get(f"{API}/tickets/{second['id']}")
    assert status.status_code == 200 and status.json()["position"] == 2
    board = client.get(f"{API}/board", params={"location": "mpp"}).json()
    line = next(line for line in board["lines"] if line["prefix"] == body["number"][0])
    assert line["waiting"] == 2 and board["calls"] == []
    assert client.get(f"{API}/board", params={"location": "nowhere"}).status_code == 404
    assert client.get(f"{API}/tickets/1").status_code == 404

    schema = client.get("/api/schema/openapi.json").json()
    assert {"TicketIn", "TicketOut", "BoardOut", "QueueErrorOut"} <= set(schema["components"]["schemas"])
    assert "201" in schema["paths"]["/api/v1/tenants/{slug}/queue/tickets"]["post"]["responses"]


def test_unknown_service_is_refused_in_both_languages_and_nothing_changes(client, clock):
    before = _count_tickets(client)
    refused = client.post(f"{API}/tickets", json={"service": "tidak-ada"})
    assert refused.status_code == 422
    body = refused.json()
    assert body["code"] == "unknown_service"
    assert body["detail"] == body["detail_id"] == "Tidak ada layanan seperti itu dalam antrean daerah ini."
    assert body["detail_en"] == "There is no such service in this region's queue."
    english = client.post(f"{API}/tickets", json={"service": "tidak-ada"}, headers={"accept-language": "en"})
    assert english.json()["detail"] == body["detail_en"]
    unknown_location = client.post(f"{API}/tickets", json={"service": _service(client), "location": "bulan"})
    assert unknown_location.status_code == 422 and unknown_location.json()["code"] == "unknown_location"
    assert client.post(f"{API}/tickets", json={"layanan": "x"}).status_code == 400
    assert client.post(f"{API}/tickets", json={"service": ""}).status_code == 400
    assert _count_tickets(client) == before


@pytest.mark.parametrize("moment, opens", [
    (datetime(2027, 2, 28, 10, 0, tzinfo=WIB), datetime(2027, 3, 1, 8, 0, tzinfo=WIB)),  # Sunday: closed all day
    (datetime(2027, 3, 1, 15, 0, tzinfo=WIB), datetime(2027, 3, 2, 8, 0, tzinfo=WIB)),  # Monday at closing time
    (datetime(2027, 3, 5, 11, 30, tzinfo=WIB), datetime(2027, 3, 5, 13, 0, tzinfo=WIB)),  # Friday prayer break
    (datetime(2026, 8, 17, 9, 0, tzinfo=WIB), datetime(2026, 8, 18, 8, 0, tzinfo=WIB)),  # Independence Day
])
def test_a_closed_service_says_when_it_opens(client, clock, moment, opens):
    clock(moment)
    before = _count_tickets(client)
    refused = client.post(f"{API}/tickets", json={"service": _service(client)})
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["code"] == "closed"
    assert datetime.fromisoformat(body["opens_at"]) == opens
    assert f"{opens:%H:%M}" in body["detail_id"] and "WIB" in body["detail_en"]
    assert body["detail_id"].startswith("Layanan ini sedang tutup.")
    assert _count_tickets(client) == before
    clock(opens)
    assert client.post(f"{API}/tickets", json={"service": _service(client)}).status_code == 201


def test_the_demo_setting_opens_around_the_clock_and_never_in_production(database, clock):
    from litestar.testing import TestClient

    from satupintu.app import create_app, wrap

    clock(datetime(2027, 2, 28, 23, 0, tzinfo=WIB))
    with TestClient(app=wrap(create_app(database.settings(SATUPINTU_QUEUE_ALWAYS_OPEN="1")))) as demo:
        demo.database = database
        assert demo.post(f"{API}/tickets", json={"service": _service(demo)}).status_code == 201
    with pytest.raises(ConfigError, match="SATUPINTU_QUEUE_ALWAYS_OPEN"):
        Settings.from_env({"SATUPINTU_ENV": "production", "SATUPINTU_SECRET_KEY": "x" * 40,
                           "SATUPINTU_QUEUE_ALWAYS_OPEN": "1"})


def test_a_full_quota_refuses_and_gives_its_number_to_the_next_ticket(client, clock):
    code = _service(client)

    async def limit(session, _tenant):
        service = await session.scalar(select(TenantService).where(TenantService.code == code))
        rule = await session.scalar(select(ServiceQueueRule).where(ServiceQueueRule.service_id == service.id))
        if rule is None:
            session.add(ServiceQueueRule(service_id=service.id, daily_quota=2))
        else:
            rule.daily_quota = 2
        other = await session.scalar(select(TenantService).where(
            TenantService.agency_id == service.agency_id, TenantService.code != code, TenantService.enabled.is_(True)))
        return other.code

    other = run(in_tenant(client.database.url, "banyuwangi", limit))
    numbers = [client.post(f"{API}/tickets", json={"service": code}).json()["number"] for _ in range(2)]
    full = client.post(f"{API}/tickets", json={"service": code})
    assert full.status_code == 409 and full.json()["code"] == "quota_full"
    assert "2" in full.json()["detail_id"] and full.json()["detail_id"] != full.json()["detail_en"]
    next_one = client.post(f"{API}/tickets", json={"service": other}).json()["number"]
    assert [n[-3:] for n in [*numbers, next_one]] == ["001", "002", "003"]
    clock(MONDAY_10 + timedelta(days=1))
    assert client.post(f"{API}/tickets", json={"service": code}).status_code == 201


def test_priority_tickets_go_first_with_the_configured_weight(client, clock):
    from satupintu.queue.models import QueueSettings

    async def weight(session, _tenant):
        settings = await session.scalar(select(QueueSettings))
        settings.priority_weight = 7

    run(in_tenant(client.database.url, "banyuwangi", weight))
    code = _service(client)
    regular = client.post(f"{API}/tickets", json={"service": code}).json()
    clock(MONDAY_10 + timedelta(minutes=5))
    priority = client.post(f"{API}/tickets", json={"service": code, "priority": True}).json()
    later = client.post(f"{API}/tickets", json={"service": code}).json()
    assert priority["priority"] and priority["position"] == 1
    assert client.get(f"{API}/tickets/{regular['id']}").json()["position"] == 2
    assert later["position"] == 3

    async def stored(session, _tenant):
        return await session.scalar(select(Ticket.priority_weight).where(Ticket.public_id == priority["id"]))

    assert run(in_tenant(client.database.url, "banyuwangi", stored)) == 7


def test_the_day_rolls_over_at_midnight_in_the_regencys_time_zone(database):
    """At 16:30 UTC it is 23:30 in Banyuwangi (WIB) but 01:30 the next day in a WIT regency."""
    before_midnight_wit = datetime(2027, 3, 1, 14, 30, tzinfo=ZoneInfo("UTC"))  # 23:30 WIT, 21:30 WIB
    after_midnight_wit = datetime(2027, 3, 1, 16, 30, tzinfo=ZoneInfo("UTC"))  # 01:30 WIT, 23:30 WIB

    async def take(zone: TimeZone):
        async def work(session, tenant):
            await session.execute(update(Tenant).where(Tenant.id == tenant.id).values(timezone=zone))
            tenant.timezone = zone
            code = await first_service(session)
            out = []
            for moment in (before_midnight_wit, after_midnight_wit):
                ticket = await queue.take_ticket(session, tenant, code, now=moment, always_open=True)
                out.append((ticket.day.isoformat(), ticket.number))
            return out
        return await in_tenant(database.url, "banyuwangi", work)

    assert run(take(TimeZone.WIT)) == [("2027-03-01", 1), ("2027-03-02", 1)]


def test_the_ticket_page_on_a_phone_or_a_kiosk(client, clock):
    code = _service(client)
    token = csrf_of(client)
    page = client.get("/banyuwangi/antrian", params={"layanan": code})
    assert page.status_code == 200 and f'value="{code}" selected' in page.text
    before = _count_tickets(client)
    bad = client.post("/banyuwangi/antrian", data={"_csrf_token": token, "service": ""}, follow_redirects=False)
    assert bad.status_code == 422 and "aria-invalid" in bad.text
    unknown = client.post("/banyuwangi/antrian", data={"_csrf_token": token, "service": "tidak-ada"})
    assert unknown.status_code == 422 and "Tidak ada layanan seperti itu" in unknown.text
    assert client.post("/banyuwangi/antrian", data={"service": code}).status_code == 403  # no CSRF token
    assert _count_tickets(client) == before

    taken = client.post("/banyuwangi/antrian", data={"_csrf_token": token, "service": code, "kiosk": "1"},
                        follow_redirects=False)
    assert taken.status_code == 303
    location = taken.headers["location"]
    assert re.fullmatch(r"/banyuwangi/antrian/[A-Za-z0-9_-]{20,}\?kios=1", location)
    ticket = client.get(location)
    assert ticket.status_code == 200
    assert re.search(r'class="ticket-number">[A-Z]-001<', ticket.text)
    assert 'src="data:image/svg+xml' in ticket.text
    assert 'hx-trigger="every 5s"' in ticket.text and "data-autoprint" in ticket.text
    assert "<script>" not in ticket.text and "onclick" not in ticket.text
    fragment = client.get(location.split("?")[0], headers={"hx-request": "true"})
    assert fragment.text.lstrip().startswith('<div id="status"') and "<html" not in fragment.text
    css = client.get("/static/queue.css").text
    assert "size: 58mm" in css


def test_another_regency_never_sees_a_ticket(client, clock):
    mine = client.post(f"{API}/tickets", json={"service": _service(client)}).json()
    assert client.get(f"/api/v1/tenants/bangkalan/queue/tickets/{mine['id']}").status_code == 404
    assert client.get(f"/bangkalan/antrian/{mine['id']}").status_code == 404
    board = client.get("/api/v1/tenants/bangkalan/queue/board", params={"location": "mpp"})
    assert board.status_code == 200
    assert all(line["waiting"] == 0 for line in board.json()["lines"])
    lines = client.get(f"{API}/board", params={"location": "mpp"}).json()["lines"]
    assert next(line["waiting"] for line in lines if line["prefix"] == mine["number"][0]) == 1
