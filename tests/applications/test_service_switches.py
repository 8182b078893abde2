"""Permit first and courier delivery are switched per service: Bangkalan (whose policies do neither)
switches one permit to "permit first" and then delivery for it in the console; an application to it is
issued at once with its documents due, another permit of the same regency is not; switched off, the
next application waits for its documents again; delivery is refused for a service without it; and the
regency's policy, switched on, switches every permit with it."""

from __future__ import annotations

import re

from sqlalchemy import select

from satupintu.applications.models import Application, ApplicationStatus
from satupintu.applications.permits import Permit
from satupintu.audit.models import AuditEntry
from satupintu.catalogue.models import PERMIT_CATEGORIES, TenantService
from tests.applications.conftest import FEMALE
from tests.conftest import csrf_of, in_tenant, run, sign_in

PERMIT, OTHER = "izin-reklame", "izin-apotek"  # two permits Bangkalan offers
ADDRESS = "Jl. Trunojoyo No. 7, RT 01 RW 02, Bangkalan"


def _switch(client, code: str, **switches: str):
    """Save Bangkalan's console form for one service as it is, with these switches (absent: off)."""
    form = client.get(f"/bangkalan/admin/layanan/{code}").text
    agency = re.search(r'<option value="(\d+)" selected', form.split('name="agency_id"', 1)[1]).group(1)
    cost = re.search(r'name="cost" type="text" value="(\d*)"', form).group(1)
    data = {"_csrf_token": csrf_of(client), "enabled": "on", "cost": cost, "cost_note": "", "completion_value": "1",
            "completion_unit": "hari", "extra_requirements": "", "agency_id": agency, **switches}
    response = client.post(f"/bangkalan/admin/layanan/{code}", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text[-2000:]


def _apply(client, code: str) -> str:
    data = {"_csrf_token": csrf_of(client), "nik": FEMALE, "name": "Siti Aminah", "phone": "0812 3456 7890"}
    response = client.post(f"/bangkalan/layanan/{code}/ajukan", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text[-2000:]
    return response.headers["location"].rsplit("/", 1)[1]


def _state(database, number: str) -> tuple[ApplicationStatus, bool]:
    async def work():
        async with in_tenant(database.url, "bangkalan") as session:
            application = await session.scalar(select(Application).where(Application.tracking_number == number))
            permit = await session.scalar(select(Permit).where(Permit.application_id == application.id))
            return application.status, permit is not None
    return run(work())


def test_a_regency_switches_permit_first_and_delivery_per_service(client, people):
    assert sign_in(client, people["admin_b"], "bangkalan").status_code == 303
    page = client.get(f"/bangkalan/admin/layanan/{PERMIT}").text
    assert 'id="f-permit_first"' in page and 'id="f-delivery"' in page and "30 hari" in page  # labels, hints
    assert 'name="permit_first" type="checkbox" aria-describedby' in page  # off: the policy is off

    before = _apply(client, PERMIT)
    assert _state(client.database, before) == (ApplicationStatus.SUBMITTED, False)
    _switch(client, PERMIT, permit_first="on")
    issued = _apply(client, PERMIT)
    assert _state(client.database, issued) == (ApplicationStatus.DONE, True)  # issued at once, documents due
    tracking = client.get(f"/bangkalan/lacak/{issued}").text
    assert "dicabut" in tracking  # "... otherwise the permit is revoked", on the citizen's timeline
    assert _state(client.database, _apply(client, OTHER)) == (ApplicationStatus.SUBMITTED, False)  # unaffected
    log = client.get("/bangkalan/admin/audit").text
    assert f"Layanan diubah: {PERMIT}" in log and "Izin dahulu" in log

    delivery = f"/api/v1/tenants/bangkalan/applications/{issued}/delivery"
    refused = client.post(delivery, json={"nik": FEMALE, "address": ADDRESS})
    assert refused.status_code == 409 and "tidak melayani pengantaran" in refused.json()["detail"]
    assert client.get(delivery).status_code == 404  # nothing was requested
    assert "Bisa diantar" not in client.get(f"/bangkalan/layanan/{PERMIT}").text

    _switch(client, PERMIT, permit_first="on", delivery="on")
    shown = client.get(f"/bangkalan/layanan/{PERMIT}").text
    assert "Bisa diantar" in shown and "diterbitkan sekarang" in shown
    made = client.post(delivery, json={"nik": FEMALE, "address": ADDRESS})
    assert made.status_code == 201 and made.json()["free"] is False  # Bangkalan's courier is paid

    _switch(client, PERMIT)  # both off again
    assert _state(client.database, _apply(client, PERMIT)) == (ApplicationStatus.SUBMITTED, False)
    assert "diterbitkan sekarang" not in client.get(f"/bangkalan/layanan/{PERMIT}").text

    _switch(client, PERMIT, permit_first="on")  # switched on by hand: the policy leaves it as it is
    policy = client.post("/bangkalan/admin/kebijakan", data={
        "_csrf_token": csrf_of(client), "permit_first": "on", "document_deadline_days": "14",
        "complaint_response_hours": "24"}, follow_redirects=False)
    assert policy.status_code == 303  # the regency's policy switched on switches every permit with it
    assert _state(client.database, _apply(client, OTHER)) == (ApplicationStatus.DONE, True)
    assert "14 hari" in client.get(f"/bangkalan/admin/layanan/{OTHER}").text
    # The policy's audit entry names the services it switched, and only those (the first 50 of them,
    # then how many more: an entry's lists are bounded).
    switched, permits = _policy_entry(client.database)
    listed, more = switched, 0
    if switched[-1].startswith("…"):
        listed, more = switched[:-1], int(switched[-1].split("+")[1].rstrip(")"))
    assert OTHER in listed and PERMIT not in listed and listed == sorted(listed)
    assert set(listed) <= permits - {PERMIT} and len(listed) + more == len(permits) - 1
    assert "Layanan yang pengaturan izin dahulunya mengikuti kebijakan" in client.get("/bangkalan/admin/audit").text


def _policy_entry(database) -> tuple[list[str], set[str]]:
    """The services the last policy change switched to permit first, and every permit Bangkalan offers."""
    async def work():
        async with in_tenant(database.url, "bangkalan") as session:
            entry = await session.scalar(select(AuditEntry).where(AuditEntry.entity == "policy")
                                         .order_by(AuditEntry.id.desc()).limit(1))
            permits = set((await session.scalars(select(TenantService.code).where(
                TenantService.category.in_(PERMIT_CATEGORIES)))).all())
            return entry.after["services_permit_first"], permits
    return run(work())
