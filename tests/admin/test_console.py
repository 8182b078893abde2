"""The tenant admin console: every change validated, applied through the domain services, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from satupintu.audit.models import AuditEntry
from satupintu.db import make_engine, make_sessionmaker, tenant_session
from satupintu.tenants import service as tenants_service
from tests.conftest import csrf_of, run, sign_in


async def _audit(url: str, slug: str) -> list[AuditEntry]:
    engine = make_engine(url)
    maker = make_sessionmaker(engine)
    async with tenant_session(maker, None) as session:
        tenant = await tenants_service.get_by_slug(session, slug)
    async with tenant_session(maker, tenant.id) as session:
        rows = list((await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all())
    await engine.dispose()
    return rows


@pytest.fixture
def admin(client, people):
    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    client.token = csrf_of(client)
    return client


def post(client, path, **data):
    return client.post(path, data={"_csrf_token": client.token, **data}, follow_redirects=False)


def test_every_console_page_opens_for_the_tenant_admin(admin):
    for path in ("", "layanan", "layanan/skck-baru", "instansi", "instansi/dispendukcapil", "lokasi", "lokasi/mpp",
                 "kebijakan", "staf", "sso", "kunci-api", "audit", "layanan?status=nonaktif&q=paspor"):
        response = admin.get(f"/banyuwangi/admin/{path}")
        assert response.status_code == 200, path
        assert "<main" in response.text and 'lang="id"' in response.text


def test_overriding_a_service_keeps_the_shared_base_and_is_audited(admin, people, capsys):
    page = admin.get("/api/v1/tenants/banyuwangi/services/skck-baru").json()
    response = post(admin, "/banyuwangi/admin/layanan/skck-baru", enabled="on", cost="0", cost_note="Digratiskan Pemkab",
                    completion_value="30", completion_unit="menit", extra_requirements="Surat pengantar RT/RW",
                    agency_id=_agency_value(admin, "skck-baru"))
    assert response.status_code == 303, capsys.readouterr().err[-3000:]
    after = admin.get("/api/v1/tenants/banyuwangi/services/skck-baru").json()
    assert (after["cost"], after["completion_value"], after["completion_unit"]) == (0, 30, "menit")
    assert after["requirements"][-1] == "Surat pengantar RT/RW"
    assert page["cost"] == 30000
    entry = run(_audit(admin.database.url, "banyuwangi"))[-1]
    assert (entry.actor, entry.action, entry.entity, entry.entity_key) == (people["admin_a"], "update", "service", "skck-baru")
    assert entry.before["cost"] == 30000 and entry.after["cost"] == 0


def _agency_value(client, code: str) -> str:
    import re

    form = client.get(f"/banyuwangi/admin/layanan/{code}").text
    select = form.split('name="agency_id"', 1)[1].split("</select>", 1)[0]
    return re.search(r'<option value="(\d+)" selected', select).group(1)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("cost", "-5", "Isi dengan angka dari 0"),
    ("cost", "gratis", "Isi dengan bilangan bulat."),
    ("completion_value", "0", "Isi dengan angka dari 1"),
    ("completion_unit", "minggu", "Pilih salah satu pilihan."),
    ("agency_id", "", "Layanan yang dibuka harus memiliki instansi"),
])
def test_bad_service_input_is_explained_and_changes_nothing(admin, field, value, message):
    before = admin.get("/api/v1/tenants/banyuwangi/services/skck-baru").json()
    audit_before = len(run(_audit(admin.database.url, "banyuwangi")))
    data = {"enabled": "on", "cost": "30000", "cost_note": "", "completion_value": "1", "completion_unit": "hari",
            "extra_requirements": "", "agency_id": _agency_value(admin, "skck-baru"), field: value}
    response = post(admin, "/banyuwangi/admin/layanan/skck-baru", **data)
    assert response.status_code == 422
    assert message in response.text and 'role="alert"' in response.text and 'aria-invalid="true"' in response.text
    assert admin.get("/api/v1/tenants/banyuwangi/services/skck-baru").json() == before
    assert len(run(_audit(admin.database.url, "banyuwangi"))) == audit_before


def test_agencies_locations_counters_holidays_policies_and_staff(admin):
    assert post(admin, "/banyuwangi/admin/instansi", key="dinas-arsip", name="Dinas Perpustakaan dan Kearsipan",
                short="Dispusip", kind="opd").status_code == 303
    duplicate = post(admin, "/banyuwangi/admin/instansi", key="dinas-arsip", name="Lagi", kind="opd")
    assert duplicate.status_code == 422 and "sudah ada" in duplicate.text
    bad_key = post(admin, "/banyuwangi/admin/instansi", key="Dinas Arsip!", name="X", kind="opd")
    assert bad_key.status_code == 422 and "huruf kecil" in bad_key.text
    in_use = post(admin, "/banyuwangi/admin/instansi/dispendukcapil/hapus")
    assert in_use.status_code == 422 and "pindahkan dulu" in in_use.text
    assert post(admin, "/banyuwangi/admin/instansi/dinas-arsip/hapus").status_code == 303

    hours = {f"hours_{d}": "08:00-14:00" for d in ("senin", "selasa", "rabu", "kamis", "jumat")}
    assert post(admin, "/banyuwangi/admin/lokasi", code="mpp-genteng", name="Anjungan MPP Genteng", kind="kantor",
                hours_sabtu="tutup", hours_minggu="tutup", **hours).status_code == 303
    bad_hours = post(admin, "/banyuwangi/admin/lokasi/mpp-genteng", name="Anjungan", kind="kantor",
                     hours_senin="pagi sampai sore")
    assert bad_hours.status_code == 422 and "08:00-15:00" in bad_hours.text
    assert post(admin, "/banyuwangi/admin/loket", counter_code="G1", counter_name="Loket Genteng",
                counter_location="mpp-genteng", counter_agency="dispendukcapil").status_code == 303
    assert post(admin, "/banyuwangi/admin/libur", holiday_day="2026-12-25", holiday_name="Hari Natal").status_code == 303
    again = post(admin, "/banyuwangi/admin/libur", holiday_day="2026-12-25", holiday_name="Natal")
    assert again.status_code == 422
    assert post(admin, "/banyuwangi/admin/libur", holiday_day="25/12/2026", holiday_name="X").status_code == 422
    assert "Anjungan MPP Genteng" in admin.get("/banyuwangi/").text

    assert post(admin, "/banyuwangi/admin/kebijakan", permit_first="on", document_deadline_days="30",
                courier_delivery="on", complaint_response_hours="3").status_code == 303
    assert "3 jam" in admin.get("/banyuwangi/").text
    assert post(admin, "/banyuwangi/admin/kebijakan", complaint_response_hours="0").status_code == 422

    assert post(admin, "/banyuwangi/admin/staf", name="Siti Aminah", email="siti@banyuwangi.test", role="operator",
                password="pelayanan-prima-2026").status_code == 303
    weak = post(admin, "/banyuwangi/admin/staf", name="Lemah", email="lemah@banyuwangi.test", role="operator",
                password="123")
    assert weak.status_code == 422 and "paling sedikit 10" in weak.text

    entries = run(_audit(admin.database.url, "banyuwangi"))
    kinds = [(e.action, e.entity) for e in entries]
    for expected in [("create", "agency"), ("delete", "agency"), ("create", "location"), ("create", "counter"),
                     ("create", "holiday"), ("update", "policy"), ("create", "staff")]:
        assert expected in kinds, expected
    log = admin.get("/banyuwangi/admin/audit", params={"objek": "agency"}).text
    assert "dinas-arsip" in log and "mpp-genteng" not in log
    assert admin.get("/banyuwangi/admin/audit", params={"dari": "kemarin"}).status_code == 422


def test_admin_cannot_lock_themselves_out(admin, people):
    import re

    staff_page = admin.get("/banyuwangi/admin/staf").text
    own_id = re.search(r'/banyuwangi/admin/staf/(\d+)">Admin', staff_page).group(1)
    response = post(admin, f"/banyuwangi/admin/staf/{own_id}", name="Admin", role="operator", active="on")
    assert response.status_code == 422


def test_identity_provider_secret_is_stored_encrypted(admin):
    response = post(admin, "/banyuwangi/admin/sso", issuer="https://sso.banyuwangikab.go.id/realms/pemkab",
                    client_id="satupintu", client_secret="rahasia-klien-sso", role_claim="groups",
                    admin_values="satupintu-admin", operator_values="loket", enabled="on")
    assert response.status_code == 303

    async def stored(url):
        engine = make_engine(url)
        async with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                pass
            value = (await connection.execute(text("SELECT client_secret FROM identity_providers"))).scalars().all()
        await engine.dispose()
        return value

    secrets = run(stored(admin.database.owner_url))
    assert secrets and all("rahasia-klien-sso" not in s for s in secrets)
    insecure = post(admin, "/banyuwangi/admin/sso", issuer="http://sso.example.go.id", client_id="x",
                    role_claim="groups", admin_values="a")
    assert insecure.status_code == 422 and "https://" in insecure.text
