"""Bad input never gives a 500: a walk over the route table sends hostile shapes to every route.

The walk discovers routes, their path and query parameters from the application, and the names of
form fields from the pages it fetches, so a new route or field is covered without editing this test.
It runs as an anonymous visitor, a regency admin, an officer in the onboarding wizard and a platform
admin, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from litestar.routes import HTTPRoute

from tests.conftest import PASSWORD, csrf_of, sign_in
from tests.onboarding.conftest import invite

PARAM = re.compile(r"\{(\w+):(\w+)\}")
FIELD = re.compile(r'<(?:input|textarea|select)\b[^>]*\bname="([^"]+)"')
NOT_QUERY = {"request", "db_session", "data", "state", "tenant", "scope", "headers", "cookies"}
SKIPPED = ("/static/",)
HUGE = ["99999999999999999999", "-9223372036854775809"]
# One value per hostile shape; each is sent in every form field and every query parameter at once.
SHAPES = {
    "nul and control characters": "ab\x00\x01\x1b[2Jcd",
    "huge number": "99999999999999999999",
    "absurd date": "9999-12-31",
    "long": "x" * 5000,
}


def routes(app) -> list[tuple[str, str, object]]:
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith(SKIPPED):
            continue
        for method, handler in route.route_handler_map.items():
            if method in ("HEAD", "OPTIONS"):
                continue
            found.append((method, route.path, handler[0] if isinstance(handler, tuple) else handler))
    # signing in and out last, so the walk keeps its session as long as possible
    return sorted(found, key=lambda item: (_session_route(item[1]), item[1], item[0]))


def _session_route(template: str) -> bool:
    return "/masuk" in template or "/keluar" in template


def fill(template: str, slug: str, override: dict[str, str] | None = None) -> str:
    override = override or {}

    def one(match: re.Match) -> str:
        name, kind = match.group(1), match.group(2)
        if name in override:
            return override[name]
        if name == "slug":
            return slug
        return "1" if kind == "int" else "x"

    return PARAM.sub(one, template)


def path_variants(template: str, slug: str) -> list[str]:
    variants = []
    for name, kind in PARAM.findall(template):
        values = HUGE if kind == "int" else [quote("x\x00\x01y"), "9" * 300]
        variants += [fill(template, slug, {name: value}) for value in values]
    return variants


def query_names(handler, template: str) -> list[str]:
    in_path = {name for name, _ in PARAM.findall(template)}
    return [name for name in handler.parsed_fn_signature.parameters if name not in NOT_QUERY | in_path]


def _accept_invitation(client, people) -> None:
    """A regency in the wizard (Situbondo), whose officer walks it."""
    assert sign_in(client, people["platform"]).status_code == 303
    link = invite(client, "35.12", "kominfo@situbondokab.go.id")
    client.post("/keluar", data={"_csrf_token": csrf_of(client)})
    client.cookies.clear()
    done = client.post(link, data={"_csrf_token": csrf_of(client), "name": "Rina Kominfo", "password": PASSWORD,
                                   "password_again": PASSWORD}, follow_redirects=False)
    assert done.status_code == 303
    client.post("/situbondo/keluar", data={"_csrf_token": csrf_of(client)})
    client.cookies.clear()


def walk(client, slug: str, sign: tuple[str, str | None] | None, prefixes: tuple[str, ...] = ("/",),
         skip: tuple[str, ...] = ()) -> tuple[list[str], set[str]]:
    def signed_in() -> None:
        client.cookies.clear()
        if sign:
            assert sign_in(client, sign[0], sign[1]).status_code == 303

    failures: list[str] = []
    reached: set[str] = set()
    fields: set[str] = {"email", "password", "name", "next", "code", "key"}

    def send(method: str, url: str, body: dict[str, str] | None = None) -> None:
        response = client.request(method, url, data=body, follow_redirects=False)
        if response.status_code >= 500:
            failures.append(f"{method} {url[:120]!r} {sorted(body or {})[:6]} -> {response.status_code}")
        elif response.status_code not in (401, 403):
            reached.add(url.split("?")[0])
        elif method == "GET" and response.status_code == 200 and "html" in response.headers.get("content-type", ""):
            fields.update(FIELD.findall(response.text))

    table = [r for r in routes(client.litestar_app) if r[1].startswith(prefixes) and not r[1].startswith(skip)]
    signed_in()
    for method, template, _ in table:  # first pass: every GET page, to learn the form fields
        if method == "GET" and not _session_route(template):
            send("GET", fill(template, slug))
    signed_in()
    for method, template, handler in table:
        if _session_route(template):
            signed_in()
        token = csrf_of(client)
        base = fill(template, slug)
        for url in path_variants(template, slug):
            send(method, url, {"_csrf_token": token} if method != "GET" else None)
        names = query_names(handler, template)
        if method == "GET" and not names:
            continue
        for value in SHAPES.values():
            query = "&".join(f"{name}={quote(value)}" for name in names)
            if method == "GET":
                send("GET", f"{base}?{query}")
            else:
                body = {name: value for name in sorted(fields - {"_csrf_token"})}
                send(method, f"{base}?{query}", {"_csrf_token": token, **body})
    return failures, reached


TENANT, WIZARD = "/{slug:str}/", "/onboarding/{slug:str}"


@pytest.mark.parametrize("who", ["anonymous", "admin", "officer", "platform"])
def test_every_route_survives_hostile_input(client, people, who):
    """Anonymous visitors walk every route; each signed-in role walks the routes of its area."""
    if who == "anonymous":
        failures, reached = walk(client, "banyuwangi", None)
    elif who == "admin":
        failures, reached = walk(client, "banyuwangi", (people["admin_a"], "banyuwangi"), (TENANT,))
    elif who == "officer":
        _accept_invitation(client, people)
        failures, reached = walk(client, "situbondo", ("kominfo@situbondokab.go.id", "situbondo"), (WIZARD,))
    else:
        failures, reached = walk(client, "banyuwangi", (people["platform"], None), skip=(TENANT, WIZARD))
    if who == "admin":  # the walk really went through the console, not only its sign-in page
        assert len([url for url in reached if "/admin/" in url]) > 30
    if who == "officer":
        assert len([url for url in reached if url.startswith("/onboarding/situbondo/")]) > 8
    assert not failures, f"{len(failures)} answers of 5xx:\n" + "\n".join(failures)


def test_a_nul_byte_in_a_form_is_named_and_nothing_changes(client, people):
    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    token = csrf_of(client)
    before = client.get("/banyuwangi/admin/instansi").text.count("<tr")
    page = client.post("/banyuwangi/admin/instansi", data={"_csrf_token": token, "key": "dinas-baru",
                                                           "name": "Dinas\x00Baru", "kind": "opd"})
    assert page.status_code == 422
    assert "karakter yang tidak diizinkan" in page.text
    assert client.get("/banyuwangi/admin/instansi").text.count("<tr") == before


def test_an_absurd_date_in_the_audit_filter_is_named(client, people):
    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    page = client.get("/banyuwangi/admin/audit?dari=9999-12-31&sampai=9999-12-31")
    assert page.status_code == 422, page.status_code
    assert "Isi tanggal dari 1900-01-01 sampai 2100-12-31" in page.text


def test_numbers_beyond_any_id_and_control_characters_in_the_address_are_not_found(client, people):
    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    assert client.get("/banyuwangi/admin/staf/99999999999999999999").status_code == 404
    assert client.get("/banyuwangi/layanan/ktp%00el").status_code == 404
    assert client.get("/banyuwangi/layanan?q=ktp%00").status_code == 400


def test_one_upload_cannot_grow_the_audit_log_by_more_than_a_few_kilobytes(client, people):
    """A survey file whose header names 900 long extra columns (450 KB) was audited whole."""
    import asyncio

    from sqlalchemy import text

    from satupintu.audit.service import MAX_ENTRY_BYTES
    from satupintu.db import make_engine

    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    header = ",".join([*(f"kolom{i}-" + "x" * 500 for i in range(900)), *(f"U{i}" for i in range(1, 10))])
    body = header + "\n" + ",".join(["a"] * 900 + ["4"] * 9) + "\n"
    assert len(body) > 450_000
    done = client.post("/banyuwangi/admin/kinerja/survei/jawaban", data={"_csrf_token": csrf_of(client),
                                                                         "period": "2026-S1"},
                       files={"file": ("survei.csv", body.encode(), "text/csv")}, follow_redirects=False)
    assert done.status_code == 303, done.text[-500:]

    async def largest_entry() -> int:
        engine = make_engine(client.database.owner_url)
        async with engine.connect() as connection:
            rows = (await connection.execute(text(
                "SELECT before, after FROM audit_log WHERE entity = 'survey'"))).all()
        await engine.dispose()
        return max(len(str(row.before or "")) + len(str(row.after or "")) for row in rows)

    assert asyncio.run(largest_entry()) <= 2 * MAX_ENTRY_BYTES


def test_a_form_body_larger_than_the_limit_is_refused(client, people):
    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    big = client.post("/banyuwangi/admin/instansi", data={"_csrf_token": csrf_of(client), "name": "x" * 2_000_000,
                                                          "key": "besar", "kind": "opd"})
    assert big.status_code == 413
