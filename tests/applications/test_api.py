"""The JSON API for kiosks, counter PCs and apps: 201 with the contract's fields, 422 naming the
field, 404 for an unknown number, never personal data in an answer; staff apply on someone's behalf."""

from __future__ import annotations

from sqlalchemy import select

from satupintu.applications.models import Application, Channel, Submitter
from tests.applications.conftest import FEMALE, MALE, prepare_service
from tests.conftest import in_tenant, run, sign_in

API = "/api/v1/tenants/banyuwangi/applications"


def _stored(url: str, number: str) -> Application:
    async def work():
        async with in_tenant(url, "banyuwangi") as session:
            return await session.scalar(select(Application).where(Application.tracking_number == number))

    return run(work())


def test_apply_and_follow_through_the_api(client, clock):
    code = prepare_service(client.database.url, days=3)
    made = client.post(API, json={"service": code, "applicant": {"nik": MALE, "name": "Budi Santoso",
                                                                 "phone": "081234567890"},
                                  "answers": {"alamat": "Jl. Mawar 1"}})
    assert made.status_code == 201, made.text
    body = made.json()
    assert set(body) == {"tracking_number", "status", "due_date", "status_url"}
    number = body["tracking_number"]
    assert len(number) == 10 and body["status"] == "submitted" and body["due_date"] == "2027-03-09"
    assert body["status_url"] == f"http://testserver.local/banyuwangi/lacak/{number}"
    assert MALE[:6] not in number
    shown = client.get(f"{API}/{number.lower()}")
    assert shown.status_code == 200
    assert shown.json()["tracking_number"] == number and shown.json()["timeline"][0]["status"] == "submitted"
    text = shown.text
    for secret in (MALE, "Budi", "0812", "81234567890", "Mawar"):
        assert secret not in text
    stored = _stored(client.database.url, number)
    assert (stored.channel, stored.submitted_by) == (Channel.API, Submitter.CITIZEN)
    assert MALE not in (stored.nik or "") and "Budi" not in (stored.name or "") and "Mawar" not in (stored.answers or "")


def test_what_is_wrong_is_named_as_a_field(client, clock):
    code = prepare_service(client.database.url)
    bad_nik = client.post(API, json={"service": code, "applicant": {"nik": "3510013208850001", "name": "Budi",
                                                                    "email": "budi@contoh.id"}})
    assert bad_nik.status_code == 422
    assert set(bad_nik.json()["errors"]) == {"applicant.nik"}
    assert "tanggal lahir" in bad_nik.json()["errors"]["applicant.nik"]
    english = client.post(API, json={"service": "tidak-ada", "applicant": {"nik": "123", "name": "Budi"}},
                          headers={"Accept-Language": "en"})
    assert english.status_code == 422
    assert set(english.json()["errors"]) == {"service", "applicant.nik", "applicant.phone"}
    assert english.json()["errors"]["applicant.nik"] == "A NIK has 16 digits; this one has 3."
    assert client.post(API, json={"service": code, "applicant": {"nik": MALE}}).status_code == 400
    assert client.get(f"{API}/ABCDEFGHJK").status_code == 404
    assert client.get(f"{API}/x").status_code == 404


def test_staff_apply_on_a_citizens_behalf_without_a_contact_and_without_the_limit(client, people, clock):
    code = prepare_service(client.database.url)
    assert sign_in(client, people["operator_a"], "banyuwangi").status_code == 303
    numbers = []
    for _ in range(22):  # more than a citizen's limit of 20 an hour
        made = client.post(API, json={"service": code, "applicant": {"nik": FEMALE, "name": "Siti Aminah"}})
        assert made.status_code == 201, made.text
        numbers.append(made.json()["tracking_number"])
    assert len(set(numbers)) == 22
    stored = _stored(client.database.url, numbers[0])
    assert stored.submitted_by == Submitter.STAFF and stored.submitted_by_staff_id is not None
    assert sign_in(client, people["operator_b"], "bangkalan").status_code == 303  # staff of another regency
    refused = client.post(API, json={"service": code, "applicant": {"nik": FEMALE, "name": "Siti Aminah"}})
    assert refused.status_code == 422 and set(refused.json()["errors"]) == {"applicant.phone"}


def test_citizens_are_rate_limited_per_client(client, clock):
    code = prepare_service(client.database.url)
    answers = [client.post(API, json={"service": code, "applicant": {"nik": "1", "name": "x"}}).status_code
               for _ in range(21)]
    assert answers[:20] == [422] * 20 and answers[20] == 429
