"""The ``satupintu`` command: serve, worker, database, tenants, catalogue and the demo."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

import click

from satupintu.config import ConfigError, Settings
from satupintu.datafiles import DataFileError


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
def main() -> None:
    """SatuPintu: one door to every public service of a regency."""


def server_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn runs the app: X-Forwarded-For counts only from the proxies the settings trust
    (the client is the right-most address that is not one of them)."""
    return {"proxy_headers": True, "forwarded_allow_ips": settings.forwarded_allow_ips, "log_level": "warning",
            "access_log": False}


def _serve(settings: Settings, host: str | None, port: int | None, worker: bool) -> None:
    import uvicorn

    from satupintu.app import asgi

    uvicorn.run(lambda: asgi(run_worker=worker), factory=True, host=host or settings.host,
                port=port or settings.port, **server_options(settings))


@main.command()
@click.option("--host", default=None, help="Address to listen on (SATUPINTU_HOST).")
@click.option("--port", type=int, default=None, help="Port (SATUPINTU_PORT).")
@click.option("--worker/--no-worker", default=None,
              help="Run Dramatiq worker threads in this process (default: only with the in-process broker).")
def serve(host: str | None, port: int | None, worker: bool | None) -> None:
    """Run the web server."""
    settings = _settings()
    _serve(settings, host, port, settings.broker_kind == "memory" if worker is None else worker)


@main.command()
@click.option("--threads", default=4, show_default=True, help="Worker threads.")
@click.option("--heartbeat", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Touch this file while every worker thread is alive (the liveness probe reads its age).")
def worker(threads: int, heartbeat: Path | None) -> None:
    """Run a Dramatiq worker for the configured broker."""
    import dramatiq

    settings = _settings()
    if settings.broker_kind == "memory":
        raise click.ClickException(
            "SATUPINTU_BROKER_URL is the in-process broker; `satupintu serve` already runs its workers. "
            "Set redis://... or amqp://... to run separate workers."
        )
    from satupintu import logs, tasks

    logs.configure(json=settings.log_json)
    running = dramatiq.Worker(tasks.broker.broker, worker_threads=threads)
    running.start()
    if heartbeat is not None:
        from satupintu.heartbeat import Heartbeat, dramatiq_worker_alive

        Heartbeat(heartbeat, dramatiq_worker_alive(running)).start()
    click.echo(f"worker running with {threads} threads on {settings.broker_kind}")
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    loop.run_until_complete(stop.wait())
    running.stop()


@main.group()
def db() -> None:
    """Database schema and roles."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Migrate with SATUPINTU_MIGRATION_DATABASE_URL (the owner) and grant the app role its rights."""
    from satupintu import migrate

    settings = _settings()
    try:
        migrate.upgrade(settings.migration_database_url, revision,
                        app_role=settings.app_role if settings.is_postgres else None)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"cannot reach the database: {exc}") from exc
    click.echo(f"database at {revision}")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Step the schema back to REVISION (``base`` removes everything)."""
    from satupintu import migrate

    migrate.downgrade(_settings().migration_database_url, revision)
    click.echo(f"database at {revision}")


@db.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    from satupintu import migrate

    migrate.revision(_settings().migration_database_url, message)


@db.command("create-role")
@click.option("--password", envvar="SATUPINTU_DB_APP_PASSWORD", default=None,
              help="Password for the role (SATUPINTU_DB_APP_PASSWORD); none for trust/peer auth.")
def db_create_role(password: str | None) -> None:
    """Create the application's database role: login, no superuser, no BYPASSRLS, owns nothing."""
    from satupintu import migrate

    settings = _settings()
    if not settings.migration_database_url.startswith("postgresql"):
        raise click.ClickException("create-role is for PostgreSQL; SQLite has no roles")
    created = asyncio.run(migrate.create_role(settings.migration_database_url, settings.app_role, password))
    click.echo(f"role {settings.app_role} {'created' if created else 'already exists (privileges checked)'}")


@main.group()
def tenants() -> None:
    """Regencies on this deployment."""


async def _load(settings: Settings, packs: list[str], only_missing: bool = False,
                catalogue_dir: str | None = None) -> list[str]:
    from satupintu.catalogue.shared import DEFAULT_CATALOGUE_DIR, load_catalogue
    from satupintu.db import make_engine, make_sessionmaker, tenant_session
    from satupintu.tenants import service
    from satupintu.tenants.packs import load_pack, pack_path

    shared = load_catalogue(Path(catalogue_dir) if catalogue_dir else DEFAULT_CATALOGUE_DIR)
    engine = make_engine(settings.database_url)
    lines = []
    try:
        maker = make_sessionmaker(engine)
        for pack in packs:
            if only_missing:
                async with tenant_session(maker, None) as session:
                    if await service.get_by_slug(session, load_pack(pack_path(pack)).slug):
                        continue
            async with tenant_session(maker, None) as session:
                result = await service.provision_from_path(session, pack, shared)
            lines.append(f"{'created' if result.created else 'updated'} {result.slug}: "
                         f"{result.services_enabled} services, {result.agencies} agencies, "
                         f"{result.locations} locations, {result.counters} counters")
    finally:
        await engine.dispose()
    return lines


@tenants.command("load")
@click.argument("packs", nargs=-1)
@click.option("--catalogue", "directory", default=None, help="Catalogue directory (default: the shipped one).")
def tenants_load(packs: tuple[str, ...], directory: str | None) -> None:
    """Load tenant packs (slugs under tenants/ or paths); all packs when none are named."""
    from satupintu.tenants.packs import available_packs

    settings = _settings()
    names = list(packs) or [str(p.parent) for p in available_packs()]
    try:
        for line in asyncio.run(_load(settings, names, catalogue_dir=directory)):
            click.echo(line)
    except DataFileError as exc:
        raise click.ClickException(f"nothing was loaded from that pack: {exc}") from exc


@tenants.command("export")
@click.argument("slug")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to this file (default: standard output).")
def tenants_export(slug: str, out: str | None) -> None:
    """Write a tenant's whole configuration as a pack (tenant.toml) that `tenants load` reads."""
    text = asyncio.run(_export(_settings(), slug))
    if out:
        Path(out).write_text(text, encoding="utf-8")
        click.echo(f"exported {slug} to {out}")
    else:
        click.echo(text, nl=False)


async def _export(settings: Settings, slug: str) -> str:
    from satupintu.db import make_engine, make_sessionmaker, tenant_session
    from satupintu.tenants import service

    engine = make_engine(settings.database_url)
    try:
        async with tenant_session(make_sessionmaker(engine), None) as session:
            tenant = await service.get_by_slug(session, slug)
            if tenant is None:
                raise click.ClickException(f"unknown tenant {slug!r}; see `satupintu tenants list`")
            return await service.export_pack(session, tenant)
    finally:
        await engine.dispose()


@tenants.command("remove")
@click.argument("slug")
@click.option("--export-then-erase", "erase", is_flag=True,
              help="The regency has data: write every row to files first (one JSON file per table), then erase.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="A new directory for the export (default: var/removed/SLUG-TIME).")
def tenants_remove(slug: str, erase: bool, out: Path | None) -> None:
    """Remove a regency, as the schema owner (SATUPINTU_MIGRATION_DATABASE_URL): refused while it has
    data, unless told to export its rows, the audit log included, and then erase them."""
    from datetime import UTC, datetime

    from satupintu.config import VAR_DIR
    from satupintu.tenants.removal import RemovalRefused, remove

    settings = _settings()
    if erase and out is None:
        out = VAR_DIR / "removed" / f"{slug}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    elif out is not None and not erase:
        raise click.ClickException("--out is where --export-then-erase writes; give both or neither")
    if out is not None and out.exists():
        raise click.ClickException(f"{out} exists; the export goes into a new directory")
    try:
        removal = asyncio.run(remove(settings.migration_database_url, slug, out if erase else None))
    except RemovalRefused as exc:
        raise click.ClickException(str(exc)) from exc
    if removal.directory is not None:
        click.echo(f"exported {removal.rows + 1} rows of {slug} to {removal.directory}: {', '.join(removal.files)}")
    click.echo(f"removed {slug}" + (f" and its {removal.rows} rows" if removal.rows else ""))


@tenants.command("list")
def tenants_list() -> None:
    """Show every tenant with its status."""
    click.echo("\n".join(asyncio.run(_list(_settings()))) or "no tenants yet")


async def _list(settings: Settings) -> list[str]:
    from satupintu.db import make_engine, make_sessionmaker, tenant_session
    from satupintu.tenants import service

    engine = make_engine(settings.database_url)
    try:
        async with tenant_session(make_sessionmaker(engine), None) as session:
            return [f"{t.slug:<16} {t.region_code:<6} {t.status.value:<11} {t.timezone.value:<5} {t.name}"
                    for t in await service.list_tenants(session)]
    finally:
        await engine.dispose()


@main.group()
def catalogue() -> None:
    """The shared national service catalogue."""


async def _catalogue(settings: Settings, slug: str, directory: str | None, apply: bool):
    from satupintu.catalogue import service as catalogue_service
    from satupintu.catalogue.shared import DEFAULT_CATALOGUE_DIR, load_catalogue
    from satupintu.db import bind_tenant, make_engine, make_sessionmaker, tenant_session
    from satupintu.tenants import service

    shared = load_catalogue(Path(directory) if directory else DEFAULT_CATALOGUE_DIR)
    engine = make_engine(settings.database_url)
    try:
        async with tenant_session(make_sessionmaker(engine), None) as session:
            tenant = await service.get_by_slug(session, slug)
            if tenant is None:
                raise click.ClickException(f"unknown tenant {slug!r}; see `satupintu tenants list`")
            await bind_tenant(session, tenant.id)
            if apply:
                report = await catalogue_service.upgrade_catalogue(session, shared)
                tenant.catalogue_version = shared.version
                return report
            return catalogue_service.plan_upgrade(await catalogue_service.tenant_services(session), shared)
    finally:
        await engine.dispose()


def _print_report(report, applied: bool) -> None:  # noqa: ANN001
    click.echo(f"from {', '.join(report.from_versions) or '-'} to {report.to_version}")
    if report.up_to_date:
        click.echo("up to date")
        return
    for code, fields in sorted(report.changed.items()):
        click.echo(f"  changed  {code}: {', '.join(fields)}")
    for code in report.added:
        click.echo(f"  new      {code}" + (" (offered, not enabled)" if applied else ""))
    for code in report.removed:
        click.echo(f"  removed  {code}" + (" (flagged, kept)" if applied else ""))
    for c in report.conflicts:
        click.echo(f"  CONFLICT {c.code}.{c.field}: shared {c.base!r} -> {c.shared!r}, local {c.local!r} (kept)")


@catalogue.command("diff")
@click.argument("slug")
@click.option("--catalogue", "directory", default=None, help="Catalogue directory (default: the shipped one).")
def catalogue_diff(slug: str, directory: str | None) -> None:
    """What changed in the shared catalogue since SLUG imported it."""
    try:
        _print_report(asyncio.run(_catalogue(_settings(), slug, directory, False)), applied=False)
    except DataFileError as exc:
        raise click.ClickException(str(exc)) from exc


@catalogue.command("upgrade")
@click.argument("slug")
@click.option("--catalogue", "directory", default=None, help="Catalogue directory (default: the shipped one).")
def catalogue_upgrade(slug: str, directory: str | None) -> None:
    """Adopt the shared catalogue's changes, keeping SLUG's overrides; conflicts are listed."""
    try:
        _print_report(asyncio.run(_catalogue(_settings(), slug, directory, True)), applied=True)
    except DataFileError as exc:
        raise click.ClickException(str(exc)) from exc


@catalogue.command("check")
@click.option("--catalogue", "directory", default=None, help="Catalogue directory (default: the shipped one).")
@click.option("--packs", "packs_dir", default=None, help="Directory of tenant packs (default: the shipped ones).")
def catalogue_check(directory: str | None, packs_dir: str | None) -> None:
    """Validate the shared catalogue and every tenant pack against it."""
    from satupintu.catalogue.shared import DEFAULT_CATALOGUE_DIR, load_catalogue
    from satupintu.tenants.packs import PACKS_DIR, available_packs, load_pack
    from satupintu.tenants.service import check_pack

    paths = available_packs(Path(packs_dir) if packs_dir else PACKS_DIR)
    try:
        shared = load_catalogue(Path(directory) if directory else DEFAULT_CATALOGUE_DIR)
        for path in paths:
            check_pack(load_pack(path), shared, path)
    except DataFileError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"catalogue {shared.version}: {len(shared.services)} services, "
               f"{len(shared.categories)} categories, {len(shared.life_events)} life events; "
               f"{len(paths)} tenant packs valid")


@main.group()
def users() -> None:
    """Staff and platform accounts."""


async def _create_user(settings: Settings, email: str, name: str, role: str, tenant_slug: str | None,
                       password: str) -> str:
    from satupintu.accounts import service as accounts
    from satupintu.db import make_engine, make_sessionmaker, tenant_session
    from satupintu.tenants import service

    engine = make_engine(settings.database_url)
    maker = make_sessionmaker(engine)
    try:
        if tenant_slug:
            async with tenant_session(maker, None) as session:
                tenant = await service.get_by_slug(session, tenant_slug)
            if tenant is None:
                raise click.ClickException(f"unknown tenant {tenant_slug!r}; see `satupintu tenants list`")
            async with tenant_session(maker, tenant.id) as session:
                account = await accounts.create_staff(session, email=email, name=name, role=role, password=password)
                return f"created {role} {account.email} in {tenant.slug}"
        async with tenant_session(maker, None) as session:
            account = await accounts.create_platform(session, email=email, name=name, role=role, password=password)
            return f"created {role} {account.email}"
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        await engine.dispose()


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True,
              type=click.Choice(["operator", "tenant_admin", "ministry_viewer", "ministry_verifier", "platform_admin"]))
@click.option("--tenant", "tenant_slug", default=None, help="The regency, for operators and tenant admins.")
@click.password_option(envvar="SATUPINTU_NEW_PASSWORD", help="Asked for when not given (or SATUPINTU_NEW_PASSWORD).")
def users_create(email: str, name: str, role: str, tenant_slug: str | None, password: str) -> None:
    """Create an account with a password (at least 10 characters)."""
    staff = role in ("operator", "tenant_admin")
    if staff and not tenant_slug:
        raise click.ClickException(f"--tenant is required for the role {role}")
    if not staff and tenant_slug:
        raise click.ClickException(f"the role {role} belongs to the platform, not to a tenant; drop --tenant")
    click.echo(asyncio.run(_create_user(_settings(), email, name, role, tenant_slug, password)))


def _demo_logins(settings: Settings, slugs: list[str]) -> list[str]:
    """One admin per regency, a ministry viewer and a platform admin, with passwords made once."""
    import secrets

    from satupintu.config import VAR_DIR

    path = VAR_DIR / "demo-logins.txt"
    if path.exists():
        return path.read_text().splitlines()
    lines = []
    accounts = [(f"admin@{slug}.demo.satupintu.id", f"Admin {slug.title()}", "tenant_admin", slug) for slug in slugs]
    accounts += [("kementerian@demo.satupintu.id", "Pengamat Kementerian", "ministry_viewer", None),
                 ("verifikator@demo.satupintu.id", "Verifikator Kementerian", "ministry_verifier", None),
                 ("platform@demo.satupintu.id", "Admin Platform", "platform_admin", None)]
    for email, name, role, slug in accounts:
        password = secrets.token_urlsafe(12)
        asyncio.run(_create_user(settings, email, name, role, slug, password))
        where = f"/{slug}/masuk" if slug else "/masuk"
        lines.append(f"{where:<22} {email:<40} {password}")
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return lines


def _demo_api_keys(settings: Settings, slugs: list[str]) -> list[str]:
    """One Open311 API key per regency, made once and kept beside the sign-ins (only digests are stored)."""
    from satupintu.config import VAR_DIR

    path = VAR_DIR / "demo-api-keys.txt"
    if path.exists():
        return path.read_text().splitlines()
    lines = [f"{f'/{slug}/open311/v2/':<30} api_key={asyncio.run(_create_api_key(settings, slug, 'Demo'))}"
             for slug in slugs]
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return lines


async def _create_api_key(settings: Settings, slug: str, label: str) -> str:
    from satupintu.db import make_engine, make_sessionmaker, tenant_session
    from satupintu.open311 import keys
    from satupintu.tenants import service

    engine = make_engine(settings.database_url)
    maker = make_sessionmaker(engine)
    try:
        async with tenant_session(maker, None) as session:
            tenant = await service.get_by_slug(session, slug)
        if tenant is None:
            raise click.ClickException(f"unknown tenant {slug!r}; see `satupintu tenants list`")
        async with tenant_session(maker, tenant.id) as session:
            _change, key = await keys.create(session, label)
            return key
    finally:
        await engine.dispose()


async def _demo_transfer(settings: Settings) -> None:
    """The documented study visits, MoU and innovations of the four regencies (idempotent)."""
    from satupintu.db import make_engine, make_sessionmaker
    from satupintu.transfer.service import DEFAULT_DATA_FILE, load_data

    engine = make_engine(settings.database_url)
    try:
        await load_data(make_sessionmaker(engine), DEFAULT_DATA_FILE)
    finally:
        await engine.dispose()


@main.command()
def demo() -> None:
    """Migrate the local database, load the four regencies, and serve them with a worker."""
    from satupintu import migrate
    from satupintu.tenants.packs import available_packs

    settings = _settings()
    migrate.upgrade(settings.migration_database_url, app_role=settings.app_role if settings.is_postgres else None)
    try:
        for line in asyncio.run(_load(settings, [str(p.parent) for p in available_packs()], only_missing=True)):
            click.echo(line)
        asyncio.run(_demo_transfer(settings))
    except DataFileError as exc:
        raise click.ClickException(str(exc)) from exc
    base = f"http://{settings.host}:{settings.port}"
    slugs = [line.split()[0] for line in asyncio.run(_list(settings))]
    click.echo(f"\nSatuPintu is running on {base}/")
    for slug in slugs:
        click.echo(f"  {base}/{slug}/")
    click.echo("\nDemo sign-ins (kept in var/demo-logins.txt):")
    for line in _demo_logins(settings, slugs):
        click.echo(f"  {line}")
    click.echo("Open311 API keys, one per regency (kept in var/demo-api-keys.txt):")
    for line in _demo_api_keys(settings, slugs):
        click.echo(f"  {line}")
    if not settings.production:
        # The demo's queues take tickets at any hour, so the whole flow can be tried after closing time.
        os.environ.setdefault("SATUPINTU_QUEUE_ALWAYS_OPEN", "1")
        click.echo("Queues are open around the clock (SATUPINTU_QUEUE_ALWAYS_OPEN, a demo setting).")
    click.echo("Press Ctrl+C to stop.")
    sys.stdout.flush()
    _serve(settings, None, None, settings.broker_kind == "memory")


@main.group()
def modules() -> None:
    """Knowledge-transfer modules (onboarding/modules/*.md)."""


@modules.command("check")
@click.option("--directory", default=None, help="Modules directory (default: the shipped one).")
def modules_check(directory: str | None) -> None:
    """Validate every module: front matter, quiz answers, prerequisites (no cycles)."""
    from satupintu.knowledge.modules import DEFAULT_MODULES_DIR, load_modules

    try:
        found = load_modules(Path(directory) if directory else DEFAULT_MODULES_DIR)
    except DataFileError as exc:
        raise click.ClickException(str(exc)) from exc
    questions = sum(len(m.meta.quiz) for m in found.values())
    click.echo(f"{len(found)} modules valid, {questions} quiz questions; in order: {', '.join(found)}")


@main.group()
def transfer() -> None:
    """Region-to-region transfer: documented visits, MoUs, innovations (tenants/transfer.toml)."""


@transfer.command("load")
@click.option("--file", "path", default=None, help="Data file (default: tenants/transfer.toml).")
def transfer_load(path: str | None) -> None:
    """Record the file's facts in the regencies on this platform (idempotent)."""
    from satupintu.db import make_engine, make_sessionmaker
    from satupintu.transfer.service import DEFAULT_DATA_FILE, load_data

    async def run() -> list[str]:
        engine = make_engine(_settings().database_url)
        try:
            return await load_data(make_sessionmaker(engine), Path(path) if path else DEFAULT_DATA_FILE)
        finally:
            await engine.dispose()

    try:
        for line in asyncio.run(run()):
            click.echo(line)
    except DataFileError as exc:
        raise click.ClickException(f"nothing was loaded: {exc}") from exc


from satupintu.benchmarks import cli as _benchmarks_cli  # noqa: E402 - the benchmark commands

main.add_command(_benchmarks_cli.rollups)
main.add_command(_benchmarks_cli.scheduler)

if __name__ == "__main__":
    main()
