"""The wizard's shortcuts, through HTTP: hours the same every weekday, counters copied from a mentor,
a services step with one action and a count, and going live only after a confirmation."""

from __future__ import annotations

from sqlalchemy import select

from satupintu.agencies.models import Location
from tests.conftest import in_tenant, run
from tests.onboarding.test_journey import accept, post


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
