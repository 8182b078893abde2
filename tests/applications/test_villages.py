"""Village service points through HTTP: a regency registers its villages (codes checked by shape under
its own prefix: the shipped region list stops at regencies) and a village operator; what the operator
submits carries the village; the console shows volume and completion per village, as counts only."""

from __future__ import annotations

import re

from sqlalchemy import select

from satupintu.accounts.models import StaffAccount
from satupintu.applications import service as applications
from satupintu.applications.bundles import Bundle
from satupintu.applications.models import Application, ApplicationStatus, Submitter
from satupintu.applications.villages import Village, VillageKind
from satupintu.security import Principal
from tests.conftest import PASSWORD, csrf_of, in_tenant, run, sign_in

KEMIREN = "35.10.02.2003"
MOTHER = "3510015708850001"


def _rows(database, model, *where):
    async def work():
        async with in_tenant(database.url, "banyuwangi") as session:
            return list((await session.scalars(select(model).where(*where))).all())
    return run(work())


def test_villages_operators_and_figures_per_village(client, people):
    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    token = csrf_of(client)
    for code, name, message in [("3510022003", "Kemiren", "Kemendagri"), ("35.26.01.2001", "Lain", "35.10"),
                                (KEMIREN, "", "")]:
        refused = client.post("/banyuwangi/admin/desa", data={"_csrf_token": token, "code": code, "name": name})
        assert refused.status_code == 422 and message in refused.text
    added = client.post("/banyuwangi/admin/desa", data={"_csrf_token": token, "code": KEMIREN, "name": "Kemiren"},
                        follow_redirects=False)
    assert added.status_code == 303
    again = client.post("/banyuwangi/admin/desa", data={"_csrf_token": token, "code": KEMIREN, "name": "Kemiren"})
    assert again.status_code == 422
    (village,) = _rows(client.database, Village, Village.code == KEMIREN)
    assert village.kind == VillageKind.DESA

    made = client.post("/banyuwangi/admin/staf", data={"_csrf_token": token, "name": "Operator Kemiren",
                                                       "email": "desa@banyuwangi.test", "role": "village_operator",
                                                       "password": PASSWORD}, follow_redirects=False)
    assert made.status_code == 303
    (operator,) = _rows(client.database, StaffAccount, StaffAccount.email == "desa@banyuwangi.test")
    assigned = client.post("/banyuwangi/admin/desa/operator", data={
        "_csrf_token": token, "staff_id": str(operator.id), "village_id": str(village.id)}, follow_redirects=False)
    assert assigned.status_code == 303
    not_an_operator = client.post("/banyuwangi/admin/desa/operator", data={
        "_csrf_token": token, "staff_id": str(_rows(client.database, StaffAccount,
                                                    StaffAccount.email == people["operator_a"])[0].id),
        "village_id": str(village.id)})
    assert not_an_operator.status_code == 422

    client.cookies.clear()
    assert sign_in(client, "desa@banyuwangi.test", "banyuwangi").status_code == 303
    assert client.get("/banyuwangi/admin/desa").status_code == 403  # not the console
    bundle = client.post("/api/v1/tenants/banyuwangi/bundles", json={
        "life_event": "kelahiran", "consent": True,
        "applicant": {"nik": MOTHER, "name": "Siti Aminah", "phone": "081234567890"}})
    assert bundle.status_code == 201, bundle.text
    numbers = [p["tracking_number"] for p in bundle.json()["applications"]]
    stored = _rows(client.database, Application, Application.tracking_number.in_(numbers))
    assert {a.village_code for a in stored} == {KEMIREN}
    assert {a.submitted_by for a in stored} == {Submitter.VILLAGE_OPERATOR}
    assert _rows(client.database, Bundle, Bundle.number == bundle.json()["number"])[0].submitted_by == \
        Submitter.VILLAGE_OPERATOR

    async def finish():
        async with in_tenant(client.database.url, "banyuwangi") as session:
            staff = Principal("staff", operator.id, operator.email, operator.name, "tenant_admin")
            found = await applications.by_tracking_number(session, numbers[0])
            for step in (ApplicationStatus.VERIFIED, ApplicationStatus.DONE):
                await applications.advance(session, found, step, staff)
    run(finish())

    client.cookies.clear()
    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    page = client.get("/banyuwangi/admin/desa")
    assert page.status_code == 200
    row = re.search(r"<tr><td>Kemiren.*?</tr>", page.text, re.S).group(0)
    cells = re.findall(r'<td class="num">(\d+)</td>', row)
    assert cells == [str(len(numbers)), "1", str(len(numbers) - 1)]
    assert "Siti" not in page.text and MOTHER not in page.text
    room = client.get("/banyuwangi/admin/ruang-kendali")  # the control room shows the same counts
    assert room.status_code == 200 and 'id="desa"' in room.text
    row = re.search(r"<tr><td>Kemiren.*?</tr>", room.text, re.S).group(0)
    assert re.findall(r'<td class="num">(\d+)</td>', row) == [str(len(numbers)), "1", str(len(numbers) - 1)]
    assert "Siti" not in room.text and MOTHER not in room.text
    assert "Operator Kemiren" in client.get("/banyuwangi/admin/staf").text


def test_the_ministry_sees_volume_and_completion_per_village_from_the_rollup(client, people):
    from satupintu.benchmarks import rollups
    from tests.benchmarks.test_rollups import _ids, with_maker

    async def work(maker):
        return await rollups.refresh_tenant(maker, (await _ids(maker))["banyuwangi"])

    row = with_maker(client.database, work)
    (seeded,) = row.details["villages"]  # the seeded village: counts only
    assert seeded == {"code": "35.10.01.2001", "name": "Desa Uji banyuwangi", "applications": 0, "done": 0, "open": 0}
    assert sign_in(client, people["ministry"]).status_code == 303
    page = client.get("/kementerian/wilayah/banyuwangi")
    assert page.status_code == 200 and "Desa Uji banyuwangi" in page.text and "35.10.01.2001" in page.text
