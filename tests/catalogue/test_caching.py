"""Pages computed once per change: every web process sees a change on the next request, conditional
requests get 304 only when nothing changed, and one regency's cached page never answers another's.
The API list is paged in a stable order. (Timings live in bench/, never here.)"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from litestar.testing import TestClient
from sqlalchemy import event, select

from satupintu import caching, web
from satupintu.agencies import hours
from satupintu.app import create_app, wrap
from satupintu.catalogue.models import TenantService
from satupintu.db import make_engine, make_sessionmaker, tenant_session
from satupintu.tenants import service as tenants_service
from tests.conftest import csrf_of, in_tenant, run, serving, sign_in

ENGLISH = {"Accept-Language": "en"}
WIB = ZoneInfo("Asia/Jakarta")


def _process(database) -> TestClient:
    """A web process of its own over the same database: its own app, its own caches."""
    return TestClient(app=wrap(create_app(database.settings())), raise_server_exceptions=False)


@pytest.fixture
def visitor(client) -> TestClient:
    """A citizen on the first web process."""
    return client


@pytest.fixture
def other(client) -> Iterator[TestClient]:
    """A citizen on a second web process."""
    with _process(client.database) as second:
        yield second


@pytest.fixture
def admin(client, people) -> Iterator[TestClient]:
    """The regency's admin, signed in on a third web process (the console)."""
    with _process(client.database) as console:
        console.database = client.database
        assert sign_in(console, people["admin_a"], "banyuwangi").status_code == 303
        console.token = csrf_of(console)
        yield console


def _set_fee(admin, code: str, cost: int) -> None:
    import re

    form = admin.get(f"/banyuwangi/admin/layanan/{code}").text
    agency = re.search(r'<option value="(\d+)" selected', form.split('name="agency_id"', 1)[1]).group(1)
    response = admin.post(f"/banyuwangi/admin/layanan/{code}", follow_redirects=False, data={
        "_csrf_token": admin.token, "enabled": "on", "cost": str(cost), "cost_note": "", "completion_value": "1",
        "completion_unit": "hari", "extra_requirements": "", "agency_id": agency})
    assert response.status_code == 303


async def _revisions(url: str) -> dict[str, int]:
    engine = make_engine(url)
    async with tenant_session(make_sessionmaker(engine), None) as session:
        tenants = await tenants_service.list_tenants(session)
    await engine.dispose()
    return {t.slug: t.revision for t in tenants}


def test_a_console_change_shows_on_the_next_request_of_every_process_in_both_languages(admin, visitor, other):
    pages = ("/banyuwangi/layanan", "/banyuwangi/layanan/skck-baru", "/banyuwangi/layanan?q=skck")
    for process in (visitor, other):
        for headers in ({}, ENGLISH):
            for path in pages:
                assert process.get(path, headers=headers).status_code == 200
            assert process.get("/api/v1/tenants/banyuwangi/services/skck-baru", headers=headers).json()["cost"] == 30000
        assert "Rp30.000" in process.get("/banyuwangi/layanan/skck-baru").text

    _set_fee(admin, "skck-baru", 45000)

    for process in (visitor, other):
        for path in pages:
            assert "Rp45.000" in process.get(path).text, path
            assert "IDR45,000" in process.get(path, headers=ENGLISH).text, path
        for headers in ({}, ENGLISH):
            assert process.get("/api/v1/tenants/banyuwangi/services/skck-baru", headers=headers).json()["cost"] == 45000
            listed = process.get("/api/v1/tenants/banyuwangi/services", params={"q": "skck"}, headers=headers).json()
            assert next(s for s in listed["items"] if s["code"] == "skck-baru")["cost"] == 45000


def test_every_write_bumps_its_own_tenants_revision_only(admin):
    before = run(_revisions(admin.database.url))
    _set_fee(admin, "skck-baru", 45000)
    after = run(_revisions(admin.database.url))
    assert after["banyuwangi"] > before["banyuwangi"]
    assert {k: v for k, v in after.items() if k != "banyuwangi"} == \
        {k: v for k, v in before.items() if k != "banyuwangi"}


def _in_bangkalan(database, write) -> None:
    """Run ``write(maker, tenant_id)`` against Bangkalan's data, outside any web process."""
    async def go() -> None:
        engine = make_engine(database.url)
        maker = make_sessionmaker(engine)
        async with tenant_session(maker, None) as session:
            tenant = await tenants_service.get_by_slug(session, "bangkalan")
        try:
            await write(maker, tenant.id)
        finally:
            await engine.dispose()

    run(go())


def test_a_rolled_back_write_does_not_bump_the_revision(database):
    async def write_and_roll_back(maker, tenant_id: int) -> None:
        async with maker() as session:
            session.info["tenant_id"] = tenant_id
            async with session.begin():
                row = await session.scalar(select(TenantService).limit(1))
                row.cost += 1
                await session.flush()
                await session.rollback()

    before = run(_revisions(database.url))
    _in_bangkalan(database, write_and_roll_back)
    assert run(_revisions(database.url)) == before


def test_writes_no_cached_page_shows_leave_the_revision_alone(database):
    from satupintu.audit.models import AuditEntry

    async def audit_only(maker, tenant_id: int) -> None:
        async with tenant_session(maker, tenant_id) as session:
            session.add(AuditEntry(actor="uji@bangkalan.test", actor_role="tenant_admin", action="view",
                                   entity="service", entity_key="skck-baru"))

    before = run(_revisions(database.url))
    _in_bangkalan(database, audit_only)
    assert run(_revisions(database.url)) == before


@pytest.mark.parametrize("path", ["/banyuwangi/", "/banyuwangi/layanan", "/banyuwangi/layanan/skck-baru",
                                  "/api/v1/tenants/banyuwangi/services?q=skck",
                                  "/api/v1/tenants/banyuwangi/services/skck-baru"])
def test_304_only_while_nothing_changed(admin, visitor, other, path):
    first = other.get(path)
    etag = first.headers["etag"]
    assert first.status_code == 200 and "max-age" in first.headers["cache-control"]
    again = other.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert visitor.get(path, headers={"If-None-Match": etag}).status_code == 304, "every process gives the same ETag"
    assert other.get(path, headers={"If-None-Match": etag, **ENGLISH}).status_code == 200, "English is another page"
    assert other.get(path, headers={"If-None-Match": '"something-else"'}).status_code == 200

    _set_fee(admin, "skck-baru", 45000)

    changed = other.get(path, headers={"If-None-Match": etag})
    if path.endswith("/banyuwangi/"):  # the home page shows no fee: same text, same ETag
        assert changed.status_code == 304
    else:
        assert changed.status_code == 200 and changed.headers["etag"] != etag and changed.content


def test_a_regency_never_receives_another_regencys_cached_page(admin, visitor, other):
    for client in (visitor, other):
        for slug in ("bangkalan", "banyuwangi"):
            client.get(f"/{slug}/layanan")
            client.get(f"/{slug}/layanan/skck-baru")
    bangkalan_before = other.get("/bangkalan/layanan/skck-baru").text
    _set_fee(admin, "skck-baru", 45000)
    for client in (visitor, other):
        banyuwangi = client.get("/banyuwangi/layanan/skck-baru").text
        bangkalan = client.get("/bangkalan/layanan/skck-baru").text
        assert "MPP Kabupaten Banyuwangi" in banyuwangi and "Bangkalan" not in banyuwangi
        assert "Rp45.000" in banyuwangi
        assert "Bangkalan" in bangkalan and "Kabupaten Banyuwangi" not in bangkalan and "Rp45.000" not in bangkalan
        assert bangkalan == bangkalan_before
        listing = client.get("/bangkalan/layanan").text
        assert "Kabupaten Banyuwangi" not in listing and "Rp45.000" not in listing


class _Behind:
    """The application behind ``caching.front``, noting every HTTP request that reaches it."""

    def __init__(self, app) -> None:  # noqa: ANN001
        self.app, self.state, self.reached = app, app.state, []

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] == "http":
            self.reached.append(scope["path"])
        await self.app(scope, receive, send)


def _same(response) -> tuple:  # noqa: ANN001
    return response.status_code, response.content, {k: v for k, v in response.headers.items() if k != "x-request-id"}


def test_the_front_answers_a_kept_page_exactly_as_the_application_does_and_only_while_it_serves(database, people):
    behind = _Behind(create_app(database.settings()))
    front = caching.front(behind)
    direct = {"X-Test-Direct": "1"}

    async def either(scope, receive, send) -> None:  # noqa: ANN001 - asked with ``direct``: the application alone
        await (behind if (b"x-test-direct", b"1") in scope.get("headers", ()) else front)(scope, receive, send)

    with TestClient(app=web.request_context(either), raise_server_exceptions=False) as client:
        pages = ["/banyuwangi/", "/banyuwangi/layanan", "/banyuwangi/layanan?q=ktp+hilang",
                 "/banyuwangi/layanan/skck-baru", "/api/v1/tenants/banyuwangi/services?per_halaman=7",
                 "/api/v1/tenants/banyuwangi/services/skck-baru"]
        fragment = {"HX-Request": "true", "HX-Target": "hasil"}
        for path in pages:
            etag = client.get(path, headers=direct).headers["etag"]
            for headers in ({}, {"Accept-Encoding": "identity"}, ENGLISH, {"If-None-Match": etag}, fragment):
                by_application = client.get(path, headers={**headers, **direct})
                behind.reached.clear()
                by_front = client.get(path, headers=headers)
                assert behind.reached == [], (path, headers)
                assert _same(by_front) == _same(by_application), (path, headers)
        full, part = client.get("/banyuwangi/layanan").text, client.get("/banyuwangi/layanan", headers=fragment).text
        assert "<html" in full and "<html" not in part, "a fragment and its page are kept apart"

        listed = "/api/v1/tenants/banyuwangi/services?per_halaman=7"
        forged = client.get(listed, headers={"Host": "attacker.example"}).json()["next"]
        assert "attacker.example" not in forged, "a link names a host the deployment is configured with"
        assert client.get(listed).json()["next"].endswith("/api/v1/tenants/banyuwangi/services?per_halaman=7&halaman=2")

        run(_set_fee_in(database.url, "skck-baru", 45000))
        behind.reached.clear()
        assert "Rp45.000" in client.get("/banyuwangi/layanan/skck-baru").text
        assert behind.reached == ["/banyuwangi/layanan/skck-baru"], "a page of an older revision is not served"

        assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
        behind.reached.clear()
        assert 'action="/banyuwangi/keluar"' in client.get("/banyuwangi/layanan").text
        assert behind.reached == ["/banyuwangi/layanan"], "signed in: the application renders the page"


async def _set_fee_in(url: str, code: str, cost: int) -> None:
    """A write in another process (its unit of work adds one to the regency's revision)."""
    async with in_tenant(url, "banyuwangi") as session:
        (await session.scalar(select(TenantService).where(TenantService.code == code))).cost = cost


def test_opening_hours_change_when_a_place_opens_or_closes_or_at_midnight():
    at = datetime(2026, 12, 11, 12, 30, tzinfo=WIB)
    statuses = [hours.Status(open=True, until=time(15)), hours.Status(open=False, next_time=time(13), next_is_today=True),
                hours.Status(open=False, next_day="senin", next_time=time(8))]
    assert hours.changes_at(statuses, at) == datetime(2026, 12, 11, 13, tzinfo=WIB)
    assert hours.changes_at(statuses[:1], at.replace(hour=13, minute=30)) == datetime(2026, 12, 11, 15, tzinfo=WIB)
    assert hours.changes_at(statuses[2:], at) == datetime(2026, 12, 12, tzinfo=WIB), "tomorrow becomes today"


def test_a_page_showing_opening_hours_is_kept_until_a_place_opens_or_closes(client, monkeypatch):
    clock = {"now": datetime(2026, 12, 7, 2, 30, tzinfo=UTC)}  # Monday 09:30 WIB
    monkeypatch.setattr(hours, "now", lambda: clock["now"])
    page = client.get("/banyuwangi/").text
    (entry,) = [e for e in client.litestar_app.state.page_cache._data.values() if e.slug == "banyuwangi"]
    assert entry.until > clock["now"] + timedelta(hours=1), "kept longer than a minute"
    clock["now"] = entry.until - timedelta(seconds=1)
    assert client.get("/banyuwangi/").text == page
    clock["now"] = entry.until
    assert client.get("/banyuwangi/").text != page, "a place opened or closed: the page says so at once"


def test_signed_in_staff_get_their_own_page_not_the_cached_one(client, people):
    sign_out = 'action="/banyuwangi/keluar"'
    assert sign_out not in client.get("/banyuwangi/layanan").text
    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    assert sign_out in client.get("/banyuwangi/layanan").text


def test_api_pages_are_stable_complete_and_without_duplicates(client):
    whole = client.get("/api/v1/tenants/banyuwangi/services", params={"per_halaman": 200}).json()
    assert whole["next"] is None and whole["total"] == len(whole["items"]) > 150
    first = client.get("/api/v1/tenants/banyuwangi/services").json()
    assert first["per_page"] == 50 and len(first["items"]) == 50
    assert first["items"] == whole["items"][:50]
    codes, url, pages = [], "/api/v1/tenants/banyuwangi/services?per_halaman=7", 0
    while url:
        page = client.get(url).json()
        assert page["total"] == whole["total"]
        codes += [s["code"] for s in page["items"]]
        url = page["next"]
        pages += 1
    assert codes == [s["code"] for s in whole["items"]]
    assert len(codes) == len(set(codes))
    assert pages == -(-whole["total"] // 7)
    ranked = client.get("/api/v1/tenants/banyuwangi/services", params={"q": "ktp", "per_halaman": 2}).json()
    assert len(ranked["items"]) == 2 and ranked["next"] and "q=ktp" in ranked["next"]
    later = client.get(ranked["next"]).json()
    assert not {s["code"] for s in later["items"]} & {s["code"] for s in ranked["items"]}


@pytest.mark.parametrize(("params", "key"), [
    ({"halaman": "0"}, "halaman"), ({"halaman": "-1"}, "halaman"), ({"halaman": "dua"}, "halaman"),
    ({"halaman": "1.5"}, "halaman"), ({"per_halaman": "0"}, "per_halaman"), ({"per_halaman": "201"}, "per_halaman"),
    ({"per_halaman": "semua"}, "per_halaman"),
])
def test_bad_page_parameters_are_400_with_a_clear_message(client, params, key):
    response = client.get("/api/v1/tenants/banyuwangi/services", params=params)
    assert response.status_code == 400
    problem = response.json()["extra"][0]
    assert problem["key"] == key and ("Nomor halaman" in problem["message"] or "Ukuran halaman" in problem["message"])
    english = client.get("/api/v1/tenants/banyuwangi/services", params=params, headers=ENGLISH).json()
    assert "page" in english["extra"][0]["message"]


async def test_a_burst_of_citizens_reuses_the_pools_connections(pg_database):
    """Sixteen citizens at once, again and again: after the first burst every request borrows a
    connection the pool already holds. (With SQLAlchemy's default pool of 5, each burst opened and
    closed ten connections, each paying TLS and authentication: the bench's p99 of 100 ms.)"""
    paths = [f"/{slug}/layanan" for slug in ("banyuwangi", "purbalingga", "bangkalan", "labuhanbatu")]
    async with serving(pg_database) as client:
        for path in paths:  # each page rendered and kept once
            assert (await client.get(path)).status_code == 200
        opened: list[object] = []
        event.listen(client.app.state.engine.sync_engine.pool, "connect", lambda *_: opened.append(1))
        after_each_burst = []
        for _ in range(5):
            answers = await asyncio.gather(*(client.get(path) for path in paths * 4))
            assert {answer.status_code for answer in answers} == {200}
            after_each_burst.append(len(opened))
    assert after_each_burst[1:] == [after_each_burst[0]] * 4, after_each_burst


def test_the_pool_is_sized_by_the_settings(pg_database):
    app = create_app(pg_database.settings(SATUPINTU_DATABASE_POOL_SIZE="7", SATUPINTU_DATABASE_MAX_OVERFLOW="3"))
    pool = app.state.engine.sync_engine.pool
    assert (pool.size(), pool._max_overflow) == (7, 3)
