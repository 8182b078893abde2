"""A new shared catalogue version merges three ways into a tenant that changed things locally."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from satupintu import migrate
from satupintu.catalogue import service as catalogue_service
from satupintu.catalogue.models import TenantService, UpstreamStatus
from satupintu.catalogue.shared import load_catalogue
from satupintu.cli import main
from satupintu.db import make_engine, make_sessionmaker, tenant_session
from satupintu.tenants import service as tenants_service
from satupintu.tenants.packs import load_pack
from tests.conftest import run

FIXTURES = Path(__file__).parents[1] / "fixtures"
V1, V2 = FIXTURES / "catalogue_v1", FIXTURES / "catalogue_v2"
PACK = FIXTURES / "packs" / "contoh" / "tenant.toml"


async def _provision(url: str) -> int:
    engine = make_engine(url)
    async with tenant_session(make_sessionmaker(engine), None) as session:
        result = await tenants_service.provision(session, load_pack(PACK), load_catalogue(V1), source=PACK)
    await engine.dispose()
    return result.tenant_id


async def _rows(url: str, tenant_id: int) -> dict[str, TenantService]:
    engine = make_engine(url)
    async with tenant_session(make_sessionmaker(engine), tenant_id) as session:
        rows = {r.code: r for r in (await session.scalars(select(TenantService))).all()}
    await engine.dispose()
    return rows


async def _upgrade(url: str, tenant_id: int):
    engine = make_engine(url)
    async with tenant_session(make_sessionmaker(engine), tenant_id) as session:
        report = await catalogue_service.upgrade_catalogue(session, load_catalogue(V2))
    await engine.dispose()
    return report


def _prepared(db) -> int:
    migrate.upgrade(db.owner_url, app_role="satupintu_test_app" if db.backend == "postgresql" else None)
    return run(_provision(db.url))


def test_upgrade_keeps_overrides_offers_new_flags_removed_and_lists_conflicts(empty_database):
    tenant_id = _prepared(empty_database)
    before = run(_rows(empty_database.url, tenant_id))
    assert before["izin-reklame"].cost == 100000
    assert before["izin-reklame"].requirements[-1].startswith("Surat pernyataan")
    assert not before["surat-pindah"].enabled
    # the pack's policy issues permits first and does not deliver: the import switches the permits on
    assert before["izin-reklame"].permit_first and not before["akta-kelahiran"].permit_first
    assert not any(row.delivery for row in before.values())

    report = run(_upgrade(empty_database.url, tenant_id))
    assert report.to_version == "2026.2"
    assert report.added == ["kia-baru"]
    assert report.removed == ["surat-pindah"]
    assert report.changed["akta-kelahiran"] == ["completion_value", "completion_unit"]
    assert report.adopted["akta-kelahiran"] == ["completion_value", "completion_unit"]
    assert [(c.code, c.field, c.base, c.shared, c.local) for c in report.conflicts] == [
        ("izin-reklame", "cost", 150000, 175000, 100000)
    ]

    after = run(_rows(empty_database.url, tenant_id))
    assert after["izin-reklame"].cost == 100000, "the local override survives"
    assert after["izin-reklame"].base["cost"] == 175000, "the merge base moves to the new version"
    assert after["izin-reklame"].requirements[-1].startswith("Surat pernyataan")
    assert (after["akta-kelahiran"].completion_value, after["akta-kelahiran"].completion_unit) == (60, "menit")
    assert after["kia-baru"].upstream == UpstreamStatus.OFFERED and not after["kia-baru"].enabled
    assert after["izin-reklame"].permit_first and not after["kia-baru"].permit_first  # not a permit
    assert after["surat-pindah"].upstream == UpstreamStatus.REMOVED
    assert after["ktp-el-baru"].catalogue_version == "2026.2"

    again = run(_upgrade(empty_database.url, tenant_id))
    assert again.up_to_date and not again.conflicts


def test_catalogue_diff_and_upgrade_from_the_cli(empty_database, monkeypatch):
    _prepared(empty_database)
    monkeypatch.setenv("SATUPINTU_DATABASE_URL", empty_database.url)
    monkeypatch.setenv("SATUPINTU_SECRET_KEY", "s" * 40)
    runner = CliRunner()
    diff = runner.invoke(main, ["catalogue", "diff", "contoh", "--catalogue", str(V2)])
    assert diff.exit_code == 0, diff.output
    assert "new      kia-baru" in diff.output
    assert "removed  surat-pindah" in diff.output
    assert "CONFLICT izin-reklame.cost" in diff.output
    assert "from 2026.1 to 2026.2" in diff.output
    upgraded = runner.invoke(main, ["catalogue", "upgrade", "contoh", "--catalogue", str(V2)])
    assert upgraded.exit_code == 0 and "(offered, not enabled)" in upgraded.output
    assert "up to date" in runner.invoke(main, ["catalogue", "diff", "contoh", "--catalogue", str(V2)]).output
    unknown = runner.invoke(main, ["catalogue", "diff", "tidak-ada", "--catalogue", str(V2)])
    assert unknown.exit_code != 0 and "unknown tenant" in unknown.output
