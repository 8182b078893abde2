"""Test fixtures: every database test runs on SQLite and, when SATUPINTU_TEST_POSTGRES_URL is set,
on PostgreSQL too, connecting as the unprivileged app role so that row-level security is real.

Each backend is migrated and loaded with the four regencies' packs once per session into a
template; each test gets its own copy (a file copy on SQLite, ``CREATE DATABASE ... TEMPLATE``
on PostgreSQL), so tests are independent and fast.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from satupintu import migrate
from satupintu.config import Settings
from satupintu.tenants.packs import available_packs

PG_URL = os.environ.get("SATUPINTU_TEST_POSTGRES_URL")
APP_ROLE = "satupintu_test_app"
PACKS = [str(p.parent) for p in available_packs()]
_counter = itertools.count()
SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"


@dataclass
class Database:
    backend: str
    url: str  # what the application uses (the app role on PostgreSQL)
    owner_url: str  # what migrations use

    def settings(self, **env: str) -> Settings:
        return Settings.from_env({
            "SATUPINTU_DATABASE_URL": self.url,
            "SATUPINTU_MIGRATION_DATABASE_URL": self.owner_url,
            "SATUPINTU_SECRET_KEY": SECRET_KEY,
            "SATUPINTU_DB_APP_ROLE": APP_ROLE,
            "SATUPINTU_PUBLIC_URL": "http://testserver.local",
            **env,
        })


def _pg(url: str, database: str, user: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql+asyncpg", database=database)
    if user:
        parsed = parsed.set(username=user, password=None)
    return parsed.render_as_string(hide_password=False)


def _pg_admin(statement: str) -> None:
    asyncio.run(_pg_admin_async(statement))


async def _pg_admin_async(statement: str) -> None:
    import asyncpg

    url = make_url(PG_URL)
    connection = await asyncpg.connect(user=url.username or "postgres", password=url.password,
                                       host=url.host or "127.0.0.1", port=url.port or 5432,
                                       database=url.database or "postgres")
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def load_packs(database: Database, packs: list[str] = PACKS) -> None:
    from satupintu.cli import _load

    asyncio.run(_load(database.settings(), packs))
    asyncio.run(_seed_every_table(database))


async def _seed_every_table(database: Database) -> None:
    """A row in every tenant-owned table for every tenant, so isolation tests have something to hide."""
    import datetime as dt

    from sqlalchemy import select

    from satupintu.accounts.models import IdentityProvider, Role, StaffAccount
    from satupintu.agencies.models import Holiday
    from satupintu.onboarding.models import OnboardingState
    from satupintu.audit.models import AuditEntry
    from satupintu.db import make_engine, make_sessionmaker, tenant_session
    from satupintu.tenants.models import Tenant

    engine = make_engine(database.url)
    maker = make_sessionmaker(engine)
    async with tenant_session(maker, None) as session:
        tenants = (await session.scalars(select(Tenant))).all()
    for tenant in tenants:
        async with tenant_session(maker, tenant.id) as session:
            session.add_all([
                StaffAccount(email=f"kepala@{tenant.slug}.test", name=f"Kepala MPP {tenant.name}", role=Role.TENANT_ADMIN),
                Holiday(day=dt.date(2026, 8, 17), name="Hari Kemerdekaan RI"),
                OnboardingState(steps={"profil": "2026-01-01T00:00:00+00:00"}, import_status="done"),
                IdentityProvider(issuer=f"https://sso.{tenant.slug}.test", client_id=tenant.slug, client_secret="-",
                                 admin_values=["admin"], enabled=False),
                AuditEntry(actor="seed@satupintu.test", actor_role="tenant_admin", action="create", entity="seed",
                           entity_key=tenant.slug),
            ])
            # knowledge and transfer: the seeded innovation is private, so nothing reaches the public pages
            from satupintu.knowledge.models import ModuleProgress, QuizAttempt
            from satupintu.transfer.models import Innovation, Mou, StudyVisit

            kepala = await session.scalar(select(StaffAccount).where(StaffAccount.email == f"kepala@{tenant.slug}.test"))
            session.add_all([
                ModuleProgress(staff_id=kepala.id, module_slug="dasar-hukum-mpp", checklist_done=[0], attempts=0),
                QuizAttempt(staff_id=kepala.id, module_slug="dasar-hukum-mpp", answers=[0], correct=0, total=4,
                            score=0, passed=False),
                StudyVisit(role="host", counterpart_name=f"Tamu rahasia {tenant.slug}", topics=["uji"]),
                Mou(title=f"MoU rahasia {tenant.slug}", counterpart_name="Daerah lain", scope="uji", status="draft"),
                Innovation(key="inovasi-rahasia", title=f"Inovasi rahasia {tenant.slug}", summary="uji",
                           category="lainnya", status="pilot", public=False),
            ])
            # benchmarks: aggregates only (a survey period, an evaluation year, a month of figures)
            from satupintu.benchmarks.models import MonthlyOperations, ServiceEvaluation, SurveyResult

            session.add_all([
                SurveyResult(period="2026-S1", source="summary", respondents=100, totals=[3_400_000] * 9),
                ServiceEvaluation(year=2025, scores={"kebijakan": 400, "sdm": 400, "sarpras": 400, "sipp": 400,
                                                     "pengaduan": 400, "inovasi": 400}),
                MonthlyOperations(month="2026-05", visitors=1000, transactions=800, complaints_received=10,
                                  complaints_on_time=9),
            ])
            await _seed_queue(session, tenant, kepala)
            await _seed_applications(session, tenant, kepala, database.settings().secret_key)
            await _seed_village(session, tenant, kepala)
            from satupintu.open311 import keys as open311_keys

            await open311_keys.create(session, f"Sistem uji {tenant.slug}")
            await _seed_complaints(session, tenant, kepala)
    await engine.dispose()


SEEDED_NIK = "3510015708850001"
"""The NIK of every seeded application (a woman born 17-08-1985 in Banyuwangi): no page may show it."""


async def _seed_applications(session, tenant, staff, secret_key: str) -> None:
    """An application (with its checklist and a verified step) per regency, submitted long ago."""
    import datetime as dt

    from satupintu.applications import service as applications
    from satupintu.applications.models import ApplicationStatus
    from satupintu.queue import service as queue
    from satupintu.security import Principal

    code = (await queue.queue_services(session))[0][1][0].code
    when = dt.datetime(2020, 1, 6, 3, 0, tzinfo=dt.UTC)
    made = await applications.submit(session, tenant, code, SEEDED_NIK, f"Warga Rahasia {tenant.slug}",
                                     email=f"warga@{tenant.slug}.test", phone="081234567890",
                                     secret_key=secret_key, now=when)
    await applications.advance(session, made, ApplicationStatus.VERIFIED,
                               Principal("staff", staff.id, staff.email, staff.name, "tenant_admin", tenant.id,
                                         tenant.slug), now=when)
    await _seed_permit(session, made, when)


async def _seed_permit(session, application, when) -> None:
    """A permit issued first whose documents were completed long ago, so no sweep touches it, a
    delivery handed over long ago (its address erased) and a life-event bundle."""
    import datetime as dt

    from satupintu.applications.bundles import Bundle
    from satupintu.applications.delivery import Delivery, DeliveryStatus
    from satupintu.applications.permits import Permit

    session.add_all([
        Permit(application_id=application.id, issued_at=when, documents_due_at=when + dt.timedelta(days=30),
               completed_at=when),
        Delivery(application_id=application.id, status=DeliveryStatus.DELIVERED, code_digest="0" * 64,
                 requested_at=when, delivered_at=when),
        Bundle(life_event="kelahiran", submitted_at=when),
    ])


async def _seed_village(session, tenant, staff) -> None:
    """A village service point and an operator row (the head of the mall stands in: the row is there
    for the isolation walks; tests make their own village operators)."""
    from satupintu.applications.villages import Village, VillageKind, VillageOperator

    village = Village(code=f"{tenant.region_code}.01.2001", name=f"Desa Uji {tenant.slug}", kind=VillageKind.DESA)
    session.add(village)
    await session.flush()
    session.add(VillageOperator(staff_id=staff.id, village_id=village.id))


async def _seed_complaints(session, tenant, staff) -> None:
    """A complaint (received long ago, answered late, resolved and closed, so no sweep touches it and no
    recent month's statistics count it), its events and its breach."""
    import datetime as dt

    from satupintu.complaints import service as complaints
    from satupintu.complaints.models import BreachKind, ComplaintBreach

    then = dt.datetime(2020, 1, 6, 3, 0, tzinfo=dt.UTC)
    complaint = await complaints.create_complaint(
        session, tenant, category_code="sikap-petugas", description=f"Pengaduan rahasia {tenant.slug}",
        channel="phone", secret_key=SECRET_KEY, contact=complaints.Contact(name="Warga Rahasia", phone="081234567890"),
        recorded_by=staff.id, now=then)
    await complaints.respond(session, tenant, complaint, staff.id, "Sudah kami terima.", now=then + dt.timedelta(days=2))
    await complaints.resolve(session, tenant, complaint, staff.id, "Sudah selesai.", now=then + dt.timedelta(days=3))
    await complaints.close(session, complaint, staff.id, now=then + dt.timedelta(days=4))
    session.add(ComplaintBreach(complaint_id=complaint.id, agency_id=complaint.agency_id, kind=BreachKind.RESPONSE,
                                due_at=complaint.response_due_at))


async def _seed_queue(session, tenant, staff) -> None:
    """A ticket (with its group and day sequence), a quota, settings, a staffed desk and a booking per regency."""
    import datetime as dt

    from sqlalchemy import select

    from satupintu.agencies.models import Counter
    from satupintu.queue import service as queue
    from satupintu.queue.models import Booking, BookingSlot, BookingStatus, Desk, QueueSettings, ServiceQueueRule

    services = await queue.queue_services(session)
    first = services[0][1][0]
    # Taken long ago: the ministry's monthly figures (36 months) and the control room stay empty
    # until a test makes its own history.
    ticket = await queue.take_ticket(session, tenant, first.code, always_open=True,
                                     now=dt.datetime(2020, 1, 6, 3, 0, tzinfo=dt.UTC))
    counter = await session.scalar(select(Counter).order_by(Counter.id))
    session.add_all([QueueSettings(priority_weight=10), ServiceQueueRule(service_id=ticket.service_id, daily_quota=500),
                     Desk(counter_id=counter.id, staff_id=staff.id)])
    # a checked-in booking (with its slot's count) of a slot long past, so no sweep touches it
    slot = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)
    session.add_all([BookingSlot(group_id=ticket.group_id, starts_at=slot, booked=1),
                     Booking(group_id=ticket.group_id, service_id=ticket.service_id, day=slot.date(), slot_start=slot,
                             slot_end=slot + dt.timedelta(minutes=30), release_at=slot + dt.timedelta(minutes=15),
                             status=BookingStatus.CHECKED_IN, ticket_id=ticket.id)])
    # a satisfaction survey answered for a visit of long ago (the ministry's latest IKM stays the upload's)
    from satupintu.queue.models import CounterGroup
    from satupintu.survey.models import SurveyResponse

    group = await session.get(CounterGroup, ticket.group_id)
    session.add(SurveyResponse(transaction_kind="ticket", transaction_digest=f"seed-{tenant.slug}",
                               service_id=ticket.service_id, agency_id=group.agency_id, location_id=group.location_id,
                               month="2020-01", **{f"u{n}": 3 for n in range(1, 10)}, comment="Komentar rahasia"))


def _check_postgres() -> None:
    try:
        _pg_admin("SELECT 1")
    except Exception as exc:  # noqa: BLE001
        pytest.exit(f"SATUPINTU_TEST_POSTGRES_URL is set but PostgreSQL is unreachable: {exc}", returncode=3)


BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Database]]:
    """One migrated, loaded template database per backend."""
    made: dict[str, Database] = {}
    root = tmp_path_factory.mktemp("db")
    sqlite = root / "template.db"
    made["sqlite"] = Database("sqlite", f"sqlite+aiosqlite:///{sqlite}", f"sqlite+aiosqlite:///{sqlite}")
    migrate.upgrade(made["sqlite"].owner_url)
    load_packs(made["sqlite"])
    pg_template = None
    if PG_URL:
        _check_postgres()
        try:
            asyncio.run(migrate.create_role(_pg(PG_URL, "postgres"), APP_ROLE))
        except Exception:  # noqa: BLE001 - a parallel test worker created it first
            asyncio.run(migrate.create_role(_pg(PG_URL, "postgres"), APP_ROLE))
        pg_template = f"satupintu_tpl_{os.getpid()}"
        _pg_admin(f"DROP DATABASE IF EXISTS {pg_template}")
        _pg_admin(f"CREATE DATABASE {pg_template}")
        made["postgresql"] = Database("postgresql", _pg(PG_URL, pg_template, APP_ROLE), _pg(PG_URL, pg_template))
        migrate.upgrade(made["postgresql"].owner_url, app_role=APP_ROLE)
        load_packs(made["postgresql"])
    yield made
    if pg_template:
        _pg_admin(f"DROP DATABASE IF EXISTS {pg_template} WITH (FORCE)")


def fresh_database(backend: str, tmp_path: Path, template: Database | None = None) -> Iterator[Database]:
    """A database of its own for one test: a copy of the template, or empty when template is None."""
    if backend == "sqlite":
        path = tmp_path / f"test-{next(_counter)}.db"
        if template is not None:
            shutil.copy(make_url(template.url).database, path)
        url = f"sqlite+aiosqlite:///{path}"
        yield Database("sqlite", url, url)
        return
    name = f"satupintu_t_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    if template is not None:
        _pg_admin(f"CREATE DATABASE {name} TEMPLATE {make_url(template.owner_url).database}")
    else:
        _pg_admin(f"CREATE DATABASE {name}")
    try:
        yield Database("postgresql", _pg(PG_URL, name, APP_ROLE), _pg(PG_URL, name))
    finally:
        _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, templates: dict[str, Database], tmp_path: Path) -> Iterator[Database]:
    """A database loaded with the four regencies, private to this test, on each backend."""
    yield from fresh_database(request.param, tmp_path, templates[request.param])


@pytest.fixture(params=BACKENDS)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path, templates: dict[str, Database]) -> Iterator[Database]:
    """A database with no schema at all, on each backend."""
    yield from fresh_database(request.param, tmp_path)


def app_client(database: Database, **env: str) -> Iterator:
    """A test client of the whole application (outer layers included) on ``database``."""
    from litestar.testing import TestClient

    from satupintu.app import create_app, wrap

    app = create_app(database.settings(**env))
    with TestClient(app=wrap(app), raise_server_exceptions=False) as test_client:
        test_client.litestar_app = app
        test_client.database = database
        yield test_client


@pytest.fixture
def client(database: Database) -> Iterator:
    yield from app_client(database)


@pytest.fixture
def pg_database(templates: dict[str, Database], tmp_path: Path) -> Iterator[Database]:
    """The loaded database on PostgreSQL only (row-level security has no SQLite counterpart)."""
    if not PG_URL:
        pytest.skip("SATUPINTU_TEST_POSTGRES_URL is not set (CI always sets it)")
    yield from fresh_database("postgresql", tmp_path, templates["postgresql"])


@contextlib.asynccontextmanager
async def in_tenant(url: str, slug: str):
    """A session bound to the regency ``slug`` of the database at ``url`` (committed at the end)."""
    from satupintu.db import make_engine, make_sessionmaker, tenant_session
    from satupintu.tenants import service as tenants_service

    engine = make_engine(url)
    maker = make_sessionmaker(engine)
    try:
        async with tenant_session(maker, None) as session:
            tenant = await tenants_service.get_by_slug(session, slug)
        async with tenant_session(maker, tenant.id) as session:
            yield session
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def serving(database: Database, **env: str) -> AsyncIterator:
    """The whole app (started, outer layers included) on this test's event loop: requests sent from
    concurrent tasks run concurrently in it, as they do in a server's loop. The client's ``app`` is
    the Litestar application."""
    import httpx

    from satupintu.app import create_app, wrap

    app = create_app(database.settings(**env))
    async with app.lifespan(), httpx.AsyncClient(transport=httpx.ASGITransport(app=wrap(app)),
                                                 base_url="http://testserver.local") as client:
        client.app = app
        yield client


def run(coro):
    """Run a coroutine from a synchronous test."""
    return asyncio.run(coro)


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes() -> Iterator[None]:
    """argon2id at its lowest cost inside the test process: hashes stay argon2id (verified in
    tests/accounts), but each costs well under a millisecond instead of tens, which `people` pays six
    times per test. Commands run as subprocesses keep the production cost."""
    from argon2 import PasswordHasher

    from satupintu import security

    saved = security._hasher, security._DUMMY
    security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    security._DUMMY = security._hasher.hash("satupintu-dummy-password")
    yield
    security._hasher, security._DUMMY = saved


@pytest.fixture(scope="session", autouse=True)
def handler_type_hints_read_once() -> Iterator[None]:
    """Litestar resolves every handler's and dependency's type hints each time an application is built
    (nearly 2,000 string annotations, compiled afresh: half of ``create_app``'s CPU time), and most
    tests build one. Inside the test process each function's hints are resolved once, for the same
    namespace (the same names bound to the same objects), and handed out as a copy afterwards: the
    same hints, so the application is the one production builds."""
    import litestar.utils.signature as signature

    resolve = signature.get_fn_type_hints
    resolved: dict[tuple, tuple[tuple, dict[str, Any]]] = {}  # the namespace's objects kept alive: ids stay theirs

    def once(fn: Any, namespace: dict[str, Any] | None = None) -> dict[str, Any]:
        names = sorted((namespace or {}).items())
        key = (fn, tuple((name, id(value)) for name, value in names))
        try:
            entry = resolved.get(key)
        except TypeError:  # an unhashable callable
            return resolve(fn, namespace)
        if entry is None:
            entry = resolved[key] = (tuple(value for _, value in names), resolve(fn, namespace))
        return dict(entry[1])

    signature.get_fn_type_hints = once
    yield
    signature.get_fn_type_hints = resolve


@pytest.fixture(autouse=True)
def empty_in_process_broker() -> Iterator[None]:
    """Each test starts and ends with the in-process broker's queues empty. Jobs a test enqueued and
    left (a notice after an application step, say) would otherwise be run by a later test's worker
    without that test's settings, fail, and wait in the delay queue, where `broker.join` waits too."""
    from dramatiq.brokers.stub import StubBroker

    from satupintu.broker import broker

    if isinstance(broker, StubBroker):
        broker.flush_all()
    yield
    if isinstance(broker, StubBroker):
        broker.flush_all()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests last: while Playwright is open, asyncio.run() cannot be used in this thread."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


PASSWORD = "kata-sandi-uji-123"


def create_account(database: Database, email: str, role: str, tenant: str | None = None,
                   password: str = PASSWORD) -> None:
    from satupintu.cli import _create_user

    asyncio.run(_create_user(database.settings(), email, email.split("@")[0].title(), role, tenant, password))


def csrf_of(client) -> str:
    """The CSRF token of the client's session: fetch a page to get the cookie, return its token."""
    import re

    page = client.get("/masuk")
    match = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert match, "no CSRF token on the sign-in page"
    return match.group(1)


def sign_in(client, email: str, slug: str | None = None, password: str = PASSWORD):
    token = csrf_of(client)
    path = f"/{slug}/masuk" if slug else "/masuk"
    return client.post(path, data={"email": email, "password": password, "_csrf_token": token},
                       follow_redirects=False)


class Inbox:
    """What the local SMTP server (``smtp``) received: (recipients, message) per e-mail."""

    def __init__(self) -> None:
        self.messages: list = []
        self.port = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        from email import message_from_bytes

        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.original_content)))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[Inbox]:
    """A real SMTP server (aiosmtpd) on a free local port, keeping what it receives."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:  # a free port (aiosmtpd checks that it answers, so not port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port
    yield inbox
    controller.stop()


def smtp_settings(database: Database, smtp: Inbox, *, sender: str = "mpp@banyuwangi.test", port: int | None = None):
    """The app's settings with e-mail going out through the local SMTP server ``smtp`` (or ``port``)."""
    return database.settings(SATUPINTU_SMTP_HOST="127.0.0.1", SATUPINTU_SMTP_PORT=str(port or smtp.port),
                             SATUPINTU_SMTP_SECURITY="none", SATUPINTU_SMTP_FROM=sender)


def capture_sends(monkeypatch: pytest.MonkeyPatch, actor) -> list[tuple]:  # noqa: ANN001 - a Dramatiq actor
    """The jobs the code queues on ``actor`` (not run): the arguments of each."""
    sent: list[tuple] = []
    monkeypatch.setattr(actor, "send", lambda *args: sent.append(args))
    return sent


@pytest.fixture
def people(database: Database) -> dict[str, str]:
    """One admin and one operator in Banyuwangi and in Bangkalan, a ministry viewer, a platform admin."""
    accounts = {
        "admin_a": ("admin@banyuwangi.test", "tenant_admin", "banyuwangi"),
        "operator_a": ("loket@banyuwangi.test", "operator", "banyuwangi"),
        "admin_b": ("admin@bangkalan.test", "tenant_admin", "bangkalan"),
        "operator_b": ("loket@bangkalan.test", "operator", "bangkalan"),
        "ministry": ("pengamat@kemenpan.test", "ministry_viewer", None),
        "platform": ("platform@satupintu.test", "platform_admin", None),
    }
    for email, role, tenant in accounts.values():
        create_account(database, email, role, tenant)
    return {key: value[0] for key, value in accounts.items()}
