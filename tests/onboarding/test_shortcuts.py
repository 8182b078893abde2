"""The wizard's shortcuts, through HTTP: hours the same every weekday, counters copied from a mentor,
a services step with one action and a count, and going live only after a confirmation."""

from __future__ import annotations

from sqlalchemy import select

from satupintu.agencies.models import Location
from tests.conftest import in_tenant, run
from tests.onboarding.test_journey import accept, post, wait_for_import


async def _hours(url: str) -> dict:
    async with in_tenant(url, "situbondo") as session:
        return (await session.scalar(select(Location))).hours


def test_hours_the_same_every_weekday_with_one_day_different(worker_client, people):
    client = worker_client
    accept(client, people)
    page = client.get("/onboarding/situbondo/lokasi").text
    assert 'id="f-hours_weekdays"' in page and "<details" in page and "<details class=\"days\" open" not in page

    bad = post(client, "/onboarding/situbondo/lokasi", name="MPP Situbondo", kind="mpp", hours_weekdays="8-15")
    assert bad.status_code == 422 and 'id="e-hours_weekdays"' in bad.text and 'value="8-15"' in bad.text
    closed = post(client, "/onboarding/situbondo/lokasi", name="MPP Situbondo", kind="mpp", hours_weekdays="",
                  hours_sabtu="tutup")
    assert closed.status_code == 422 and "Isi jam layanan paling sedikit untuk satu hari" in closed.text
    assert client.get("/situbondo/admin/lokasi").text.count("MPP Situbondo") == 0, "a refused form saves nothing"

    saved = post(client, "/onboarding/situbondo/lokasi", name="MPP Situbondo", kind="mpp",
                 hours_weekdays="08:00-15:00", hours_jumat="08:00-11:00, 13:00-15:00", hours_sabtu="08:00-12:00")
    assert saved.status_code == 303
    assert run(_hours(client.database.url)) == {
        "senin": "08:00-15:00", "selasa": "08:00-15:00", "rabu": "08:00-15:00", "kamis": "08:00-15:00",
        "jumat": "08:00-11:00,13:00-15:00", "sabtu": "08:00-12:00", "minggu": "tutup"}

    again = client.get("/onboarding/situbondo/lokasi").text
    assert 'id="f-hours_weekdays" name="hours_weekdays" type="text" value="08:00-15:00"' in again
    assert 'name="hours_jumat" type="text" value="08:00-11:00,13:00-15:00"' in again
    assert 'name="hours_senin" type="text" value=""' in again, "a day like the others keeps no box of its own"
    assert '<details class="days" open' in again, "the day that differs is shown"


def buttons(page: str) -> int:
    """The wizard step's buttons (not the header's)."""
    return page.split('id="wizard"')[1].split("</main>")[0].count('type="submit"')


async def _mentor_and_copy(url: str) -> tuple[dict, dict, dict]:
    """Banyuwangi's counters at its mall, and Situbondo's counters and counter of each offered service."""
    from satupintu.agencies.models import Agency, Counter, LocationKind
    from satupintu.catalogue.models import TenantService

    async def counters(slug: str, mall_only: bool) -> dict:
        async with in_tenant(url, slug) as session:
            rows = (await session.execute(select(Counter.code, Agency.key, Location.code, Location.kind)
                                          .join(Agency, Agency.id == Counter.agency_id)
                                          .join(Location, Location.id == Counter.location_id))).all()
        return {code: (agency, place) for code, agency, place, kind in rows
                if not mall_only or kind == LocationKind.MPP}

    async def served_at(slug: str) -> dict:
        async with in_tenant(url, slug) as session:
            rows = (await session.execute(select(TenantService.code, Counter.code).join(
                Counter, Counter.id == TenantService.counter_id).where(TenantService.enabled.is_(True)))).all()
        return dict(rows)

    async def offered() -> int:
        async with in_tenant(url, "situbondo") as session:
            return len((await session.scalars(select(TenantService.id).where(TenantService.enabled.is_(True)))).all())

    return await counters("banyuwangi", True), await counters("situbondo", False), {
        "banyuwangi": await served_at("banyuwangi"), "situbondo": await served_at("situbondo"),
        "offered": await offered()}


async def _line_agencies(url: str) -> set[str]:
    """The agencies of Situbondo's queue lines (counter groups that have a counter)."""
    from satupintu.agencies.models import Agency
    from satupintu.queue import groups

    async with in_tenant(url, "situbondo") as session:
        ids = [agency_id for _location, agency_id in await groups.lines(session)]
        return set((await session.scalars(select(Agency.key).where(Agency.id.in_(ids)))).all())


def test_copying_a_mentor_brings_its_counters_and_skips_the_counters_step(worker_client, people):
    client = worker_client
    accept(client, people)
    assert post(client, "/onboarding/situbondo/lokasi", name="MPP Situbondo", kind="mpp",
                hours_weekdays="08:00-15:00").headers["location"] == "/onboarding/situbondo/instansi"
    assert post(client, "/onboarding/situbondo/instansi", mentor="banyuwangi").status_code == 303

    step = client.get("/onboarding/situbondo/layanan").text
    assert 'id="p-seperti-mentor" name="preset" value="seperti-mentor" checked' in step
    assert "Kabupaten Banyuwangi" in step and 'id="f-mentor"' not in step, "the mentor is not asked twice"
    assert buttons(step) == 1 and 'value="lanjut"' not in step, "one action before the import"

    refused = post(client, "/onboarding/situbondo/layanan", action="impor", preset="per-kategori")
    assert refused.status_code == 422 and 'id="e-preset"' in refused.text
    assert post(client, "/onboarding/situbondo/layanan", action="lanjut").status_code == 422, "nothing imported yet"
    assert post(client, "/onboarding/situbondo/layanan", action="impor", preset="seperti-mentor").status_code == 303
    wait_for_import(client)

    mentor, copied, served = run(_mentor_and_copy(client.database.url))
    assert copied == {code: (agency, "mpp") for code, (agency, _place) in mentor.items()}, \
        "every counter of the mentor's mall, in this regency's mall, for the same agency"
    assert served["situbondo"] == {code: at for code, at in served["banyuwangi"].items() if at in mentor}
    assert served["situbondo"]["akta-kelahiran"] == "A3", "each service at the counter that serves it there"
    assert run(_line_agencies(client.database.url)) == {agency for agency, _place in copied.values()}, \
        "the copied counters are the queue's lines at once"
    done = client.get("/onboarding/situbondo/layanan").text
    assert f"{served['offered']} layanan, {len(mentor)} loket diimpor." in done and served["offered"] > 150
    assert "3 loket mentor tidak disalin" in done, "the market's counters are named as not copied"
    assert buttons(done) == 2 and "<details" in done, "continue; importing again is folded away"
    assert 'name="assign_' not in done, "every service has the agency that serves it at the mentor"

    moved_on = post(client, "/onboarding/situbondo/layanan", action="lanjut")
    assert moved_on.status_code == 303 and moved_on.headers["location"] == "/onboarding/situbondo/kebijakan"
    assert "(selesai)" in client.get("/onboarding/situbondo/loket").text

    assert post(client, "/onboarding/situbondo/layanan", action="impor", preset="seperti-mentor").status_code == 303
    wait_for_import(client)
    assert run(_mentor_and_copy(client.database.url))[1] == copied, "copying again adds and changes no counter"
