"""Permit first (Banyuwangi: "izin dulu, berkas menyusul"): a permit is issued at submission with its
documents due in 30 days; reminders a week and a day before; the periodic sweep revokes it when the
deadline passes, from the database's columns, once, also when a worker crashed in the middle of a
sweep; staff record complete documents in the console; the audit log and the timeline show it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from satupintu import notify
from satupintu.applications import permits
from satupintu.applications import service as applications
from satupintu.applications.models import Application, ApplicationEvent, ApplicationStatus, DocumentStatus
from satupintu.applications.permits import Permit
from satupintu.audit.models import AuditEntry
from satupintu.db import make_engine, make_sessionmaker
from satupintu.tenants import service as tenants_service
from tests.conftest import csrf_of, in_tenant, run, sign_in

WIB = ZoneInfo("Asia/Jakarta")
MONDAY_10 = datetime(2027, 3, 1, 10, 0, tzinfo=WIB)
DEADLINE = datetime(2027, 4, 1, 0, 0, tzinfo=WIB)  # 30 days: the documents may come until 31-03-2027
SECRET = "test-secret-key-that-is-long-enough-0123456789"  # the test settings' key (tests/conftest.py)
PERMIT = "izin-reklame"  # a permit (perizinan-usaha) Banyuwangi offers
MAN = "3510011708850001"


class Recorder:
    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple[notify.Recipient, notify.Message]] = []
        self.fail = fail

    async def send(self, to: notify.Recipient, message: notify.Message) -> None:
        if self.fail:
            raise notify.NotSent("the relay refused")
        self.sent.append((to, message))


def _apply(database, code: str = PERMIT, slug: str = "banyuwangi", when: datetime = MONDAY_10,
           language: str = "id") -> str:
    async def work():
        async with in_tenant(database.url, slug) as session:
            tenant = await tenants_service.get_by_slug(session, slug)
            made = await applications.submit(session, tenant, code, MAN, "Budi Santoso", email="budi@contoh.id",
                                             phone="0812 3456 7890", language=language, secret_key=SECRET, now=when)
            return made.tracking_number
    return run(work())


def _state(database, number: str, slug: str = "banyuwangi"):
    async def work():
        async with in_tenant(database.url, slug) as session:
            application = await session.scalar(select(Application).where(Application.tracking_number == number))
            permit = await session.scalar(select(Permit).where(Permit.application_id == application.id))
            events = list((await session.scalars(select(ApplicationEvent).where(
                ApplicationEvent.application_id == application.id).order_by(ApplicationEvent.id))).all())
            audited = await session.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.entity == "application", AuditEntry.entity_key == number))
            return application, permit, events, audited
    return run(work())


def _sweep(database, moment: datetime, notifier=None) -> permits.SweepResult:
    """One run of the periodic job, as a freshly started worker would do it: a new engine each time."""

    async def work():
        engine = make_engine(database.url)
        try:
            return await permits.sweep(make_sessionmaker(engine), notifier or Recorder(), secret_key=SECRET,
                                       base_url="https://mpp.example.go.id", now=moment)
        finally:
            await engine.dispose()
    return run(work())


def test_a_permit_is_issued_at_once_reminded_and_revoked_by_the_sweep(client, people):
    number = _apply(client.database)
    application, permit, events, _ = _state(client.database, number)
    assert application.status == ApplicationStatus.DONE
    assert [e.status for e in events] == [ApplicationStatus.SUBMITTED, ApplicationStatus.DONE]
    assert "31-03-2027" in events[-1].note and "dicabut" in events[-1].note  # in the applicant's language
    assert applications.as_utc(permit.documents_due_at) == DEADLINE
    assert applications.as_utc(permit.reminder_due_at) == DEADLINE - timedelta(days=7)

    recorder = Recorder()
    assert _sweep(client.database, DEADLINE - timedelta(days=7, minutes=1), recorder) == permits.SweepResult(0, 0)
    assert _sweep(client.database, DEADLINE - timedelta(days=7), Recorder(fail=True)).reminders == 0
    assert _state(client.database, number)[1].reminders_sent == 0  # the claim rolled back with the failure
    assert _sweep(client.database, DEADLINE - timedelta(days=6), recorder).reminders == 1
    assert _sweep(client.database, DEADLINE - timedelta(days=5), recorder).reminders == 0  # once
    assert {to.kind for to, _ in recorder.sent} == {"email", "whatsapp"}
    (_, message), _ = recorder.sent
    assert "31-03-2027" in message.body and number in message.body and MAN not in message.body
    assert "Budi" not in message.body
    assert _sweep(client.database, DEADLINE - timedelta(hours=23), recorder).reminders == 1  # the day before

    assert _sweep(client.database, DEADLINE - timedelta(seconds=1)).revoked == 0
    assert _sweep(client.database, DEADLINE).revoked == 1
    assert _sweep(client.database, DEADLINE + timedelta(days=1)) == permits.SweepResult(0, 0)  # revoked once
    application, permit, events, audited = _state(client.database, number)
    assert application.status == ApplicationStatus.REVOKED and applications.as_utc(permit.revoked_at) == DEADLINE
    assert applications.as_utc(application.closed_at) == DEADLINE
    assert [e.status for e in events][-1] == ApplicationStatus.REVOKED and "31-03-2027" in events[-1].note
    assert sum(e.status == ApplicationStatus.REVOKED for e in events) == 1 and audited == 1

    tracking = client.get(f"/banyuwangi/lacak/{number}")  # the citizen's status page, in Indonesian
    assert tracking.status_code == 200 and "Izin dicabut" in tracking.text and "31-03-2027" in tracking.text
    api = client.get(f"/api/v1/tenants/banyuwangi/applications/{number}").json()
    assert api["status"] == "revoked" and api["timeline"][-1]["status"] == "revoked"
    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    log = client.get("/banyuwangi/admin/audit", params={"objek": "", "aktor": "sistem"})
    assert log.status_code == 200 and number in log.text
    assert number not in client.get("/banyuwangi/admin/izin").text  # no longer awaiting documents


def test_a_worker_crashing_mid_sweep_loses_nothing_and_each_permit_is_revoked_once(client, monkeypatch):
    numbers = [_apply(client.database, when=MONDAY_10 + timedelta(minutes=n)) for n in range(3)]
    real = permits.revoke
    done: list[int] = []

    async def crashing(session, permit_id, *, now):
        if done:
            raise RuntimeError("the worker was killed")
        revoked = await real(session, permit_id, now=now)
        done.append(permit_id)
        return revoked

    monkeypatch.setattr(permits, "revoke", crashing)
    with pytest.raises(RuntimeError):
        _sweep(client.database, DEADLINE + timedelta(hours=1))
    states = [_state(client.database, n) for n in numbers]
    assert [s[0].status for s in states].count(ApplicationStatus.REVOKED) == 1  # the first one committed
    monkeypatch.setattr(permits, "revoke", real)

    assert _sweep(client.database, DEADLINE + timedelta(hours=2)).revoked == 2  # the restarted worker
    assert _sweep(client.database, DEADLINE + timedelta(hours=3)).revoked == 0
    for number in numbers:
        application, permit, events, audited = _state(client.database, number)
        assert application.status == ApplicationStatus.REVOKED and permit.revoked_at is not None
        assert sum(e.status == ApplicationStatus.REVOKED for e in events) == 1 and audited == 1


def test_revoking_the_same_permit_twice_revokes_once(database):
    number = _apply(database)

    async def twice():
        async with in_tenant(database.url, "banyuwangi") as session:
            permit_id = await session.scalar(select(Permit.id).where(Permit.completed_at.is_(None)))
        results = []
        for _ in range(2):
            async with in_tenant(database.url, "banyuwangi") as session:
                results.append(await permits.revoke(session, permit_id, now=DEADLINE))
        return results

    assert run(twice()) == [True, False]
    assert sum(e.status == ApplicationStatus.REVOKED for e in _state(database, number)[2]) == 1


def test_staff_record_complete_documents_and_the_permit_stands(client, people, monkeypatch):
    number = _apply(client.database, language="en")
    assert "revoked" in _state(client.database, number)[2][-1].note  # the applicant's language: English
    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    page = client.get("/banyuwangi/admin/izin")
    assert page.status_code == 200 and number in page.text and "31-03-2027" in page.text
    assert "B••• S•••" in page.text and "Budi" not in page.text and MAN not in page.text
    monkeypatch.setattr(applications, "clock", lambda: MONDAY_10 + timedelta(days=3))
    token = csrf_of(client)
    done = client.post(f"/banyuwangi/admin/izin/{number}/lengkap", data={"_csrf_token": token},
                       follow_redirects=False)
    assert done.status_code == 303
    again = client.post(f"/banyuwangi/admin/izin/{number}/lengkap", data={"_csrf_token": token})
    assert again.status_code == 422 and "sudah dicatat" in again.text
    assert client.post("/banyuwangi/admin/izin/ZZZZZZZZZZ/lengkap", data={"_csrf_token": token}).status_code == 404

    assert _sweep(client.database, DEADLINE + timedelta(days=1)) == permits.SweepResult(0, 0)
    application, permit, _events, _ = _state(client.database, number)
    assert application.status == ApplicationStatus.DONE and permit.revoked_at is None
    assert permit.completed_at is not None and permit.reminder_due_at is None

    async def checklist():
        async with in_tenant(client.database.url, "banyuwangi") as session:
            return [d.status for d in await applications.documents(session, application)]
    assert set(run(checklist())) == {DocumentStatus.VERIFIED}
    log = client.get("/banyuwangi/admin/audit")
    assert number in log.text and "Izin terbit lebih dulu" in log.text  # by the person who did it


def test_only_permits_of_a_regency_that_issues_them_first(database):
    other = _apply(database, code="ktp-el-baru")  # Banyuwangi, but not a permit
    assert _state(database, other)[0].status == ApplicationStatus.SUBMITTED and _state(database, other)[1] is None
    bangkalan = _apply(database, slug="bangkalan")  # a permit, but Bangkalan's policy is off
    assert _state(database, bangkalan, "bangkalan")[1] is None
    assert _state(database, bangkalan, "bangkalan")[0].status == ApplicationStatus.SUBMITTED
