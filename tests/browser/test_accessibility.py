"""axe-core on the main pages of every persona: no serious or critical violation.

Citizens are checked on a 360-px phone, staff and the ministry on a laptop; the wizard's steps are
opened as the invited officer of a regency that is still onboarding.
"""

from __future__ import annotations

from datetime import datetime, time

import pytest

from tests.benchmarks.conftest import refresh
from tests.browser.conftest import create_invitation, serious_violations, sign_in
from tests.conftest import PASSWORD, create_account, run
from tests.queue.conftest import in_tenant
from tests.queue.history import WIB, History, first_group

pytestmark = pytest.mark.browser


def _tuesday() -> str:
    """Next week's Tuesday: a working day within the booking horizon, whatever day the suite runs."""
    from datetime import date, timedelta

    today = date.today()
    return (today + timedelta(days=7 + (1 - today.weekday()) % 7)).isoformat()


CITIZEN = ["/", "/banyuwangi/", "/banyuwangi/layanan", "/banyuwangi/layanan/akta-kelahiran",
           "/banyuwangi/layanan?q=ktp+hilang", "/banyuwangi/masuk", "/masuk", "/inovasi", "/replikasi",
           "/onboarding/daftar", "/banyuwangi/sertifikat?kode=0000-0000-0000-0000", "/banyuwangi/antrian",
           "/banyuwangi/antrian/hadir", f"/banyuwangi/antrian/reservasi?layanan=akta-kelahiran&tanggal={_tuesday()}",
           "/banyuwangi/layanan/akta-kelahiran/ajukan", "/banyuwangi/lacak", "/banyuwangi/pengaduan",
           "/banyuwangi/pengaduan/lacak", "/banyuwangi/pengaduan/statistik", "/banyuwangi/survei"]
CONSOLE = ["/banyuwangi/admin/", "/banyuwangi/admin/layanan", "/banyuwangi/admin/layanan/akta-kelahiran",
           "/banyuwangi/admin/antrian", "/banyuwangi/admin/instansi", "/banyuwangi/admin/instansi/dispendukcapil", "/banyuwangi/admin/lokasi",
           "/banyuwangi/admin/lokasi/mpp", "/banyuwangi/admin/loket/D1", "/banyuwangi/admin/kebijakan", "/banyuwangi/admin/staf",
           "/banyuwangi/admin/sso", "/banyuwangi/admin/audit", "/banyuwangi/admin/ruang-kendali", "/banyuwangi/admin/kinerja/",
           "/banyuwangi/admin/kinerja/survei", "/banyuwangi/admin/kinerja/evaluasi",
           "/banyuwangi/admin/kinerja/operasional", "/banyuwangi/admin/pelatihan", "/banyuwangi/admin/inovasi",
           "/banyuwangi/admin/kunjungan", "/banyuwangi/admin/mou", "/banyuwangi/belajar/",
           "/banyuwangi/belajar/akta-4-in-1-bidan", "/banyuwangi/admin/pengaduan", "/banyuwangi/admin/pengaduan/baru",
           "/banyuwangi/admin/kunci-api", "/banyuwangi/admin/izin", "/banyuwangi/admin/antar", "/banyuwangi/admin/desa"]
MINISTRY = ["/kementerian/", "/kementerian/?kolom=semua", "/kementerian/indikator/catalogue_coverage",
            "/kementerian/wilayah/banyuwangi", "/kementerian/bandingkan?w=banyuwangi&w=bangkalan",
            "/kementerian/definisi", "/platform", "/platform/wilayah?cari=kota"]
WIZARD = ["profil", "lokasi", "instansi", "layanan", "loket", "kebijakan", "akses", "siap", "siap/konfirmasi"]


@pytest.fixture
def people(live_database) -> dict[str, str]:
    create_account(live_database, "admin-a11y@banyuwangikab.go.id", "tenant_admin", "banyuwangi")
    create_account(live_database, "platform-a11y@satupintu.test", "platform_admin")
    run(in_tenant(live_database.url, "banyuwangi", _queue_history))
    refresh(live_database)
    return {"admin": "admin-a11y@banyuwangikab.go.id", "platform": "platform-a11y@satupintu.test",
            "invitation": create_invitation(live_database, "35.12", "kominfo@situbondokab.go.id")}


async def _queue_history(session, tenant) -> None:
    """Tickets today in four hours (one to four each), so the control room's heat map shows every shade."""
    from satupintu.queue import service as queue

    line = History(session, await first_group(session))
    today = queue.local_now(tenant).date()
    for hour, count in ((8, 1), (9, 2), (10, 3), (11, 4)):
        for n in range(count):
            line.add(datetime.combine(today, time(hour, n * 5), WIB), wait=2, service=3)


def check(page, base: str, paths: list[str], axe_source: str, found: dict[str, list]) -> None:
    for path in paths:
        response = page.goto(f"{base}{path}")
        assert response.status == 200, f"{path} answered {response.status}"
        violations = serious_violations(page, axe_source)
        if violations:
            found[path] = violations


def test_main_pages_of_every_persona_have_no_serious_accessibility_violation(people, live_server, browser,
                                                                            axe_source):
    found: dict[str, list] = {}
    phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID").new_page()
    check(phone, live_server, CITIZEN, axe_source, found)
    check(phone, live_server, [people["invitation"]], axe_source, found)
    phone.fill("#f-name", "Rina Kominfo")
    phone.fill("#f-password", PASSWORD)
    phone.fill("#f-password_again", PASSWORD)
    with phone.expect_navigation():
        phone.click("main button[type=submit]")
    check(phone, live_server, [f"/onboarding/situbondo/{step}" for step in WIZARD], axe_source, found)

    laptop = browser.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID").new_page()
    sign_in(laptop, live_server, people["admin"], "banyuwangi")
    check(laptop, live_server, CONSOLE, axe_source, found)
    ministry = browser.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID").new_page()
    sign_in(ministry, live_server, people["platform"])
    check(ministry, live_server, MINISTRY, axe_source, found)
    assert not found, "\n".join(f"{path}: {v}" for path, vs in found.items() for v in vs)
