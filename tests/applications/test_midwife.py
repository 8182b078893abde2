"""A midwife (bidan) through HTTP: an admin gives an account the role on the staff page and ties it to
a village; she submits a 4-in-1 birth and a single application on a family's behalf through the API,
only with the family's consent (recorded, with her and her village), and lists what she submitted; the
counter console, the admin console and other applications stay closed to her."""

from __future__ import annotations

from sqlalchemy import select

from satupintu.accounts.models import Role, StaffAccount
from satupintu.applications.bundles import Bundle
from satupintu.applications.models import Application, Submitter
from satupintu.applications.villages import Village
from tests.conftest import PASSWORD, SEEDED_NIK, csrf_of, in_tenant, run, sign_in

API = "/api/v1/tenants/banyuwangi"
MOTHER = "3510015708850001"
FAMILY = {"nik": MOTHER, "name": "Siti Aminah", "phone": "081234567890"}
MIDWIFE = "bidan@banyuwangi.test"


def _rows(database, model, *where):
    async def work():
        async with in_tenant(database.url, "banyuwangi") as session:
            return list((await session.scalars(select(model).where(*where).order_by(model.id))).all())
    return run(work())


def test_a_midwife_submits_for_families_with_consent_and_nothing_else(client, people):
    (seeded,) = _rows(client.database, Application)
    (village,) = _rows(client.database, Village)
    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    token = csrf_of(client)
    made = client.post("/banyuwangi/admin/staf", data={"_csrf_token": token, "name": "Bidan Ratna", "email": MIDWIFE,
                                                       "role": "midwife", "password": PASSWORD}, follow_redirects=False)
    assert made.status_code == 303, made.text
    (midwife,) = _rows(client.database, StaffAccount, StaffAccount.email == MIDWIFE)
    assert midwife.role == Role.MIDWIFE
    assert "Bidan Ratna" in client.get("/banyuwangi/admin/staf", headers={"Accept-Language": "id"}).text
    assigned = client.post("/banyuwangi/admin/desa/operator", data={
        "_csrf_token": token, "staff_id": str(midwife.id), "village_id": str(village.id)}, follow_redirects=False)
    assert assigned.status_code == 303

    client.cookies.clear()
    signed_in = sign_in(client, MIDWIFE, "banyuwangi")
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/banyuwangi/"
    for closed in ("/banyuwangi/loket", "/banyuwangi/admin/", "/banyuwangi/admin/staf", "/banyuwangi/permohonan/",
                   f"/banyuwangi/permohonan/{seeded.tracking_number}",
                   f"/banyuwangi/permohonan/{seeded.tracking_number}/dokumen"):
        assert client.get(closed, follow_redirects=False).status_code == 403, closed

    refused = client.post(f"{API}/bundles", json={"life_event": "kelahiran", "applicant": FAMILY},
                          headers={"Accept-Language": "id"})
    assert refused.status_code == 422 and "consent" in refused.json()["errors"]
    bundle = client.post(f"{API}/bundles", json={"life_event": "kelahiran", "applicant": FAMILY, "consent": True})
    assert bundle.status_code == 201, bundle.text
    numbers = [part["tracking_number"] for part in bundle.json()["applications"]]
    (stored_bundle,) = _rows(client.database, Bundle, Bundle.number == bundle.json()["number"])
    assert (stored_bundle.submitted_by, stored_bundle.staff_id) == (Submitter.MIDWIFE, midwife.id)
    assert stored_bundle.consent_at is not None

    service = bundle.json()["applications"][0]["service"]
    refused = client.post(f"{API}/applications", json={"service": service, "applicant": FAMILY})
    assert refused.status_code == 422 and "consent" in refused.json()["errors"]
    single = client.post(f"{API}/applications", json={"service": service, "applicant": FAMILY, "consent": True})
    assert single.status_code == 201, single.text
    numbers.append(single.json()["tracking_number"])
    stored = _rows(client.database, Application, Application.tracking_number.in_(numbers))
    assert len(stored) == len(numbers) == len(_rows(client.database, Application)) - 1  # the refusals kept nothing
    assert {(a.submitted_by, a.submitted_by_staff_id, a.village_code) for a in stored} == {
        (Submitter.MIDWIFE, midwife.id, village.code)}
    assert all(a.consent_at is not None for a in stored)

    form = client.get(f"/banyuwangi/layanan/{service}/ajukan")
    assert 'name="consent"' in form.text  # the web form asks her for the consent too
    refused = client.post(f"/banyuwangi/layanan/{service}/ajukan", data={"_csrf_token": csrf_of(client), **FAMILY},
                          headers={"Accept-Language": "id"})
    assert refused.status_code == 422 and "Catat bahwa pemohon setuju" in refused.text

    mine = client.get(f"{API}/applications")
    assert mine.status_code == 200
    assert sorted(row["tracking_number"] for row in mine.json()) == sorted(numbers)  # hers only
    assert seeded.tracking_number not in mine.text
    assert all(secret not in mine.text for secret in (MOTHER, SEEDED_NIK, "Siti", "081234567890"))
    assert {row["applicant"] for row in mine.json()} == {"S••• A•••"}

    client.cookies.clear()
    assert client.get(f"{API}/applications").status_code == 401
    citizen = client.post(f"{API}/applications", json={"service": service, "applicant": FAMILY})
    assert citizen.status_code == 201  # a citizen's own application needs no consent
    (own,) = _rows(client.database, Application, Application.tracking_number == citizen.json()["tracking_number"])
    assert (own.submitted_by, own.consent_at) == (Submitter.CITIZEN, None)
