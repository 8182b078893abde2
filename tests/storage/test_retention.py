"""Retention: an ended application's personal data and documents are erased by the periodic sweep once
its service's retention period has passed (the deadline is a column; the tests drive the clock and
call the sweep directly), once only, and a sweep that fails half-way is finished by the next one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from satupintu.accounts.models import StaffAccount
from satupintu.applications import documents, retention
from satupintu.applications.delivery import Delivery
from satupintu.applications import service as applications
from satupintu.audit.models import AuditEntry
from satupintu.applications.models import Application, ApplicationDocument, ApplicationEvent, ApplicationStatus
from satupintu.catalogue.models import TenantService
from satupintu.db import make_engine, make_sessionmaker
from satupintu.security import Principal
from satupintu.storage import open_storage
from tests.conftest import app_client, csrf_of, in_tenant, run, sign_in
from tests.storage.conftest import Backend
from tests.storage.test_application_files import NIK, new_application
from tests.storage.test_storage import MB, PDF, settings

CLOSED = datetime(2027, 1, 4, 3, 0, tzinfo=UTC)


def close_with_a_document(url: str, storage, number: str, retention_days: int) -> str:
    """Upload a document, set the service's retention period, reject the application at CLOSED."""

    async def work() -> str:
        async with in_tenant(url, "banyuwangi") as session:
            application = await session.scalar(select(Application).where(Application.tracking_number == number))
            document = await documents.document_at(session, application, 0)
            await documents.attach(session, storage, application, document, PDF, 5 * MB, by_staff=True)
            session.add(Delivery(application_id=application.id, address="sealed", address_masked="Jl. M••• 1",
                                 code_digest="0" * 64, requested_at=CLOSED))
            service = await session.get(TenantService, application.service_id)
            service.retention_days = retention_days
            staff = await session.scalar(select(StaffAccount).order_by(StaffAccount.id))
            who = Principal("staff", staff.id, staff.email, staff.name, "tenant_admin", application.tenant_id, "banyuwangi")
            await applications.advance(session, application, ApplicationStatus.REJECTED, who,
                                       reason="KTP atas nama Budi Santoso tidak terbaca", now=CLOSED)
            return document.upload_key

    return run(work())


def sweep(url: str, storage, now: datetime) -> retention.SweepResult:
    async def work() -> retention.SweepResult:
        engine = make_engine(url)
        try:
            return await retention.sweep(make_sessionmaker(engine), storage, now=now)
        finally:
            await engine.dispose()

    return run(work())


def delivery_of(url: str, application_id: int) -> Delivery:
    async def work() -> Delivery:
        async with in_tenant(url, "banyuwangi") as session:
            return await session.scalar(select(Delivery).where(Delivery.application_id == application_id))

    return run(work())


def state(url: str, number: str) -> tuple[Application, list[ApplicationDocument], list[ApplicationEvent]]:
    async def work():
        async with in_tenant(url, "banyuwangi") as session:
            application = await session.scalar(select(Application).where(Application.tracking_number == number))
            docs = (await session.scalars(select(ApplicationDocument).where(
                ApplicationDocument.application_id == application.id))).all()
            events = (await session.scalars(select(ApplicationEvent).where(
                ApplicationEvent.application_id == application.id))).all()
            return application, list(docs), list(events)

    return run(work())


def test_the_sweep_erases_an_ended_application_after_its_services_retention_once(database, backend: Backend,
                                                                                   people) -> None:
    storage = open_storage(settings(backend))
    number = new_application(database.url)
    key = close_with_a_document(database.url, storage, number, retention_days=30)
    assert backend.stored() == [key]

    early = sweep(database.url, storage, CLOSED + timedelta(days=29))
    assert (early.scheduled, early.erased, early.failed) == (1, 0, 0)
    application, _, _ = state(database.url, number)
    assert applications.as_utc(application.erase_after) == CLOSED + timedelta(days=30)
    assert application.erased_at is None and backend.stored() == [key]

    due = sweep(database.url, storage, CLOSED + timedelta(days=30, seconds=1))
    assert (due.scheduled, due.erased, due.failed) == (0, 1, 0)
    application, docs, events = state(database.url, number)
    assert application.erased_at is not None
    assert (application.nik, application.name, application.phone, application.email, application.answers,
            application.nik_digest, application.rejection_reason) == (None,) * 7
    assert application.nik_masked == application.name_masked == ""
    assert all(d.upload_key is None for d in docs) and all(e.note is None for e in events)
    delivery = delivery_of(database.url, application.id)
    assert (delivery.address, delivery.address_masked) == (None, "")
    assert application.status == ApplicationStatus.REJECTED and application.service_id  # the figures stay
    assert backend.stored() == []

    again = sweep(database.url, storage, CLOSED + timedelta(days=400))
    assert (again.scheduled, again.erased, again.failed) == (0, 0, 0)
    # the seeded applications are still open: untouched
    assert all(a.nik for a in _open_applications(database.url))

    for client in app_client(database, **backend.env):
        refused = client.post(f"/banyuwangi/lacak/{number}/data", data={"_csrf_token": csrf_of(client), "proof": NIK},
                              follow_redirects=False)
        assert refused.status_code == 422
        assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
        page = client.get(f"/banyuwangi/permohonan/{number}/dokumen", headers={"Accept-Language": "en"})
        assert "were erased when its retention period ended" in page.text


def _open_applications(url: str) -> list[Application]:
    async def work() -> list[Application]:
        async with in_tenant(url, "banyuwangi") as session:
            return list((await session.scalars(select(Application).where(Application.closed_at.is_(None)))).all())

    return run(work())


class Unreachable:
    """Storage that fails to delete, as when the object store is down in the middle of a sweep."""

    def __init__(self, inner) -> None:
        self.inner = inner

    async def get(self, key: str) -> bytes | None:
        return await self.inner.get(key)

    async def put(self, key: str, data: bytes, kind) -> None:
        await self.inner.put(key, data, kind)

    async def delete(self, key: str) -> None:
        raise ConnectionError("storage unreachable")


def test_a_sweep_that_fails_half_way_is_finished_by_the_next(database, backend: Backend) -> None:
    storage = open_storage(settings(backend))
    number = new_application(database.url)
    key = close_with_a_document(database.url, storage, number, retention_days=365)
    after = CLOSED + timedelta(days=366)

    failed = sweep(database.url, Unreachable(storage), after)
    assert (failed.erased, failed.failed) == (0, 1)
    application, docs, _ = state(database.url, number)
    assert application.erased_at is None and application.nik and docs[0].upload_key == key  # rolled back whole

    finished = sweep(database.url, storage, after)
    assert (finished.erased, finished.failed) == (1, 0)
    assert state(database.url, number)[0].erased_at is not None and backend.stored() == []


def test_the_regency_sets_each_services_retention_in_the_console(database, people) -> None:
    import re

    for client in app_client(database):
        assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
        form = client.get("/banyuwangi/admin/layanan/skck-baru", headers={"Accept-Language": "id"})
        assert 'name="retention_days" type="text" value="365"' in form.text
        agency = re.search(r'<option value="(\d+)" selected', form.text).group(1)
        fields = {"_csrf_token": csrf_of(client), "enabled": "on", "cost": "30000", "cost_note": "",
                  "completion_value": "1", "completion_unit": "hari", "extra_requirements": "", "agency_id": agency}
        refused = client.post("/banyuwangi/admin/layanan/skck-baru", data={**fields, "retention_days": "7"},
                              headers={"Accept-Language": "id"}, follow_redirects=False)
        assert refused.status_code == 422 and "Isi dengan angka dari 30 sampai 3650" in refused.text
        saved = client.post("/banyuwangi/admin/layanan/skck-baru", data={**fields, "retention_days": "90"},
                            follow_redirects=False)
        assert saved.status_code == 303

    async def read() -> tuple[int, dict]:
        async with in_tenant(database.url, "banyuwangi") as session:
            service = await session.scalar(select(TenantService).where(TenantService.code == "skck-baru"))
            entry = (await session.scalars(select(AuditEntry).where(AuditEntry.entity == "service")
                                           .order_by(AuditEntry.id.desc()))).first()
            return service.retention_days, entry.after

    days, after = run(read())
    assert days == 90 and after["retention_days"] == 90
