"""An application through HTTP: a citizen applies, staff verify, finish and hand it over, and the
citizen follows each step on the status page, with the due date in working days."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from satupintu.applications.models import Application
from satupintu.audit.models import AuditEntry
from tests.applications.conftest import FEMALE, MALE, prepare_service
from tests.conftest import csrf_of, in_tenant, run, sign_in

NUMBER = re.compile(r"/banyuwangi/lacak/([A-Z0-9]{10})$")


def apply(client, code: str, **fields) -> str:
    token = csrf_of(client)
    data = {"_csrf_token": token, "nik": FEMALE, "name": "Siti Aminah", "phone": "0812 3456 7890",
            "email": "siti@contoh.id", **fields}
    response = client.post(f"/banyuwangi/layanan/{code}/ajukan", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text[-3000:]
    return NUMBER.search(response.headers["location"]).group(1)


def test_apply_verify_done_delivered_with_timeline_and_sla(client, people, clock):
    # Friday 5 March 2027. The mall opens on Saturdays, not on Sundays, and Monday the 8th is a
    # holiday: the 3 working days are Saturday 6, Tuesday 9 and Wednesday 10.
    code = prepare_service(client.database.url, days=3, holiday=date(2027, 3, 8))
    form = client.get(f"/banyuwangi/layanan/{code}/ajukan")
    assert form.status_code == 200 and "10-03-2027" in form.text
    number = apply(client, code)
    page = client.get(f"/banyuwangi/lacak/{number}")
    assert page.status_code == 200
    assert "Diajukan" in page.text and "10-03-2027" in page.text and "3 hari kerja" in page.text
    assert FEMALE not in page.text and "Siti" not in page.text and "0812" not in page.text

    assert sign_in(client, people["operator_a"], "banyuwangi").status_code == 303
    assert 'href="/banyuwangi/permohonan/"' in client.get("/banyuwangi/loket").text  # from the counter console
    listing = client.get("/banyuwangi/permohonan/")
    assert number in listing.text and "3510••••••••••01" in listing.text and "S••• A•••" in listing.text
    assert FEMALE not in listing.text and "Siti Aminah" not in listing.text
    detail = client.get(f"/banyuwangi/permohonan/{number}")
    assert FEMALE in detail.text and "Siti Aminah" in detail.text  # the responsible staff see whom they serve

    token = csrf_of(client)
    refused = client.post(f"/banyuwangi/permohonan/{number}/selesai", data={"_csrf_token": token})
    assert refused.status_code == 422 and "tidak dapat dilakukan" in refused.text  # not before it is verified
    for step in ("verifikasi", "selesai", "serahkan"):
        done = client.post(f"/banyuwangi/permohonan/{number}/{step}", data={"_csrf_token": token},
                           follow_redirects=False)
        assert done.status_code == 303, (step, done.text[-2000:])
    again = client.post(f"/banyuwangi/permohonan/{number}/serahkan", data={"_csrf_token": token})
    assert again.status_code == 422

    page = client.get(f"/banyuwangi/lacak/{number}")
    steps = re.findall(r"<li><strong>([^<]+)</strong>", page.text)
    assert steps == ["Diajukan", "Terverifikasi", "Selesai", "Sudah diserahkan"]
    api = client.get(f"/api/v1/tenants/banyuwangi/applications/{number}").json()
    assert [e["status"] for e in api["timeline"]] == ["submitted", "verified", "done", "delivered"]
    assert api["due_date"] == "2027-03-10" and api["overdue"] is False
    assert {d["status"] for d in api["documents"]} == {"verified"}

    async def audited():
        async with in_tenant(client.database.url, "banyuwangi") as session:
            return (await session.scalars(select(AuditEntry.after).where(
                AuditEntry.entity == "application", AuditEntry.entity_key == number).order_by(AuditEntry.id))).all()

    assert [entry["status"] for entry in run(audited())] == ["verified", "done", "delivered"]


def test_a_rejection_needs_its_reason_and_the_citizen_reads_it(client, people, clock):
    code = prepare_service(client.database.url)
    number = apply(client, code, nik=MALE, name="Budi Santoso", email="", phone="+62 812-3456-7890")
    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    assert 'href="/banyuwangi/permohonan/"' in client.get("/banyuwangi/admin/").text  # from the console's overview
    token = csrf_of(client)
    empty = client.post(f"/banyuwangi/permohonan/{number}/tolak", data={"_csrf_token": token, "reason": " "})
    assert empty.status_code == 422 and "alasan penolakan" in empty.text
    done = client.post(f"/banyuwangi/permohonan/{number}/tolak",
                       data={"_csrf_token": token, "reason": "Fotokopi KK tidak terbaca"}, follow_redirects=False)
    assert done.status_code == 303
    page = client.get(f"/banyuwangi/lacak/{number}")
    assert "Ditolak" in page.text and "Fotokopi KK tidak terbaca" in page.text


def test_the_form_names_each_wrong_field_and_changes_nothing(client, clock):
    code = prepare_service(client.database.url)
    token = csrf_of(client)

    async def count():
        async with in_tenant(client.database.url, "banyuwangi") as session:
            return len((await session.scalars(select(Application.id))).all())

    before = run(count())
    bad = client.post(f"/banyuwangi/layanan/{code}/ajukan", data={
        "_csrf_token": token, "nik": "9910011708850001", "name": "", "phone": "", "email": ""})
    assert bad.status_code == 422
    assert "Empat digit pertama NIK" in bad.text and "Isi nomor ponsel atau alamat e-mail" in bad.text
    assert 'id="e-name"' in bad.text and 'id="e-nik"' in bad.text
    english = client.post(f"/banyuwangi/layanan/{code}/ajukan", data={
        "_csrf_token": token, "nik": "35100117088500", "name": "Budi", "email": "budi@contoh.id"},
        headers={"Accept-Language": "en"})
    assert english.status_code == 422 and "A NIK has 16 digits; this one has 14." in english.text
    assert run(count()) == before
    assert client.get("/banyuwangi/layanan/tidak-ada/ajukan").status_code == 404


def test_tracking_by_number(client, clock):
    code = prepare_service(client.database.url)
    number = apply(client, code)
    found = client.get(f"/banyuwangi/lacak?nomor={number[:5].lower()}-{number[5:].lower()}", follow_redirects=False)
    assert found.status_code == 303 and found.headers["location"] == f"/banyuwangi/lacak/{number}"
    assert client.get("/banyuwangi/lacak?nomor=ABCDEFGHJK").status_code == 404
    assert client.get("/banyuwangi/lacak/ABCDEFGHJK").status_code == 404
    assert client.get(f"/bangkalan/lacak/{number}").status_code == 404  # another regency knows no such number


def test_staff_of_another_agency_do_not_see_the_application(client, people, clock):
    from satupintu.accounts.models import StaffAccount
    from satupintu.agencies.models import Agency

    code = prepare_service(client.database.url)
    number = apply(client, code)

    async def move_operator():
        async with in_tenant(client.database.url, "banyuwangi") as session:
            application = await session.scalar(select(Application).where(Application.tracking_number == number))
            other = await session.scalar(select(Agency.id).where(Agency.id != application.agency_id).limit(1))
            operator = await session.scalar(select(StaffAccount).where(StaffAccount.email == people["operator_a"]))
            operator.agency_id = other

    run(move_operator())
    assert sign_in(client, people["operator_a"], "banyuwangi").status_code == 303
    assert number not in client.get("/banyuwangi/permohonan/").text
    assert client.get(f"/banyuwangi/permohonan/{number}").status_code == 404
    token = csrf_of(client)
    assert client.post(f"/banyuwangi/permohonan/{number}/verifikasi", data={"_csrf_token": token}).status_code == 404
