"""When a complaint escalates, the people now answerable are e-mailed once, through a real SMTP server:
the agency's staff, then the regency's admins (the MPP manager), then the regent's office at the
address set in the console's policies. A redelivered job sends nothing more; the escalations whose
jobs were lost are sent by the sweep, once; nothing about the citizen is in any message."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from satupintu import notify
from satupintu.accounts.models import StaffAccount
from satupintu.agencies.models import Agency
from satupintu.complaints import notifications, tasks
from satupintu.complaints import service as complaints
from satupintu.db import make_engine, make_sessionmaker
from satupintu.queue.service import as_utc
from tests.complaints.conftest import complain, in_tenant, sweep
from tests.complaints.test_escalation import MONDAY_9_WIB, _a_service
from tests.conftest import capture_sends, csrf_of, run, sign_in, smtp_settings

REGENT = "bupati@banyuwangikab.go.id"
SEEDED_ADMIN = "kepala@banyuwangi.test"  # the template's admin of each regency (tests/conftest.py)
CITIZEN = "warga.pelapor@contoh.id"


@pytest.fixture
def queued(monkeypatch):
    """The notice jobs the escalations queued after their commits (not run): (tenant id, event id) each."""
    return capture_sends(monkeypatch, tasks.notify_escalation)


def _settings(client, smtp):
    return smtp_settings(client.database, smtp)


def _deliver(client, settings, tenant_id: int, event_id: int) -> int:
    """What the job does with one message (tasks.notify_escalation), on this test's database."""
    async def work(session, tenant):
        assert tenant.id == tenant_id
        return await notifications.send_event(session, tenant, event_id, notify.from_settings(settings),
                                              base_url=settings.public_url)

    return run(in_tenant(client.database.url, "banyuwangi", work))


def _notice_sweep(client, settings, at) -> int:
    async def work():
        engine = make_engine(client.database.url)
        try:
            return await notifications.sweep(make_sessionmaker(engine), notify.from_settings(settings),
                                             base_url=settings.public_url, now=at)
        finally:
            await engine.dispose()

    return run(work())


def test_each_level_is_told_once_and_a_lost_job_is_swept(client, people, smtp, queued):
    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    policy = {"_csrf_token": csrf_of(client), "complaint_response_hours": "4", "complaint_resolution_hours": "40"}
    refused = client.post("/banyuwangi/admin/kebijakan", data={**policy, "complaint_regent_email": "bupati"},
                          headers={"Accept-Language": "id"}, follow_redirects=False)
    assert refused.status_code == 422 and "nama@contoh.id" in refused.text
    saved = client.post("/banyuwangi/admin/kebijakan", data={**policy, "complaint_regent_email": REGENT},
                        follow_redirects=False)
    assert saved.status_code == 303

    complaint = run(complain(client.database.url, "banyuwangi", now=MONDAY_9_WIB,
                             contact=complaints.Contact("Warga Pelapor", CITIZEN, "081234567890"),
                             subject=complaints.Subject(service_code=_a_service(client.database.url))))

    async def agency_staff(session, _tenant):  # the operator answers for the complaint's agency
        await session.execute(update(StaffAccount).where(StaffAccount.email == people["operator_a"])
                              .values(agency_id=complaint.agency_id))
        return (await session.get(Agency, complaint.agency_id)).name

    agency = run(in_tenant(client.database.url, "banyuwangi", agency_staff))
    settings = _settings(client, smtp)
    due = as_utc(complaint.response_due_at)
    assert run(sweep(client.database.url, now=due)).escalated == 1
    [job] = queued
    assert _deliver(client, settings, *job) == 1
    assert _deliver(client, settings, *job) == 0  # the job redelivered: nothing more
    [(to, mail)] = smtp.messages
    number = complaints.format_tracking(complaint.tracking)
    assert to == [people["operator_a"]]
    assert " ".join(mail["Subject"].split()) == (f"Pengaduan {number} terlambat dan kini ditangani kepala "
                                                 "instansi (MPP Kabupaten Banyuwangi)")  # unfolded
    body = mail.get_payload(decode=True).decode()
    assert "Kualitas layanan" in body and agency in body and "13:00 WIB" in body
    assert f"http://testserver.local/banyuwangi/admin/pengaduan/{complaint.tracking}" in body
    for secret in (CITIZEN, "Warga", "081234567890", complaint.description):
        assert secret not in body

    # a week later: the MPP manager and the regent's office; both jobs lost, the sweep tells them
    later = due + timedelta(days=7)
    assert run(sweep(client.database.url, now=later)).escalated == 2
    assert len(queued) == 3
    assert _notice_sweep(client, settings, later + timedelta(minutes=1)) == 0  # the jobs' own chance first
    assert _notice_sweep(client, settings, later + timedelta(minutes=6)) == 3
    assert _notice_sweep(client, settings, later + timedelta(minutes=11)) == 0
    assert sorted(to for to, _mail in smtp.messages[1:]) == [[people["admin_a"]], [REGENT], [SEEDED_ADMIN]]
    assert all(_deliver(client, settings, *job) == 0 for job in queued[1:])  # the late jobs find them told
    assert len(smtp.messages) == 4


def test_a_complaint_about_the_mall_goes_to_the_admins(database, people):
    """No agency (and no regent's address set): the regency's admins, never another regency's."""
    complaint = run(complain(database.url, "banyuwangi", now=MONDAY_9_WIB))
    assert run(sweep(database.url, now=as_utc(complaint.response_due_at) + timedelta(days=7))).escalated == 3

    class Recorder:
        def __init__(self):
            self.sent = []

        async def send(self, to, message):
            self.sent.append((to.address, message.subject))

    recorder = Recorder()

    async def work():
        engine = make_engine(database.url)
        try:
            return await notifications.sweep(make_sessionmaker(engine), recorder, base_url="https://mpp.test",
                                             now=as_utc(complaint.response_due_at) + timedelta(days=8))
        finally:
            await engine.dispose()

    assert run(work()) == 6
    assert [to for to, _subject in recorder.sent] == [people["admin_a"], SEEDED_ADMIN] * 3
    assert [subject.split(" dan kini ditangani ")[1].split(" (")[0] for _to, subject in recorder.sent[::2]] == [
        "kepala instansi", "pengelola MPP", "kantor bupati"]
