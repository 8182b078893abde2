"""The operator's console through HTTP: staffing a counter, calling in the right order (priority by
weight, then first come), recall, no-show, start and finish with every step timestamped, transfer,
one active ticket per counter, and never another regency's tickets."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from satupintu.agencies.models import Counter
from satupintu.catalogue.models import TenantService
from satupintu.queue.models import Desk, Ticket
from satupintu.queue.service import as_utc
from tests.conftest import create_account, csrf_of, run, sign_in
from tests.queue.conftest import MONDAY_10, in_tenant

API = "/api/v1/tenants/banyuwangi/queue"


def _line(database, slug: str = "banyuwangi", need: int = 2) -> tuple[str, list[str]]:
    """A service and the free counters of its line (its agency's counters in its location)."""

    async def work(session, _tenant):
        staffed = set((await session.scalars(select(Desk.counter_id))).all())
        counters = (await session.scalars(select(Counter).order_by(Counter.code))).all()
        for counter in counters:
            mates = [c for c in counters if c.agency_id == counter.agency_id and c.location_id == counter.location_id
                     and c.id not in staffed]
            service = await session.scalar(select(TenantService).where(
                TenantService.agency_id == counter.agency_id, TenantService.enabled.is_(True)).limit(1))
            if len(mates) >= need and service is not None:
                return service.code, [c.code for c in mates]
        raise AssertionError(f"no line with {need} free counters")

    return run(in_tenant(database.url, slug, work))


def _step(client, slug: str, path: str, **data: str):
    return client.post(f"/{slug}/loket/{path}", data={"_csrf_token": csrf_of(client), **data}, follow_redirects=False)


def _active(client, slug: str = "banyuwangi") -> str:
    page = client.get(f"/{slug}/loket")
    assert page.status_code == 200
    return re.search(r'id="aktif">([^<]+)', page.text).group(1).strip()


def _ticket(database, public_id: str) -> Ticket:
    async def work(session, _tenant):
        return await session.scalar(select(Ticket).where(Ticket.public_id == public_id))
    return run(in_tenant(database.url, "banyuwangi", work))


def test_an_operator_serves_a_line(client, people, clock):
    code, counters = _line(client.database)
    assert client.get("/banyuwangi/loket", follow_redirects=False).status_code in (401, 403)
    assert sign_in(client, people["operator_a"], "banyuwangi").status_code == 303
    choose = client.get("/banyuwangi/loket")
    assert f'value="{counters[0]}"' in choose.text and 'accesskey="b"' in choose.text
    assert client.post("/banyuwangi/loket/buka", data={"counter": counters[0]}).status_code == 403  # no CSRF
    assert _step(client, "banyuwangi", "buka", counter="ZZ9").status_code == 422
    assert _step(client, "banyuwangi", "buka", counter=counters[0]).status_code == 303

    first = client.post(f"{API}/tickets", json={"service": code}).json()
    clock(MONDAY_10 + timedelta(minutes=1))
    second = client.post(f"{API}/tickets", json={"service": code}).json()
    clock(MONDAY_10 + timedelta(minutes=2))
    priority = client.post(f"{API}/tickets", json={"service": code, "priority": True}).json()

    clock(MONDAY_10 + timedelta(minutes=10))
    assert _step(client, "banyuwangi", "panggil").status_code == 303
    assert _active(client) == priority["number"]
    busy = _step(client, "banyuwangi", "panggil")
    assert busy.status_code == 409 and "Selesaikan" in busy.text
    assert _step(client, "banyuwangi", "ulang").status_code == 303
    assert _step(client, "banyuwangi", "tidak-hadir").status_code == 303
    skipped = _ticket(client.database, priority["id"])
    assert skipped.status.value == "no_show" and skipped.recalls == 1 and skipped.no_show_at is not None
    assert client.get(f"{API}/tickets/{priority['id']}").json()["status"] == "no_show"

    assert _step(client, "banyuwangi", "panggil").status_code == 303
    assert _active(client) == first["number"]
    called = client.get(f"{API}/tickets/{first['id']}").json()
    assert called["status"] == "called" and called["counter"] == counters[0] and called["position"] is None
    assert _step(client, "banyuwangi", "selesai").status_code == 409  # not started yet
    clock(MONDAY_10 + timedelta(minutes=11))
    assert _step(client, "banyuwangi", "mulai").status_code == 303
    clock(MONDAY_10 + timedelta(minutes=19))
    assert _step(client, "banyuwangi", "selesai").status_code == 303
    done = _ticket(client.database, first["id"])
    assert done.status.value == "done"
    assert tuple(map(as_utc, (done.called_at, done.started_at, done.finished_at))) == (
        MONDAY_10 + timedelta(minutes=10), MONDAY_10 + timedelta(minutes=11), MONDAY_10 + timedelta(minutes=19))

    # the second ticket goes to the next counter, which alone may call it
    assert _step(client, "banyuwangi", "panggil").status_code == 303
    assert _active(client) == second["number"]
    assert _step(client, "banyuwangi", "alihkan", to_counter=counters[1]).status_code == 303
    moved = client.get(f"{API}/tickets/{second['id']}").json()
    assert moved["status"] == "waiting" and moved["counter"] == counters[1]
    empty = _step(client, "banyuwangi", "panggil")
    assert empty.status_code == 409 and "Tidak ada yang menunggu" in empty.text

    create_account(client.database, "loket2@banyuwangi.test", "operator", "banyuwangi")
    client.cookies.clear()
    assert sign_in(client, "loket2@banyuwangi.test", "banyuwangi").status_code == 303
    assert _step(client, "banyuwangi", "buka", counter=counters[0]).status_code == 409  # staffed already
    assert _step(client, "banyuwangi", "buka", counter=counters[1]).status_code == 303
    assert _step(client, "banyuwangi", "panggil").status_code == 303
    assert _active(client) == second["number"]
    transferred = _ticket(client.database, second["id"])
    assert transferred.transfers == 1 and transferred.transferred_at is not None
    assert _step(client, "banyuwangi", "tutup").status_code == 409  # a ticket is still at the counter


def test_an_operator_of_another_regency_never_gets_these_tickets(client, people, clock):
    code, _counters = _line(client.database)
    client.post(f"{API}/tickets", json={"service": code})
    _other_code, theirs = _line(client.database, "bangkalan", need=1)
    assert sign_in(client, people["operator_b"], "bangkalan").status_code == 303
    assert _step(client, "bangkalan", "buka", counter=theirs[0]).status_code == 303
    refused = _step(client, "bangkalan", "panggil")
    assert refused.status_code == 409
    assert _active(client, "bangkalan") == "—"
    assert client.get("/banyuwangi/loket").status_code == 403
