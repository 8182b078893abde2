"""Each step is told to the applicant once, after the commit, in their language: e-mail through a real
SMTP server, the phone through its adapter (logged, masked); a lost message is sent by the sweep."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import dramatiq
import pytest
from sqlalchemy import select

from satupintu import jobs, notify
from satupintu.applications import notifications, tasks
from satupintu.applications.models import ApplicationEvent
from satupintu.db import make_engine, make_sessionmaker
from tests.applications.conftest import FEMALE, FRIDAY_9, MALE, prepare_service
from tests.conftest import capture_sends, csrf_of, in_tenant, run, sign_in, smtp_settings

API = "/api/v1/tenants/banyuwangi/applications"


@pytest.fixture
def queued(monkeypatch):
    """The jobs the requests queue (not run): (tenant_id, event_id) per job."""
    return capture_sends(monkeypatch, tasks.notify_event)


def _smtp_settings(client, smtp, port: int | None = None):
    return smtp_settings(client.database, smtp, port=port)


def _send(client, settings, tenant_id: int, event_id: int, notifier=None) -> int:
    async def work():
        engine = make_engine(client.database.url)
        try:
            async with in_tenant(client.database.url, "banyuwangi") as session:
                tenant = await notifications.tenant_of(session, tenant_id)
                return await notifications.send_event(
                    session, tenant, event_id, notifier or notify.from_settings(settings),
                    secret_key=settings.secret_key, base_url=settings.public_url)
        finally:
            await engine.dispose()

    return run(work())


def test_each_step_is_mailed_once_after_the_commit_in_the_applicants_language(client, people, clock, smtp, queued):
    code = prepare_service(client.database.url)
    made = client.post(API, json={"service": code, "applicant": {"nik": FEMALE, "name": "Siti Aminah",
                                                                 "email": "siti@contoh.id"}},
                       headers={"Accept-Language": "en"})
    number = made.json()["tracking_number"]
    refused = client.post(API, json={"service": code, "applicant": {"nik": "1", "name": "Siti"}})
    assert refused.status_code == 422
    assert len(queued) == 1  # the refused request rolled back and queued nothing
    settings = _smtp_settings(client, smtp)
    assert _send(client, settings, *queued[0]) == 1
    assert _send(client, settings, *queued[0]) == 0  # a redelivered message sends nothing more
    (to, mail), = smtp.messages
    assert to == ["siti@contoh.id"] and mail["Subject"] == f"Application {number} at MPP Kabupaten Banyuwangi"
    body = mail.get_payload(decode=True).decode()
    assert f"Your application {number} for" in body and "09-03-2027" in body
    assert f"http://testserver.local/banyuwangi/lacak/{number}" in body
    assert FEMALE not in body and "Siti" not in body

    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    token = csrf_of(client)
    client.post(f"/banyuwangi/permohonan/{number}/tolak", data={"_csrf_token": token, "reason": "KK tidak terbaca"})
    assert len(queued) == 2
    _send(client, settings, *queued[1])
    rejected = smtp.messages[1][1].get_payload(decode=True).decode()
    assert f"Your application {number} was rejected." in rejected and "Reason: KK tidak terbaca" in rejected


def test_indonesian_and_a_phone_through_its_adapter(client, clock, queued):
    code = prepare_service(client.database.url)
    number = client.post(API, json={"service": code, "applicant": {"nik": MALE, "name": "Budi",
                                                                   "phone": "0812 3456 7890"}}).json()["tracking_number"]

    class Recorder:
        def __init__(self):
            self.sent = []

        async def send(self, to, message):
            self.sent.append((to, message))

    recorder = Recorder()
    assert _send(client, client.database.settings(), *queued[0], notifier=recorder) == 1
    (to, message), = recorder.sent
    assert to == notify.Recipient("whatsapp", "+6281234567890")
    assert message.body.startswith(f"Permohonan {number} Anda untuk ") and "sudah diterima" in message.body


def test_the_sweep_sends_what_a_lost_job_did_not_and_a_failure_is_retried(client, clock, smtp, queued):
    code = prepare_service(client.database.url)
    number = client.post(API, json={"service": code, "applicant": {"nik": MALE, "name": "Budi",
                                                                   "email": "budi@contoh.id"}}).json()["tracking_number"]
    settings = _smtp_settings(client, smtp)

    def sweep(at, notifier=None):
        async def work():
            engine = make_engine(client.database.url)
            try:
                return await notifications.sweep(make_sessionmaker(engine), notifier or notify.from_settings(settings),
                                                 secret_key=settings.secret_key, base_url=settings.public_url, now=at)
            finally:
                await engine.dispose()

        return run(work())

    assert sweep(FRIDAY_9 + timedelta(minutes=1)) == 0  # the job's own chance first
    broken = notify.Channels({"email": notify.EmailNotifier(_smtp_settings(client, smtp, port=1).smtp)})
    assert sweep(FRIDAY_9 + timedelta(minutes=6), broken) == 0  # SMTP down: the claim rolls back
    assert sweep(FRIDAY_9 + timedelta(minutes=11)) == 1
    assert sweep(FRIDAY_9 + timedelta(minutes=16)) == 0
    assert len(smtp.messages) == 1 and number in smtp.messages[0][1]["Subject"]
    assert _send(client, settings, *queued[0]) == 0  # the job, arriving late, finds it sent


def test_the_job_runs_on_a_worker(client, clock, smtp, queued, monkeypatch):
    """The actor itself, on an in-process broker with a worker, against a real SMTP server."""
    from dramatiq.brokers.stub import StubBroker

    from satupintu.broker import with_asyncio

    code = prepare_service(client.database.url)
    client.post(API, json={"service": code, "applicant": {"nik": MALE, "name": "Budi", "email": "budi@contoh.id"}})
    settings = _smtp_settings(client, smtp)
    for name, value in {"SATUPINTU_DATABASE_URL": client.database.url, "SATUPINTU_SECRET_KEY": settings.secret_key,
                        "SATUPINTU_PUBLIC_URL": settings.public_url, "SATUPINTU_SMTP_HOST": "127.0.0.1",
                        "SATUPINTU_SMTP_PORT": str(smtp.port), "SATUPINTU_SMTP_SECURITY": "none",
                        "SATUPINTU_SMTP_FROM": "mpp@banyuwangi.test"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delattr(tasks.notify_event, "send")  # the real sending again
    broker = with_asyncio(StubBroker())
    broker.emit_after("process_boot")
    original = tasks.notify_event.broker
    broker.declare_actor(tasks.notify_event)
    tasks.notify_event.broker = broker
    jobs.runtime.reset()
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        tasks.notify_event.send(*queued[0])
        tasks.notify_event.send(*queued[0])  # delivered twice: told once
        broker.join(tasks.notify_event.queue_name, timeout=60_000)
        worker.join()
    finally:
        worker.stop()
        tasks.notify_event.broker = original
        jobs.runtime.reset()
    assert len(smtp.messages) == 1

    async def sent_at():
        async with in_tenant(client.database.url, "banyuwangi") as session:
            return await session.scalar(select(ApplicationEvent.notified_at).where(ApplicationEvent.id == queued[0][1]))

    assert run(sent_at()) is not None


def test_no_personal_data_in_any_log_line_or_url(capsys, client, people, clock, queued):
    """Everything logged while a citizen applies, staff verify and finish, and the applicant is told
    (the phone through the logging adapter), and every URL those requests used: no NIK, name or phone."""
    from satupintu import logs

    logs.configure()  # into this test's captured stderr (the app configured them when it was made)
    capsys.readouterr()
    code = prepare_service(client.database.url)
    urls = []
    client.event_hooks["request"] = [lambda request: urls.append(str(request.url))]
    token = csrf_of(client)
    applied = client.post(f"/banyuwangi/layanan/{code}/ajukan", data={
        "_csrf_token": token, "nik": FEMALE, "name": "Siti Aminah", "phone": "0812 3456 7890",
        "email": "siti.aminah@contoh.id"})
    number = re.search(r"/lacak/([A-Z0-9]{10})", str(applied.url)).group(1)
    assert client.post(API, json={"service": code, "applicant": {"nik": FEMALE, "name": "Siti Aminah",
                                                                 "phone": "081234567890"}}).status_code == 201
    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    token = csrf_of(client)
    client.get("/banyuwangi/permohonan/")
    client.get(f"/banyuwangi/permohonan/{number}")
    for step in ("verifikasi", "selesai"):
        assert client.post(f"/banyuwangi/permohonan/{number}/{step}", data={"_csrf_token": token}).status_code == 200
    client.get(f"/banyuwangi/lacak/{number}")
    for tenant_id, event_id in queued:
        _send(client, client.database.settings(), tenant_id, event_id)  # e-mail unset, phone: logged
    logged = capsys.readouterr()
    text = logged.out + logged.err
    assert "request" in text and "notification not sent" in text  # the logs were captured
    for secret in (FEMALE, FEMALE[:12], "Siti", "Aminah", "3456 7890", "34567890", "siti.aminah"):
        assert secret not in text, f"{secret!r} was logged"
        assert not any(secret in url for url in urls), f"{secret!r} in a URL"
    assert json.dumps(urls).count(number) >= 3


def test_the_scheduler_runs_the_sweep_every_five_minutes(client, clock, smtp, queued):
    from satupintu.benchmarks import schedule

    code = prepare_service(client.database.url)
    client.post(API, json={"service": code, "applicant": {"nik": MALE, "name": "Budi", "email": "budi@contoh.id"}})
    job = next(job for job in schedule.jobs(_smtp_settings(client, smtp)) if job.id == "application-notices")
    assert job.trigger.fields[6].expressions[0].step == 5  # minute="*/5"
    clock(FRIDAY_9 + timedelta(minutes=6))
    job.run()
    job.run()
    (to, mail), = smtp.messages
    assert to == ["budi@contoh.id"] and "Permohonan" in mail["Subject"]
