"""Life-event bundles through HTTP: the 4-in-1 birth submitted once by a staff member on the family's
behalf (consent recorded) fans out into one application per service the regency offers, each with its
own answers, tracked together under one number, and done when all are done; a citizen submits their
own without credentials; another regency does not know the number."""

from __future__ import annotations

from sqlalchemy import select

from satupintu.accounts.models import StaffAccount
from satupintu.applications import service as applications
from satupintu.applications.bundles import Bundle
from satupintu.applications.models import Application, ApplicationStatus, Submitter
from satupintu.security import Principal
from tests.conftest import in_tenant, run, sign_in

SECRET = "test-secret-key-that-is-long-enough-0123456789"
API = "/api/v1/tenants/banyuwangi/bundles"
MOTHER = "3510015708850001"
BIRTH = {"life_event": "kelahiran", "applicant": {"nik": MOTHER, "name": "Siti Aminah", "phone": "081234567890"},
         "answers": {"nama_bayi": "Ayu Lestari", "tanggal_lahir": "2027-02-27", "akta-kelahiran.saksi_1": "Rahmat"}}


def _stored(database, number: str):
    async def work():
        async with in_tenant(database.url, "banyuwangi") as session:
            bundle = await session.scalar(select(Bundle).where(Bundle.number == number))
            made = list((await session.scalars(select(Application).where(
                Application.bundle_key == number).order_by(Application.id))).all())
            return bundle, made, [applications.unseal(a, SECRET).answers for a in made]
    return run(work())


def _finish(database, numbers: list[str]) -> None:
    async def work():
        async with in_tenant(database.url, "banyuwangi") as session:
            kepala = await session.scalar(select(StaffAccount).where(StaffAccount.email == "kepala@banyuwangi.test"))
            staff = Principal("staff", kepala.id, kepala.email, kepala.name, "tenant_admin")
            for number in numbers:
                found = await applications.by_tracking_number(session, number)
                for step in (ApplicationStatus.VERIFIED, ApplicationStatus.DONE):
                    await applications.advance(session, found, step, staff)
    run(work())


def test_a_birth_bundle_fans_out_and_closes_when_all_are_done(client, people):
    assert sign_in(client, people["operator_a"], "banyuwangi").status_code == 303
    refused = client.post(API, json=BIRTH)  # staff, on the family's behalf, without its consent
    assert refused.status_code == 422 and "consent" in refused.json()["errors"]
    made = client.post(API, json={**BIRTH, "consent": True})
    assert made.status_code == 201, made.text
    body = made.json()
    parts = body["applications"]
    assert [p["service"] for p in parts][:3] == ["akta-kelahiran", "kk-perubahan", "kia-baru"]
    assert {p["status"] for p in parts} == {"submitted"} and body["done"] is False
    assert MOTHER not in made.text and "Siti" not in made.text and "Ayu" not in made.text

    bundle, stored, answers = _stored(client.database, body["number"])
    assert bundle.submitted_by == Submitter.STAFF and bundle.consent_at is not None and bundle.staff_id
    assert [a.tracking_number for a in stored] == [p["tracking_number"] for p in parts]
    assert all(a.submitted_by == Submitter.STAFF for a in stored)
    assert answers[0] == {"nama_bayi": "Ayu Lestari", "tanggal_lahir": "2027-02-27", "saksi_1": "Rahmat"}
    assert answers[1] == {"nama_bayi": "Ayu Lestari", "tanggal_lahir": "2027-02-27"}  # only its own and shared

    _finish(client.database, [p["tracking_number"] for p in parts[:-1]])
    halfway = client.get(f"{API}/{body['number']}").json()
    assert halfway["done"] is False and halfway["applications"][0]["status"] == "done"
    _finish(client.database, [parts[-1]["tracking_number"]])
    assert client.get(f"{API}/{body['number'].lower()}").json()["done"] is True
    assert client.get(f"/api/v1/tenants/bangkalan/bundles/{body['number']}").status_code == 404


def test_a_citizen_submits_their_own_and_bad_input_changes_nothing(client):
    made = client.post(API, json=BIRTH)
    assert made.status_code == 201
    bundle, stored, _answers = _stored(client.database, made.json()["number"])
    assert bundle.submitted_by == Submitter.CITIZEN and bundle.consent_at is None and len(stored) >= 3
    bad = client.post(API, json={**BIRTH, "applicant": {**BIRTH["applicant"], "nik": "3510013208850001"}})
    assert bad.status_code == 422 and "applicant.nik" in bad.json()["errors"]
    unknown = client.post(API, json={**BIRTH, "life_event": "tidak-ada"})
    assert unknown.status_code == 422 and "life_event" in unknown.json()["errors"]

    async def count():
        async with in_tenant(client.database.url, "banyuwangi") as session:
            return len((await session.scalars(select(Bundle))).all())
    assert run(count()) == 2  # the seeded one and the citizen's
    assert client.get(f"{API}/ZZZZZZZZZZ").status_code == 404
