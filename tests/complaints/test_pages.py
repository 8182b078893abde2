"""Complaints through HTTP: the citizen's form and status page, the console's list (every channel,
contacts masked), recording a phone or SP4N-LAPOR! complaint, answering, resolving and closing
(audited, the contact erased on closing), and the public statistics (numbers only)."""

from __future__ import annotations

import re

from sqlalchemy import select

from satupintu.audit.models import AuditEntry
from satupintu.complaints.models import Channel, Complaint, Status
from satupintu.complaints.service import Subject
from tests.complaints.conftest import in_tenant
from tests.conftest import csrf_of, run, sign_in

EMAIL, PHONE, NAME = "siti.rahma@contoh.id", "0812 3456 7890", "Siti Rahmawati"


def _complaint(database, tracking: str) -> Complaint:
    async def work(session, _tenant):
        return await session.scalar(select(Complaint).where(Complaint.tracking == tracking))
    return run(in_tenant(database.url, "banyuwangi", work))


def _count(database) -> int:
    async def work(session, _tenant):
        return len((await session.scalars(select(Complaint.id))).all())
    return run(in_tenant(database.url, "banyuwangi", work))


def _submit(client, **fields):
    data = {"_csrf_token": csrf_of(client), "category": "biaya-pungli",
            "description": "Diminta membayar Rp50.000 untuk KTP-el di loket.", **fields}
    return client.post("/banyuwangi/pengaduan", data=data, follow_redirects=False)


def test_a_citizen_complains_and_follows_it(client):
    page = client.get("/banyuwangi/pengaduan")
    assert page.status_code == 200
    assert 'value="biaya-pungli"' in page.text and "Sikap petugas" in page.text
    before = _count(client.database)
    refused = _submit(client, description="pendek", email="bukan-email", latitude="x")
    assert refused.status_code == 422
    assert "sedikitnya 10 karakter" in refused.text and "nama@contoh.id" in refused.text
    assert _count(client.database) == before

    sent = _submit(client, name=NAME, email=EMAIL, phone=PHONE, address="MPP Banyuwangi, loket 3",
                   latitude="-8,2192", longitude="114.3691")
    assert sent.status_code == 303
    location = sent.headers["location"]
    tracking = re.fullmatch(r"/banyuwangi/pengaduan/([A-Z0-9]{12})\?baru=1", location).group(1)
    stored = _complaint(client.database, tracking)
    assert stored.channel == Channel.WEB and stored.latitude == -8.2192 and not stored.anonymous
    assert EMAIL not in (stored.contact_email or "") and NAME not in (stored.contact_name or "")  # sealed

    status = client.get(location)
    assert status.status_code == 200
    shown = f"{tracking[:4]}-{tracking[4:8]}-{tracking[8:]}"
    assert shown in status.text and "Biaya dan pungutan liar" in status.text
    for secret in (EMAIL, "3456", NAME, "Siti"):
        assert secret not in status.text
    found = client.get(f"/banyuwangi/pengaduan/lacak?nomor={shown.lower()}", follow_redirects=False)
    assert found.status_code == 303 and found.headers["location"] == f"/banyuwangi/pengaduan/{tracking}"
    assert client.get("/banyuwangi/pengaduan/lacak?nomor=AAAA-BBBB-CCCC").status_code == 404
    assert client.get(f"/banyuwangi/pengaduan/{tracking.lower()}").status_code == 404
    assert client.get(f"/bangkalan/pengaduan/{tracking}").status_code == 404


def test_staff_see_every_channel_and_answer(client, people):
    _submit(client, name=NAME, email=EMAIL, phone=PHONE)
    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    token = csrf_of(client)
    lapor = {"_csrf_token": token, "channel": "lapor", "category": "sikap-petugas",
             "description": "Petugas tidak datang sampai pukul 10.", "phone": "081399990000"}
    refused = client.post("/banyuwangi/admin/pengaduan/baru", data=lapor, follow_redirects=False)
    assert refused.status_code == 422 and "SP4N-LAPOR!" in refused.text
    recorded = client.post("/banyuwangi/admin/pengaduan/baru", data={**lapor, "external_ref": "LAPOR-2027-0012"},
                           follow_redirects=False)
    assert recorded.status_code == 303
    tracking = recorded.headers["location"].rsplit("/", 1)[1]
    assert _complaint(client.database, tracking).recorded_by is not None

    listing = client.get("/banyuwangi/admin/pengaduan")
    assert listing.status_code == 200
    assert "LAPOR-2027-0012" in listing.text and "Formulir web" in listing.text  # both channels, one list
    assert EMAIL not in listing.text and "3456" not in listing.text and "9990000" not in listing.text
    assert "s•••@•••.id" in listing.text and "•••••00" in listing.text

    detail = client.get(f"/banyuwangi/admin/pengaduan/{tracking}")
    assert detail.status_code == 200 and "081399990000" in detail.text  # the officer who calls back sees it
    empty = client.post(f"/banyuwangi/admin/pengaduan/{tracking}/tanggapi", data={"_csrf_token": token, "text": ""},
                        follow_redirects=False)
    assert empty.status_code == 422
    answer = "Kami sudah menegur petugas; besok layanan dibuka pukul 08.00."
    assert client.post(f"/banyuwangi/admin/pengaduan/{tracking}/tanggapi", data={"_csrf_token": token, "text": answer},
                       follow_redirects=False).status_code == 303
    complaint = _complaint(client.database, tracking)
    assert complaint.status == Status.RESPONDED and complaint.first_response_at is not None
    public = client.get(f"/banyuwangi/pengaduan/{tracking}")
    assert answer in public.text
    assert client.post(f"/banyuwangi/admin/pengaduan/{tracking}/selesai",
                       data={"_csrf_token": token, "text": "Selesai."}, follow_redirects=False).status_code == 303
    assert client.post(f"/banyuwangi/admin/pengaduan/{tracking}/tutup",
                       data={"_csrf_token": token}, follow_redirects=False).status_code == 303
    closed = _complaint(client.database, tracking)
    assert closed.status == Status.CLOSED and closed.contact_phone is None and closed.escalate_at is None
    assert client.post(f"/banyuwangi/admin/pengaduan/{tracking}/hapus", data={"_csrf_token": token},
                       follow_redirects=False).status_code == 404
    client.post("/banyuwangi/keluar", data={"_csrf_token": token})
    assert sign_in(client, people["admin_b"], "bangkalan").status_code == 303
    assert client.get(f"/bangkalan/admin/pengaduan/{tracking}").status_code == 404  # another regency's number

    async def audit(session, _tenant):
        return (await session.scalars(select(AuditEntry).where(AuditEntry.entity == "complaint")
                                      .order_by(AuditEntry.id))).all()

    entries = run(in_tenant(client.database.url, "banyuwangi", audit))
    assert [e.action for e in entries] == ["create", "respond", "resolve", "close"]
    assert all("081399990000" not in str(e.after) and "0812" not in str(e.before) for e in entries)


def test_public_statistics_are_numbers_only(client, people):
    _submit(client, name=NAME, email=EMAIL)
    page = client.get("/banyuwangi/pengaduan/statistik")
    assert page.status_code == 200
    assert "4 jam kerja" in page.text
    for secret in (NAME, EMAIL, "Rp50.000"):
        assert secret not in page.text
    assert re.search(r"<th scope=\"row\">Jumlah</th><td class=\"num\">1</td>", page.text)


def test_the_control_room_shows_breaches_by_agency(client, people):
    """A complaint about a Dinas Dukcapil service left unanswered for three days: the sweep records the
    breach against that agency, and the control room counts it (numbers and the agency, no citizen)."""
    from datetime import UTC, datetime, timedelta

    from satupintu.agencies.models import Agency
    from satupintu.catalogue.models import TenantService
    from tests.complaints.conftest import complain, sweep

    async def a_service(session, _tenant):
        service = await session.scalar(select(TenantService).where(TenantService.agency_id.is_not(None),
                                                                   TenantService.enabled.is_(True)).limit(1))
        return service.code, (await session.get(Agency, service.agency_id)).name

    code, agency = run(in_tenant(client.database.url, "banyuwangi", a_service))
    now = datetime.now(UTC)
    run(complain(client.database.url, "banyuwangi", now=now - timedelta(days=3), description="Tidak ada jawaban sama sekali.",
                 subject=Subject(service_code=code)))
    assert run(sweep(client.database.url, now=now)).escalated >= 1
    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    page = client.get("/banyuwangi/admin/ruang-kendali")
    assert page.status_code == 200
    row = re.search(r"<tr><th scope=\"row\">" + re.escape(agency) + r"</th>(.*?)</tr>", page.text.replace("&amp;", "&"))
    assert row, "the agency's row is missing"
    assert re.findall(r"<td class=\"num\">(\d+)</td>", row.group(1)) == ["1", "1", "1", "1"]
    assert "Tidak ada jawaban" not in page.text


def test_a_complaint_about_a_visit_names_its_line(client):
    """From the ticket's page: the complaint carries the ticket, its line's agency is responsible and
    its location's opening hours count the deadline."""
    from satupintu.queue.models import CounterGroup, Ticket

    async def seeded(session, _tenant):
        ticket = await session.scalar(select(Ticket).limit(1))
        return ticket.public_id, ticket.id, await session.get(CounterGroup, ticket.group_id)

    public_id, ticket_id, group = run(in_tenant(client.database.url, "banyuwangi", seeded))
    form = client.get(f"/banyuwangi/pengaduan?tiket={public_id}")
    assert f'name="ticket" value="{public_id}"' in form.text
    sent = _submit(client, ticket=public_id)
    assert sent.status_code == 303
    stored = _complaint(client.database, sent.headers["location"].split("/")[-1].split("?")[0])
    assert (stored.ticket_id, stored.agency_id, stored.location_id) == (ticket_id, group.agency_id, group.location_id)
    assert _submit(client, ticket="bukan-tiket-siapa-pun").status_code == 422
