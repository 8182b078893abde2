"""The benchmark commands of ``satupintu``: ``rollups refresh [SLUG]`` and ``scheduler``."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import click

from satupintu.config import ConfigError, Settings


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
def rollups() -> None:
    """The ministry's benchmark rollups (aggregates of every regency)."""


async def _refresh(settings: Settings, slug: str | None) -> list[str]:
    from satupintu.benchmarks import rollups as service
    from satupintu.db import make_engine, make_sessionmaker

    engine = make_engine(settings.database_url)
    try:
        maker = make_sessionmaker(engine)
        if slug and not await service.tenant_ids(maker, slug):
            raise click.ClickException(f"unknown tenant {slug!r}; see `satupintu tenants list`")
        rows = await service.refresh_all(maker, slug)
        return [f"{row.tenant_slug:<16} {row.region_code:<6} "
                f"{sum(v is not None for v in row.figures.values())}/{len(row.figures)} indicators" for row in rows]
    finally:
        await engine.dispose()


@rollups.command("refresh")
@click.argument("slug", required=False)
def rollups_refresh(slug: str | None) -> None:
    """Recompute the rollups now, of every regency or of SLUG, without the broker."""
    started = time.perf_counter()
    try:
        lines = asyncio.run(_refresh(_settings(), slug))
    except OSError as exc:
        raise click.ClickException(f"cannot reach the database: {exc}") from exc
    for line in lines:
        click.echo(line)
    click.echo(f"refreshed {len(lines)} regions in {time.perf_counter() - started:.1f} s")


@click.command()
@click.option("--now", is_flag=True, help="Also run, at start, every job whose latest slot has not run yet.")
@click.option("--heartbeat", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Touch this file from the scheduler's own loop (the liveness probe reads its age).")
def scheduler(now: bool, heartbeat: Path | None) -> None:
    """Run the periodic jobs (nightly rollups at 01:30 WIB, session purge, booking sweep, lines check, complaint sweep). Run exactly one."""
    from satupintu import logs
    from satupintu.benchmarks import schedule

    settings = _settings()
    logs.configure(json=settings.log_json)
    running = schedule.build(settings)
    if heartbeat is not None:
        from satupintu.heartbeat import INTERVAL_SECONDS, Heartbeat

        beat = Heartbeat(heartbeat, alive=lambda: True)
        beat.beat()
        running.add_job(beat.beat, "interval", seconds=INTERVAL_SECONDS, id="heartbeat", name="liveness file",
                        coalesce=True, max_instances=1)
    for job in running.get_jobs():
        click.echo(f"scheduled {job.id}: {job.name} ({job.trigger})")
    if now:
        for job in schedule.jobs(settings):
            schedule.once_per_slot(settings, job)()

    def stop(_signum, _frame) -> None:  # noqa: ANN001
        running.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    running.start()
