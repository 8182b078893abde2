"""The satisfaction survey through HTTP: a served visit is rated once from its ticket page or the
counter's screen, an unserved or old one is refused, the link is this regency's only; IKM with the
regulation's weights, grades and sample size; the published results show aggregates only; and the
ministry's rollup counts answers in the app instead of an upload for the same months, never both."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from satupintu.benchmarks import formulas, rollups
from satupintu.benchmarks.service import parse_summary
from satupintu.catalogue.models import TenantService
from satupintu.db import make_engine, make_sessionmaker, tenant_session
from satupintu.survey import service as survey
from satupintu.survey.models import SurveyResponse
from satupintu.tenants.models import Tenant
from tests.conftest import csrf_of, run, sign_in
from tests.queue.conftest import MONDAY_10, clock, in_tenant  # noqa: F401 - the queue's clock fixture
from tests.queue.test_console import _line, _step

API = "/api/v1/tenants/banyuwangi/queue"
LINK = re.compile(r"/banyuwangi/survei/nilai/([A-Za-z0-9_=-]+)")
ALL_THREES = {f"u{n}": "3" for n in range(1, 10)}


def _responses(database, slug: str = "banyuwangi") -> list[SurveyResponse]:
    async def work(session, _tenant):
        return list((await session.scalars(select(SurveyResponse).where(SurveyResponse.month != "2020-01"))).all())

    return run(in_tenant(database.url, slug, work))


def _tenant_id(database, slug: str) -> int:
    async def work(_session, tenant):
        return tenant.id

    return run(in_tenant(database.url, slug, work))


def _rate(client, token: str, slug: str = "banyuwangi", **answers: str):
    return client.post(f"/{slug}/survei/nilai/{token}", data={"_csrf_token": csrf_of(client), **answers},
                       follow_redirects=False)


def _open_counter(client, people) -> str:
    code, counters = _line(client.database)
    assert sign_in(client, people["operator_a"], "banyuwangi").status_code == 303
    assert _step(client, "banyuwangi", "buka", counter=counters[0]).status_code == 303
    return code


def _serve(client, clock, code: str, minutes: int = 0) -> dict:  # noqa: F811
    """A ticket taken and served to the end at the operator's counter."""
    clock(MONDAY_10 + timedelta(minutes=minutes))
    ticket = client.post(f"{API}/tickets", json={"service": code}).json()
    for step, later in (("panggil", 1), ("mulai", 2), ("selesai", 8)):
        clock(MONDAY_10 + timedelta(minutes=minutes + later))
        assert _step(client, "banyuwangi", step).status_code == 303
    return ticket


def test_a_served_visit_is_rated_once_and_an_unserved_one_not(client, people, clock):  # noqa: F811
    code = _open_counter(client, people)
    secret = client.litestar_app.state.settings.secret_key
    banyuwangi = SimpleNamespace(id=_tenant_id(client.database, "banyuwangi"))

    # not served yet: no invitation on its page, and a link made for it anyway is refused
    waiting = client.post(f"{API}/tickets", json={"service": code}).json()
    assert not LINK.search(client.get(f"/banyuwangi/antrian/{waiting['id']}").text)
    early = survey.invitation_token(secret, banyuwangi, survey.TICKET, waiting["id"])
    refused = client.get(f"/banyuwangi/survei/nilai/{early}")
    assert refused.status_code == 409 and "setelah Anda dilayani" in refused.text
    assert _rate(client, early, **ALL_THREES).status_code == 409
    assert _responses(client.database) == []

    # served: the console links to the counter's screen, which shows the QR code and the link
    for step, minutes in (("panggil", 1), ("mulai", 2), ("selesai", 8)):
        clock(MONDAY_10 + timedelta(minutes=minutes))
        assert _step(client, "banyuwangi", step).status_code == 303
    assert "/banyuwangi/loket/survei" in client.get("/banyuwangi/loket").text
    screen = client.get("/banyuwangi/loket/survei")
    assert screen.status_code == 200 and "data:image/svg+xml" in screen.text and waiting["number"] in screen.text
    from_screen = LINK.search(screen.text).group(1)
    page = client.get(f"/banyuwangi/antrian/{waiting['id']}")
    token = LINK.search(page.text).group(1)
    assert waiting["id"] not in token and waiting["id"] not in from_screen  # sealed: the link names nothing

    form = client.get(f"/banyuwangi/survei/nilai/{token}")
    assert form.status_code == 200 and form.text.count('type="radio"') == 36
    missing = _rate(client, token, u1="4")
    assert missing.status_code == 422 and "Pilih salah satu dari empat jawaban" in missing.text
    assert _rate(client, token, **{**ALL_THREES, "u4": "5"}).status_code == 422
    assert _responses(client.database) == []

    done = _rate(client, token, **{**ALL_THREES, "u1": "4", "u9": "4"}, comment="Ruang tunggu panas")
    assert done.status_code == 303 and done.headers["location"] == "/banyuwangi/survei/terima-kasih"
    assert client.get(done.headers["location"]).status_code == 200
    [row] = _responses(client.database)
    assert (row.u1, row.u2, row.u9, row.comment, row.month) == (4, 3, 4, "Ruang tunggu panas", "2027-03")
    assert row.service_id is not None and row.agency_id is not None and row.location_id is not None
    assert waiting["id"] not in {str(v) for v in vars(row).values()}  # only a keyed digest of the ticket

    # once per visit, whichever link is used
    again = _rate(client, token, **ALL_THREES)
    assert again.status_code == 409 and "sudah dinilai" in again.text
    assert _rate(client, from_screen, **ALL_THREES).status_code == 409
    assert client.get(f"/banyuwangi/survei/nilai/{from_screen}").status_code == 409
    assert len(_responses(client.database)) == 1
    assert not LINK.search(client.get(f"/banyuwangi/antrian/{waiting['id']}").text)
    assert "telah dinilai" in client.get("/banyuwangi/loket/survei").text

    # another regency, a changed link, a link of another regency's ticket: unknown
    assert client.get(f"/bangkalan/survei/nilai/{token}").status_code == 404
    assert _rate(client, token, slug="bangkalan", **ALL_THREES).status_code == 404
    assert client.get(f"/banyuwangi/survei/nilai/{token[:-3]}xyz").status_code == 404
    foreign = survey.invitation_token(secret, SimpleNamespace(id=_tenant_id(client.database, "bangkalan")),
                                      survey.TICKET, waiting["id"])
    assert client.get(f"/bangkalan/survei/nilai/{foreign}").status_code == 404

    # the published results: aggregates only, never a comment
    results = client.get("/banyuwangi/survei?periode=2027-03")
    assert results.status_code == 200
    assert "Ruang tunggu panas" not in results.text and "80,56" in results.text  # (4 + 7 x 3 + 4) / 9 x 25
    assert "Terlalu sedikit" not in results.text  # one served, one answer: the sample is met
    client.cookies.clear()
    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    admin = client.get("/banyuwangi/admin/kinerja/survei")
    assert admin.status_code == 200 and "Ruang tunggu panas" in admin.text  # the regency's admins read it


def test_an_old_visit_and_a_counter_without_a_recent_visit(client, people, clock):  # noqa: F811
    code = _open_counter(client, people)
    assert "Tidak ada kunjungan" in client.get("/banyuwangi/loket/survei").text
    ticket = _serve(client, clock, code)
    token = LINK.search(client.get(f"/banyuwangi/antrian/{ticket['id']}").text).group(1)
    clock(MONDAY_10 + timedelta(days=survey.RATING_DAYS, minutes=9))
    assert "Tidak ada kunjungan" in client.get("/banyuwangi/loket/survei").text
    late = _rate(client, token, **ALL_THREES)
    assert late.status_code == 409 and "30 hari" in late.text
    assert _responses(client.database) == []


def test_the_results_page_names_too_few_answers_and_bad_periods(client, people, clock):  # noqa: F811
    code = _open_counter(client, people)
    first = _serve(client, clock, code)
    _serve(client, clock, code, minutes=10)
    token = LINK.search(client.get(f"/banyuwangi/antrian/{first['id']}").text).group(1)
    assert _rate(client, token, **ALL_THREES).status_code == 303
    page = client.get("/banyuwangi/survei?periode=2027-Q1")
    assert page.status_code == 200 and "Terlalu sedikit" in page.text  # two served: Krejcie-Morgan asks for 2
    assert "75,00" in page.text and "C (Kurang Baik)" in page.text
    assert client.get("/banyuwangi/survei?periode=2027-S1").status_code == 200
    assert client.get("/banyuwangi/survei").status_code == 200  # the latest semester by default
    bad = client.get("/banyuwangi/survei?periode=kemarin")
    assert bad.status_code == 400 and "2026-S1" in bad.text
    assert "Belum ada jawaban" in client.get("/banyuwangi/survei?periode=2015").text
    assert "Belum ada jawaban" in client.get("/bangkalan/survei?periode=2027").text


def _scores(count: int) -> list[dict[str, int]]:
    """``count`` respondents' answers, varied so that no element average is a round number."""
    return [{f"u{n}": 1 + (i * n + n // 2) % 4 for n in range(1, 10)} for i in range(count)]


async def _answer(url: str, slug: str, answers: list[dict[str, int]], month: str) -> None:
    engine = make_engine(url)
    maker = make_sessionmaker(engine)
    try:
        async with tenant_session(maker, None) as session:
            tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
        async with tenant_session(maker, tenant.id) as session:
            service = await session.scalar(select(TenantService).limit(1))
            for number, scores in enumerate(answers):
                served = survey.Served(survey.TICKET, f"uji-{month}-{number}", service.id, service.agency_id, None,
                                       month, MONDAY_10)
                await survey.respond(session, "kunci-uji", tenant, served, scores, None, "id")
    finally:
        await engine.dispose()


def _refresh(database) -> dict[str, rollups.BenchmarkRollup]:
    async def work():
        engine = make_engine(database.url)
        maker = make_sessionmaker(engine)
        try:
            await rollups.refresh_all(maker)
            async with tenant_session(maker, None) as session:
                return {r.tenant_slug: r for r in await rollups.all_rollups(session)}
        finally:
            await engine.dispose()

    return run(work())


def _series(database, code: str) -> list:
    async def work():
        engine = make_engine(database.url)
        try:
            async with tenant_session(make_sessionmaker(engine), None) as session:
                return (await rollups.series(session, [code]))[code]["survey"]
        finally:
            await engine.dispose()

    return run(work())


def _upload_summary(client, people, slug: str, admin: str, period: str, respondents: int,
                    averages: list[Fraction]) -> None:
    assert sign_in(client, people[admin], slug).status_code == 303
    fields = {f"u{n}": str(Decimal(a.numerator) / Decimal(a.denominator)).replace(".", ",")
              for n, a in enumerate(averages, start=1)}
    saved = client.post(f"/{slug}/admin/kinerja/survei/ringkasan", data={
        "_csrf_token": csrf_of(client), "s_period": period, "respondents": str(respondents), **fields},
        follow_redirects=False)
    assert saved.status_code == 303, saved.text
    client.cookies.clear()


def test_ikm_from_answers_equals_ikm_from_the_equivalent_summary(client, people):
    answers = _scores(20)
    run(_answer(client.database.url, "banyuwangi", answers, "2026-09"))

    async def overall(session, tenant):
        return await survey.overall(session, tenant, "2026-S2")

    live = run(in_tenant(client.database.url, "banyuwangi", overall))
    totals = [sum(a[f"u{n}"] for a in answers) for n in range(1, 10)]
    assert live.respondents == 20 and list(live.totals) == totals
    assert live.averages == [Fraction(t, 20) for t in totals]
    assert live.weighted == [Fraction(t, 20) / 9 for t in totals]
    assert live.ikm == sum(Fraction(t, 20) for t in totals) / 9 * 25

    # the same survey as the published summary Bangkalan would upload: the same index, exactly
    summary, errors = parse_summary(20, {f"u{n}": str(Decimal(t) / 20) for n, t in enumerate(totals, start=1)})
    assert errors == {} and summary.ikm == live.ikm
    _upload_summary(client, people, "bangkalan", "admin_b", "2026-S2", 20, live.averages)

    rows = _refresh(client.database)
    mine, theirs = rows["banyuwangi"], rows["bangkalan"]
    assert mine.figures["ikm"] == theirs.figures["ikm"] == float(formulas.round2(live.ikm))
    for n in range(1, 10):
        assert mine.figures[f"ikm_u{n}"] == theirs.figures[f"ikm_u{n}"] == float(formulas.round2(live.averages[n - 1]))
    assert (mine.details["ikm_source"], theirs.details["ikm_source"]) == ("live", "summary")
    assert mine.details["ikm_period"] == theirs.details["ikm_period"] == "2026-S2"


def test_an_upload_for_months_answered_in_the_app_is_set_aside(client, people):
    answers = _scores(12)
    run(_answer(client.database.url, "banyuwangi", answers, "2026-08"))
    averages = [Fraction(3)] * 9
    _upload_summary(client, people, "banyuwangi", "admin_a", "2026-Q3", 400, averages)  # overlaps August
    _upload_summary(client, people, "banyuwangi", "admin_a", "2025", 300, averages)  # surveyed on paper

    rows = _refresh(client.database)
    details = rows["banyuwangi"].details
    assert details["ikm_set_aside"] == ["2026-Q3"]
    assert (details["ikm_period"], details["ikm_source"], details["ikm_respondents"]) == ("2026-S2", "live", 12)
    points = {p.period: p.figures for p in _series(client.database, rows["banyuwangi"].region_code)}
    assert set(points) == {"2020-S1", "2025", "2026-S1", "2026-S2"}
    assert points["2026-S2"]["respondents"] == 12 and points["2026-S2"]["source"] == "live"
    assert points["2025"]["respondents"] == 300 and points["2025"]["source"] == "summary"
    assert sum(p["respondents"] for p in points.values()) == 1 + 300 + 100 + 12  # no answer counted twice

    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    page = client.get("/banyuwangi/admin/kinerja/survei")
    assert page.status_code == 200 and "Disisihkan" in page.text and "Semester 2 2026" in page.text
    client.cookies.clear()
    assert sign_in(client, people["ministry"]).status_code == 303
    region = client.get("/kementerian/wilayah/banyuwangi")
    assert region.status_code == 200 and "jawaban di aplikasi" in region.text and "diunggah" in region.text
    assert "IKM U9: sarana dan prasarana" in client.get("/kementerian/definisi").text


def test_one_response_per_transaction_in_the_database(database):
    """A second answer for one transaction is refused by the digest's unique constraint (the insert
    ignores the conflict, so two answers sent at once keep one as well); another regency's is its own."""
    answers = _scores(1)
    run(_answer(database.url, "banyuwangi", answers, "2026-10"))
    with pytest.raises(survey.SurveyRefused):
        run(_answer(database.url, "banyuwangi", answers, "2026-10"))

    async def count(session, _tenant):
        return await session.scalar(select(func.count()).select_from(SurveyResponse)
                                    .where(SurveyResponse.month == "2026-10"))

    assert run(in_tenant(database.url, "banyuwangi", count)) == 1
    run(_answer(database.url, "bangkalan", answers, "2026-10"))  # the same reference in another regency
    assert run(in_tenant(database.url, "bangkalan", count)) == 1


@pytest.mark.parametrize("population, sample", [(10, 10), (15, 14), (20, 19), (50, 44), (100, 80), (200, 132),
                                                (500, 217), (1000, 278), (5000, 357), (10000, 370), (0, 0)])
def test_krejcie_morgan_gives_their_table(population, sample):
    assert formulas.krejcie_morgan(population) == sample


def test_the_two_columns_of_the_grade_table_agree():
    assert [row.ikm_low for row in formulas.GRADE_TABLE] == [grade.lower for grade in formulas.IKM_GRADES]
    assert [row.letter for row in formulas.GRADE_TABLE] == [grade.letter for grade in formulas.IKM_GRADES]
    for step in range(10000, 40001):  # every value of the 1..4 scale to four decimals
        interval = Fraction(step, 10000)
        letter = formulas.interval_grade(interval)
        if letter is not None:
            assert formulas.ikm_grade(interval * 25).letter == letter, interval
    assert formulas.interval_grade(Fraction("3.0642")) is None  # a gap of the printed table
    assert formulas.ikm_grade(Fraction("3.0642") * 25).letter == "B"  # 76.605 -> 76.61
    assert [formulas.ikm_grade(v).label for v in (Fraction("88.31"), Fraction("88.30"), Fraction(65), Fraction("64.99"))] \
        == ["Very good", "Good", "Poor", "Bad"]


def test_a_done_application_is_rated_once_through_its_link(client, clock):  # noqa: F811
    """Applications are the second kind of transaction: rated once their result is done, counted in
    their regency's local month, and among the period's transactions for the sample size."""
    from satupintu.accounts.models import StaffAccount
    from satupintu.applications import service as applications
    from satupintu.applications.models import ApplicationStatus
    from satupintu.security import Principal

    secret = client.litestar_app.state.settings.secret_key
    done_at = MONDAY_10 + timedelta(days=40)  # 2027-04-10

    async def submit(session, tenant):
        code = (await session.scalar(select(TenantService).where(TenantService.enabled.is_(True)).limit(1))).code
        application = await applications.submit(session, tenant, code, "3510011708850001", "Warga Uji",
                                                 email="warga@contoh.test", secret_key=secret, now=MONDAY_10)
        return application.tracking_number

    async def finish(session, tenant):
        staff = await session.scalar(select(StaffAccount).limit(1))
        me = Principal("staff", staff.id, staff.email, staff.name, "tenant_admin", tenant.id, tenant.slug)
        application = await applications.by_tracking_number(session, number)
        for step in (ApplicationStatus.VERIFIED, ApplicationStatus.DONE):
            await applications.advance(session, application, step, me, now=done_at)

    number = run(in_tenant(client.database.url, "banyuwangi", submit))
    banyuwangi = SimpleNamespace(id=_tenant_id(client.database, "banyuwangi"))
    token = survey.invitation_token(secret, banyuwangi, survey.APPLICATION, number)
    early = client.get(f"/banyuwangi/survei/nilai/{token}")
    assert early.status_code == 409 and "setelah hasilnya selesai" in early.text
    run(in_tenant(client.database.url, "banyuwangi", finish))

    clock(done_at + timedelta(hours=1))
    assert client.get(f"/banyuwangi/survei/nilai/{token}").status_code == 200
    assert _rate(client, token, **ALL_THREES).status_code == 303
    assert _rate(client, token, **ALL_THREES).status_code == 409
    [row] = _responses(client.database)
    assert (row.transaction_kind, row.month, row.location_id) == ("application", "2027-04", None)
    assert number not in {str(v) for v in vars(row).values()}
    page = client.get("/banyuwangi/survei?periode=2027-04")
    assert page.status_code == 200 and "75,00" in page.text and "Terlalu sedikit" not in page.text  # 1 of 1


def test_two_answers_sent_at_once_keep_one(database):
    """Both requests passed the "not rated yet" check; the insert that ignores a conflict on the
    digest lets one of them in and refuses the other as already rated."""
    import asyncio

    async def race() -> list[object]:
        engine = make_engine(database.url)
        maker = make_sessionmaker(engine)
        try:
            async with tenant_session(maker, None) as session:
                tenant = await session.scalar(select(Tenant).where(Tenant.slug == "banyuwangi"))
            served = survey.Served(survey.TICKET, "serentak", None, None, None, "2026-11", MONDAY_10)

            async def answer() -> None:
                async with tenant_session(maker, tenant.id) as session:
                    await survey.respond(session, "kunci-uji", tenant, served, {f"u{n}": 4 for n in range(1, 10)},
                                         None, "id")

            return await asyncio.gather(answer(), answer(), return_exceptions=True)
        finally:
            await engine.dispose()

    outcomes = run(race())
    assert sorted(type(o).__name__ for o in outcomes) == ["NoneType", "SurveyRefused"]

    async def count(session, _tenant):
        return await session.scalar(select(func.count()).select_from(SurveyResponse)
                                    .where(SurveyResponse.month == "2026-11"))

    assert run(in_tenant(database.url, "banyuwangi", count)) == 1
