"""Courier delivery through HTTP: the applicant asks for a finished document to be delivered (proving it
is them with the NIK, in the body only), gets the hand-over code once; staff see the address masked in
the list and whole for the courier, dispatch it, and record the hand-over only with the right code;
then the application is delivered, the address erased, and the audit log says so."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from structlog.testing import capture_logs

from satupintu.accounts.models import StaffAccount
from satupintu.applications import delivery as delivery_module
from satupintu.applications import service as applications
from satupintu.applications.delivery import Delivery, DeliveryStatus
from satupintu.applications.models import Application, ApplicationEvent, ApplicationStatus
from satupintu.audit.models import AuditEntry
from satupintu.catalogue import service as catalogue_service
from satupintu.security import Principal
from satupintu.tenants import service as tenants_service
from tests.conftest import csrf_of, in_tenant, run, sign_in

WIB = ZoneInfo("Asia/Jakarta")
MONDAY_10 = datetime(2027, 3, 1, 10, 0, tzinfo=WIB)
SECRET = "test-secret-key-that-is-long-enough-0123456789"
NIK = "3510015708850001"
ADDRESS = "Jl. Melati No. 12 RT 03 RW 04, Kelurahan Penganjuran, Banyuwangi"


def _applied(database, slug: str = "banyuwangi", done: bool = True, offer: bool = False) -> str:
    async def work():
        async with in_tenant(database.url, slug) as session:
            tenant = await tenants_service.get_by_slug(session, slug)
            if offer:  # the regency switches delivery on for the service (its policy leaves it off)
                (await catalogue_service.get_service(session, "akta-kelahiran")).delivery = True
            made = await applications.submit(session, tenant, "akta-kelahiran", NIK, "Siti Aminah",
                                             phone="081234567890", secret_key=SECRET, now=MONDAY_10)
            if done:
                kepala = await session.scalar(select(StaffAccount).where(StaffAccount.email == f"kepala@{slug}.test"))
                staff = Principal("staff", kepala.id, kepala.email, kepala.name, "tenant_admin", tenant.id, slug)
                for step in (ApplicationStatus.VERIFIED, ApplicationStatus.DONE):
                    await applications.advance(session, made, step, staff, now=MONDAY_10)
            return made.tracking_number
    return run(work())


def _state(database, number: str, slug: str = "banyuwangi"):
    async def work():
        async with in_tenant(database.url, slug) as session:
            application = await session.scalar(select(Application).where(Application.tracking_number == number))
            delivery = await session.scalar(select(Delivery).where(Delivery.application_id == application.id))
            events = [e.status for e in (await session.scalars(select(ApplicationEvent).where(
                ApplicationEvent.application_id == application.id).order_by(ApplicationEvent.id))).all()]
            return application, delivery, events
    return run(work())


def _api(number: str, slug: str = "banyuwangi") -> str:
    return f"/api/v1/tenants/{slug}/applications/{number}/delivery"


def test_a_finished_document_is_delivered_with_the_hand_over_code(client, people):
    number = _applied(client.database)
    with capture_logs() as logged:
        wrong = client.post(_api(number), json={"nik": "3510011708850001", "address": ADDRESS})
        assert wrong.status_code == 422 and "nik" in wrong.json()["errors"]
        short = client.post(_api(number), json={"nik": NIK, "address": "Jl. A"})
        assert short.status_code == 422 and "address" in short.json()["errors"]
        assert _state(client.database, number)[1] is None  # nothing kept
        made = client.post(_api(number), json={"nik": NIK, "address": ADDRESS})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["status"] == "requested" and body["free"] is True and len(body["handover_code"]) == 6
    assert NIK not in repr(logged) and "Melati" not in repr(logged)
    assert client.post(_api(number), json={"nik": NIK, "address": ADDRESS}).status_code == 409  # once
    status = client.get(_api(number)).json()
    assert status == {"tracking_number": number, "status": "requested", "free": True, "handover_code": None}
    delivery = _state(client.database, number)[1]
    assert "Melati" not in delivery.address and delivery.address_masked.startswith("Jl. M•••")

    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    listed = client.get("/banyuwangi/admin/antar")
    assert listed.status_code == 200 and number in listed.text and "S••• A•••" in listed.text
    assert "Melati" not in listed.text and "Siti" not in listed.text
    detail = client.get(f"/banyuwangi/admin/antar/{number}")
    assert detail.status_code == 200 and ADDRESS in detail.text  # for the courier
    token = csrf_of(client)
    assert client.post(f"/banyuwangi/admin/antar/{number}/kirim", data={"_csrf_token": token},
                       follow_redirects=False).status_code == 303
    assert _state(client.database, number)[1].status == DeliveryStatus.DISPATCHED
    bad = client.post(f"/banyuwangi/admin/antar/{number}/serah", data={"_csrf_token": token, "code": "AAAAAA"})
    assert bad.status_code == 422 and "kode serah terima" in bad.text
    assert _state(client.database, number)[1].status == DeliveryStatus.DISPATCHED  # nothing changed
    code = body["handover_code"].lower()
    done = client.post(f"/banyuwangi/admin/antar/{number}/serah",
                       data={"_csrf_token": token, "code": f"{code[:3]}-{code[3:]}"}, follow_redirects=False)
    assert done.status_code == 303
    application, delivery, events = _state(client.database, number)
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.address is None and delivery.delivered_at
    assert application.status == ApplicationStatus.DELIVERED and events[-1] == ApplicationStatus.DELIVERED
    assert client.get(_api(number)).json()["status"] == "delivered"
    again = client.post(f"/banyuwangi/admin/antar/{number}/serah", data={"_csrf_token": token, "code": code})
    assert again.status_code == 422
    log = client.get("/banyuwangi/admin/audit").text
    assert number in log and "Pengantaran" in log
    assert ADDRESS not in client.get(f"/banyuwangi/admin/antar/{number}").text  # erased


def test_only_a_finished_document_and_the_regencys_fee_rule(client):
    waiting = _applied(client.database, done=False)
    refused = client.post(_api(waiting), json={"nik": NIK, "address": ADDRESS})
    assert refused.status_code == 409 and _state(client.database, waiting)[1] is None
    assert client.post(_api("ZZZZZZZZZZ"), json={"nik": NIK, "address": ADDRESS}).status_code == 404
    assert client.get(_api(waiting)).status_code == 404
    paid = _applied(client.database, slug="bangkalan", offer=True)  # Bangkalan does not deliver free
    made = client.post(_api(paid, "bangkalan"), json={"nik": NIK, "address": ADDRESS})
    assert made.status_code == 201 and made.json()["free"] is False
    assert client.post(_api(paid, "banyuwangi"), json={"nik": NIK, "address": ADDRESS}).status_code == 404


def test_the_citizen_asks_for_delivery_on_the_proven_tracking_page(client):
    number = _applied(client.database, offer=True)
    waiting = _applied(client.database, done=False, offer=True)
    no_courier = _applied(client.database, slug="bangkalan")  # Bangkalan delivers none of its services
    page = f"/banyuwangi/lacak/{number}/data"
    assert client.post(f"/banyuwangi/lacak/{number}/antar", data={"_csrf_token": csrf_of(client), "address": ADDRESS},
                       follow_redirects=False).status_code == 303  # not proven yet: back to the proof
    token = csrf_of(client)
    for slug, each in (("banyuwangi", number), ("banyuwangi", waiting), ("bangkalan", no_courier)):
        proven = client.post(f"/{slug}/lacak/{each}/data", data={"_csrf_token": token, "proof": "7890"},
                             follow_redirects=False)
        assert proven.status_code == 303
    assert 'name="address"' not in client.get(f"/bangkalan/lacak/{no_courier}/data").text
    assert client.post(f"/bangkalan/lacak/{no_courier}/antar", data={"_csrf_token": token, "address": ADDRESS},
                       headers={"Accept-Language": "en"}).status_code == 409
    later = client.get(f"/banyuwangi/lacak/{waiting}/data", headers={"Accept-Language": "en"})
    assert "once it is done" in later.text and 'name="address"' not in later.text
    assert client.post(f"/banyuwangi/lacak/{waiting}/antar", data={"_csrf_token": token, "address": ADDRESS},
                       ).status_code == 409

    held = client.get(page, headers={"Accept-Language": "id"})
    assert held.status_code == 200 and 'name="address"' in held.text
    short = client.post(f"/banyuwangi/lacak/{number}/antar", data={"_csrf_token": token, "address": "Jl. A"},
                        headers={"Accept-Language": "id"})
    assert short.status_code == 422 and 'aria-invalid="true"' in short.text
    assert _state(client.database, number)[1] is None  # nothing kept
    with capture_logs() as logged:
        made = client.post(f"/banyuwangi/lacak/{number}/antar", data={"_csrf_token": token, "address": ADDRESS},
                           headers={"Accept-Language": "id"}, follow_redirects=False)
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    code = re.search(r'<code class="secret">([A-Z0-9]{6})</code>', made.text).group(1)
    assert "ditampilkan sekali ini" in made.text and "Melati" not in repr(logged) and NIK not in repr(logged)
    _, delivery, _ = _state(client.database, number)
    assert delivery.status == DeliveryStatus.REQUESTED and "Melati" not in delivery.address
    assert delivery_module._code_digest(SECRET, code) == delivery.code_digest  # the code the courier will ask for

    again = client.get(page, headers={"Accept-Language": "en"})
    assert code not in again.text and "delivery requested" in again.text and "shown once" in again.text
    assert 'name="address"' not in again.text
    twice = client.post(f"/banyuwangi/lacak/{number}/antar", data={"_csrf_token": token, "address": ADDRESS})
    assert twice.status_code == 409 and code not in twice.text

    async def audited():
        async with in_tenant(client.database.url, "banyuwangi") as session:
            return (await session.scalars(select(AuditEntry).where(AuditEntry.entity == "delivery"))).all()
    (entry,) = run(audited())
    assert (entry.actor, entry.action, entry.entity_key) == (f"citizen:{number}", "create", number)
    assert "Melati" not in repr([entry.before, entry.after])
