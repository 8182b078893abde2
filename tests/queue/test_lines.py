"""The queue's lines (counter groups) follow the counters the moment the console changes them, and
the citizens' pages only read them: a GET of the ticket form, a board or a ticket writes nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from satupintu.agencies.models import Agency, Counter, Location
from satupintu.catalogue.models import TenantService
from satupintu.db import make_engine, make_sessionmaker
from satupintu.queue import groups
from tests.conftest import csrf_of, run, sign_in
from tests.queue.conftest import in_tenant

API = "/api/v1/tenants/banyuwangi/queue"
WRITE = re.compile(r"^\s*(insert|update|delete)\b|bump_tenant_revisions", re.IGNORECASE)
WEEKDAYS = {f"hours_{day}": "08:00-14:00" for day in ("senin", "selasa", "rabu", "kamis", "jumat")}


@contextmanager
def citizen(client) -> Iterator[None]:
    """Requests without the staff member's cookies (a citizen's phone), then the staff member again."""
    saved = httpx.Cookies(client.cookies)
    client.cookies.clear()
    try:
        yield
    finally:
        client.cookies = saved


@contextmanager
def statements() -> Iterator[list[str]]:
    """Every SQL statement any engine of this process sends while the block runs."""
    seen: list[str] = []

    def record(_connection, _cursor, statement, _parameters, _context, _many) -> None:  # noqa: ANN001
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def _admin(client, people) -> None:
    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    client.token = csrf_of(client)


def _post(client, path: str, **data: str) -> httpx.Response:
    return client.post(path, data={"_csrf_token": client.token, **data}, follow_redirects=False)


def _counter(client, agency: str) -> httpx.Response:
    return _post(client, "/banyuwangi/admin/loket/G1", counter_code="G1", counter_name="Loket Genteng",
                 counter_location="mpp-genteng", counter_agency=agency)


def _service_of(client, agency: str) -> str:
    async def first(session, _tenant):
        return await session.scalar(select(TenantService.code).join(Agency, Agency.id == TenantService.agency_id)
                                    .where(Agency.key == agency, TenantService.enabled.is_(True))
                                    .order_by(TenantService.code).limit(1))
    return run(in_tenant(client.database.url, "banyuwangi", first))


def _lines_at_genteng(client) -> list[tuple[str, str, int]]:
    board = client.get(f"{API}/board", params={"location": "mpp-genteng"})
    assert board.status_code == 200, board.text
    return [(line["prefix"], line["agency"], line["waiting"]) for line in board.json()["lines"]]


def _offered_locations(client) -> list[str]:
    return re.findall(r'<option value="([^"]+)"', client.get("/banyuwangi/antrian").text.split('name="location"')[-1])


def test_the_ticket_form_and_board_follow_counters_added_edited_and_removed_in_the_console(client, people, clock):
    _admin(client, people)
    assert _post(client, "/banyuwangi/admin/lokasi", code="mpp-genteng", name="Anjungan MPP Genteng", kind="kantor",
                 hours_sabtu="tutup", hours_minggu="tutup", **WEEKDAYS).status_code == 303
    civil, permits = _service_of(client, "dispendukcapil"), _service_of(client, "dpmptsp")
    with citizen(client):
        assert "mpp-genteng" not in _offered_locations(client), "a location without counters has no line"
        assert client.get("/banyuwangi/layar/mpp-genteng").status_code == 404

    assert _post(client, "/banyuwangi/admin/loket", counter_code="G1", counter_name="Loket Genteng",
                 counter_location="mpp-genteng", counter_agency="dispendukcapil").status_code == 303
    with citizen(client):
        assert "mpp-genteng" in _offered_locations(client)
        assert _lines_at_genteng(client) == [("G", "Dispendukcapil", 0)], "the counter's letter, at once"
        taken = client.post(f"{API}/tickets", json={"service": civil, "location": "mpp-genteng"})
        assert taken.status_code == 201 and taken.json()["number"] == "G-001"
        assert "<strong>G</strong> Dispendukcapil: 1" in client.get("/banyuwangi/layar/mpp-genteng").text
        assert client.get(f"/banyuwangi/antrian/{taken.json()['id']}").status_code == 200

    assert _counter(client, "dpmptsp").status_code == 303  # the same counter now serves DPMPTSP
    with citizen(client):
        assert [(agency, waiting) for _prefix, agency, waiting in _lines_at_genteng(client)] == [("DPMPTSP", 0)]
        moved = client.post(f"{API}/tickets", json={"service": permits, "location": "mpp-genteng"})
        assert moved.status_code == 201, moved.text
        assert moved.json()["number"].startswith(_lines_at_genteng(client)[0][0] + "-")
        gone = client.post(f"{API}/tickets", json={"service": civil, "location": "mpp-genteng"})
        assert gone.status_code == 422 and gone.json()["code"] == "no_counter"

    assert _post(client, "/banyuwangi/admin/loket/G1/hapus").status_code == 303
    with citizen(client):
        assert "mpp-genteng" not in _offered_locations(client)
        assert client.get("/banyuwangi/layar/mpp-genteng").status_code == 404
        assert client.get(f"{API}/board", params={"location": "mpp-genteng"}).status_code == 404
        refused = client.post(f"{API}/tickets", json={"service": permits, "location": "mpp-genteng"})
        assert refused.status_code == 422 and refused.json()["code"] == "no_counter"
        assert client.get(f"/banyuwangi/antrian/{taken.json()['id']}").status_code == 200, "a ticket outlives its line"


def test_the_citizens_queue_pages_write_nothing(client, people, clock):
    """A counter added in the console for an agency new to a location, then every page a citizen or a
    board opens: not one INSERT, UPDATE or DELETE (the line was made when the counter was)."""
    _admin(client, people)
    assert _post(client, "/banyuwangi/admin/loket", counter_code="P9", counter_name="Loket SKCK Pasar",
                 counter_location="pasar-pelayanan-publik", counter_agency="polresta").status_code == 303
    pages = ("/banyuwangi/antrian", "/banyuwangi/antrian?kios=1", "/banyuwangi/layar/pasar-pelayanan-publik",
             "/banyuwangi/layar/mpp", f"{API}/board?location=pasar-pelayanan-publik", "/banyuwangi/antrian/reservasi",
             "/banyuwangi/antrian/hadir")
    with citizen(client):
        with statements() as before_any_ticket:
            for path in pages:
                assert client.get(path).status_code == 200, path
        ticket = client.post(f"{API}/tickets", json={"service": _service_of(client, "polresta"),
                                                     "location": "pasar-pelayanan-publik"}).json()
        with statements() as with_a_ticket:
            for path in (*pages, f"/banyuwangi/antrian/{ticket['id']}", f"{API}/tickets/{ticket['id']}"):
                assert client.get(path).status_code == 200, path
    assert before_any_ticket and with_a_ticket, "the listener saw the pages' reads"
    assert [s for s in before_any_ticket + with_a_ticket if WRITE.search(s)] == []


def test_the_hourly_check_adds_lines_for_counters_written_around_the_console(database):
    """Packs loaded by provisioning already have every line; a counter written straight into the
    database (around agencies.service) gets its line from the scheduler's hourly check."""
    from satupintu.benchmarks import schedule

    async def check() -> dict[str, int]:
        engine = make_engine(database.url)
        try:
            return await groups.sync_all(make_sessionmaker(engine))
        finally:
            await engine.dispose()

    async def add_counter(session, _tenant) -> None:
        pasar = await session.scalar(select(Location).where(Location.code == "pasar-pelayanan-publik"))
        samsat = await session.scalar(select(Agency).where(Agency.key == "samsat"))
        session.add(Counter(code="S9", name="Loket Samsat Pasar", location_id=pasar.id, agency_id=samsat.id))

    async def samsat_at_the_market(session, _tenant) -> bool:
        pasar = await session.scalar(select(Location.id).where(Location.code == "pasar-pelayanan-publik"))
        samsat = await session.scalar(select(Agency.id).where(Agency.key == "samsat"))
        return await groups.line_of(session, pasar, samsat) is not None

    assert run(check()) == {}, "provisioning made every line"
    run(in_tenant(database.url, "banyuwangi", add_counter))
    assert not run(in_tenant(database.url, "banyuwangi", samsat_at_the_market))
    job = next(job for job in schedule.jobs(database.settings()) if job.id == "queue-lines")
    job.run()
    assert run(in_tenant(database.url, "banyuwangi", samsat_at_the_market))
    assert run(check()) == {}


def test_a_counter_that_served_tickets_can_be_removed_and_its_tickets_stay(client, people, clock):
    """A ticket keeps the counter that served it until the counter is removed; then it keeps its history
    without one. The composite foreign key's SET NULL would also null the ticket's tenant_id (NOT NULL)."""
    from satupintu.queue.models import Ticket

    _admin(client, people)
    assert _post(client, "/banyuwangi/admin/loket", counter_code="G1", counter_name="Loket Genteng",
                 counter_location="mpp", counter_agency="dispendukcapil").status_code == 303
    with citizen(client):
        taken = client.post(f"{API}/tickets", json={"service": _service_of(client, "dispendukcapil"), "location": "mpp"})
    assert taken.status_code == 201, taken.text

    async def served_at_g1(session, _tenant):
        counter = await session.scalar(select(Counter).where(Counter.code == "G1"))
        ticket = await session.scalar(select(Ticket).where(Ticket.public_id == taken.json()["id"]))
        ticket.counter_id = counter.id
    run(in_tenant(client.database.url, "banyuwangi", served_at_g1))

    assert _post(client, "/banyuwangi/admin/loket/G1/hapus").status_code == 303

    async def ticket_counter(session, _tenant):
        return await session.scalar(select(Ticket.counter_id).where(Ticket.public_id == taken.json()["id"]))
    assert run(in_tenant(client.database.url, "banyuwangi", ticket_counter)) is None
    with citizen(client):
        assert client.get(f"/banyuwangi/antrian/{taken.json()['id']}").status_code == 200
