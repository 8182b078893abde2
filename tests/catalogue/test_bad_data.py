"""Broken catalogue files and tenant packs are refused with file, line and field; nothing is written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from satupintu import migrate
from satupintu.catalogue.shared import load_catalogue
from satupintu.cli import main
from satupintu.datafiles import DataFileError
from satupintu.db import make_engine
from tests.conftest import run

FIXTURES = Path(__file__).parents[1] / "fixtures"
PACK = (FIXTURES / "packs" / "contoh" / "tenant.toml").read_text()


def _catalogue_copy(tmp_path: Path) -> Path:
    target = tmp_path / "catalogue"
    shutil.copytree(FIXTURES / "catalogue_v1", target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text_ = path.read_text()
    assert old in text_
    path.write_text(text_.replace(old, new, 1))


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("cost = 150000", "cost = -5", r"perizinan-usaha\.toml:\d+: services\[0\]\.cost: Expected `int` >= 0"),
    ("cost = 150000", 'cost = "gratis"', r"perizinan-usaha\.toml:\d+: services\[0\]\.cost: Expected `int`, got `str`"),
    ('product = "Izin Reklame"\n', "", r"perizinan-usaha\.toml:\d+: services\[0\]\.product: required field is missing"),
    ('completion_unit = "hari"\ncost = 150000', 'completion_unit = "minggu"\ncost = 150000', r"services\[0\]\.completion_unit"),
    ('provider = "dpmptsp"', 'provider = "dinas-entah"', r"perizinan-usaha\.toml:6: services\[0\]\.provider: unknown provider"),
    ('code = "izin-reklame"', 'code = "ktp-el-baru"', r"perizinan-usaha\.toml:2: services\[0\]\.code: duplicate service code 'ktp-el-baru'"),
    ('code = "izin-reklame"', 'code = "Izin Reklame!"', r"services\[0\]\.code: Expected `str` matching regex"),
    ("[[services]]", "[[services]\n", r"perizinan-usaha\.toml:\d+: not valid TOML"),
])
def test_broken_catalogue_files_name_file_line_and_field(tmp_path, old, new, expected):
    root = _catalogue_copy(tmp_path)
    _edit(root / "services" / "perizinan-usaha.toml", old, new)
    with pytest.raises(DataFileError, match=expected):
        load_catalogue(root)


def test_unknown_field_is_refused(tmp_path):
    root = _catalogue_copy(tmp_path)
    _edit(root / "services" / "adminduk.toml", 'product = "KTP-el"', 'product = "KTP-el"\nbiaya = 5000')
    with pytest.raises(DataFileError, match=r"adminduk\.toml.*unknown field `biaya`"):
        load_catalogue(root)


async def _count_tenants(url: str) -> int:
    engine = make_engine(url)
    async with engine.connect() as connection:
        count = (await connection.execute(text("SELECT count(*) FROM tenants"))).scalar()
        services = (await connection.execute(text("SELECT count(*) FROM tenant_services"))).scalar()
    await engine.dispose()
    return count + services


@pytest.mark.parametrize(("old", "new", "expected"), [
    ('exclude = ["surat-pindah"]', 'exclude = ["layanan-fiktif"]', "tenant.toml:\\d+: services.exclude: unknown service code 'layanan-fiktif'"),
    ('code = "izin-reklame"\ncost = 100000', 'code = "izin-fiktif"\ncost = 100000', "tenant.toml:\\d+: overrides\\[0\\].code: unknown service code 'izin-fiktif'"),
    ("cost = 100000", "cost = -1", "tenant.toml:\\d+: overrides\\[0\\].cost: Expected `int` >= 0"),
    ('province = "Bali"\n', "", "tenant.toml.*province: required field is missing"),
    ('key = "dpmptsp"', 'key = "dispendukcapil"', "tenant.toml:\\d+: agencies\\[1\\].key: duplicate key 'dispendukcapil'"),
    ('agency = "dispendukcapil"', 'agency = "dinas-hantu"', "tenant.toml:\\d+: counters\\[0\\].agency: unknown agency 'dinas-hantu'"),
    ('senin = "08:00-15:00"', 'senin = "pagi"', "locations\\[0\\].hours.senin: 'pagi' is not like"),
    ('slug = "contoh"', 'slug = "api"', "slug 'api' is reserved"),
    ('extra_requirements', 'counter = "Z9"\nextra_requirements', "overrides.izin-reklame.counter: unknown counter 'Z9'"),
    ('name = "Kabupaten Klungkung"', 'name = "' + "x" * 5000 + '"', "tenant.toml:2: name: Expected `str` of length <= 120"),
    ('name = "Kabupaten Klungkung"', 'name = "Kabupaten\\u0000Contoh"', "tenant.toml:2: name: contains a NUL byte"),
    ('name = "Kabupaten Klungkung"', 'name = "Kabupaten Banyuwangi"',
     "tenant.toml:2: name: The official name of region 51.05 is \u201cKabupaten Klungkung\u201d"),
    ('region_code = "51.05"', 'region_code = "99.01"',
     "tenant.toml:3: region_code: Region code 99.01 is not on the official list of regions"),
    ('province = "Bali"', 'province = "Jawa Timur"', "tenant.toml:4: province: Region 51.05 is in the province of Bali"),
    ("complaint_response_hours = 4", 'complaint_response_hours = "empat"',
     "tenant.toml:10: policies.complaint_response_hours: Expected `int`, got `str`"),
])
def test_bad_pack_is_refused_and_nothing_is_written(empty_database, tmp_path, monkeypatch, old, new, expected):
    migrate.upgrade(empty_database.owner_url, app_role="satupintu_test_app" if empty_database.backend == "postgresql" else None)
    monkeypatch.setenv("SATUPINTU_DATABASE_URL", empty_database.url)
    monkeypatch.setenv("SATUPINTU_SECRET_KEY", "s" * 40)
    pack = tmp_path / "contoh" / "tenant.toml"
    pack.parent.mkdir()
    pack.write_text(PACK)
    _edit(pack, old, new)
    result = CliRunner().invoke(main, ["tenants", "load", str(pack), "--catalogue", str(FIXTURES / "catalogue_v1")])
    assert result.exit_code != 0
    assert "nothing was loaded" in result.output
    import re

    assert re.search(expected, result.output), result.output
    assert run(_count_tenants(empty_database.url if empty_database.backend == "sqlite" else empty_database.owner_url)) == 0


def test_good_pack_loads_twice_without_change(empty_database, tmp_path, monkeypatch):
    migrate.upgrade(empty_database.owner_url, app_role="satupintu_test_app" if empty_database.backend == "postgresql" else None)
    monkeypatch.setenv("SATUPINTU_DATABASE_URL", empty_database.url)
    monkeypatch.setenv("SATUPINTU_SECRET_KEY", "s" * 40)
    args = ["tenants", "load", str(FIXTURES / "packs" / "contoh"), "--catalogue", str(FIXTURES / "catalogue_v1")]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0 and "created contoh: 3 services, 2 agencies, 1 locations, 1 counters" in first.output
    owner = empty_database.url if empty_database.backend == "sqlite" else empty_database.owner_url
    counted = run(_count_tenants(owner))
    second = CliRunner().invoke(main, args)
    assert second.exit_code == 0 and "updated contoh" in second.output
    assert run(_count_tenants(owner)) == counted


def test_a_pack_cannot_take_a_region_code_another_regency_holds(empty_database, tmp_path, monkeypatch):
    migrate.upgrade(empty_database.owner_url, app_role="satupintu_test_app" if empty_database.backend == "postgresql" else None)
    monkeypatch.setenv("SATUPINTU_DATABASE_URL", empty_database.url)
    monkeypatch.setenv("SATUPINTU_SECRET_KEY", "s" * 40)
    catalogue = ["--catalogue", str(FIXTURES / "catalogue_v1")]
    assert CliRunner().invoke(main, ["tenants", "load", str(FIXTURES / "packs" / "contoh"), *catalogue]).exit_code == 0
    owner = empty_database.url if empty_database.backend == "sqlite" else empty_database.owner_url
    counted = run(_count_tenants(owner))
    pack = tmp_path / "tiruan" / "tenant.toml"
    pack.parent.mkdir()
    pack.write_text(PACK.replace('slug = "contoh"', 'slug = "tiruan"'))
    result = CliRunner().invoke(main, ["tenants", "load", str(pack), *catalogue])
    assert result.exit_code != 0
    assert "tenant.toml:3: region_code: region code 51.05 already belongs to 'contoh'" in result.output, result.output
    assert "Traceback" not in result.output and "IntegrityError" not in result.output
    assert run(_count_tenants(owner)) == counted


@pytest.mark.parametrize(("old", "new", "expected"), [
    ('name = "Kabupaten Klungkung"\nregion_code = "51.05"', 'name = "Kabupaten Gianyar"\nregion_code = "51.04"',
     "tenant.toml:2: name: Kabupaten Klungkung is live: its official name and region code are fixed"),
    ('timezone = "WITA"', 'timezone = "WITA"\nstatus = "onboarding"',
     "tenant.toml:\\d+: status: Kabupaten Klungkung went live; it cannot return to onboarding"),
])
def test_a_live_regencys_pack_cannot_change_its_identity(empty_database, tmp_path, monkeypatch, old, new, expected):
    """Loading a live regency's pack again with another official name and code (or back to onboarding,
    which would reopen the wizard) is refused, and the regency stays as it was."""
    import re

    migrate.upgrade(empty_database.owner_url, app_role="satupintu_test_app" if empty_database.backend == "postgresql" else None)
    monkeypatch.setenv("SATUPINTU_DATABASE_URL", empty_database.url)
    monkeypatch.setenv("SATUPINTU_SECRET_KEY", "s" * 40)
    catalogue = ["--catalogue", str(FIXTURES / "catalogue_v1")]
    assert CliRunner().invoke(main, ["tenants", "load", str(FIXTURES / "packs" / "contoh"), *catalogue]).exit_code == 0
    pack = tmp_path / "contoh" / "tenant.toml"
    pack.parent.mkdir()
    pack.write_text(PACK)
    _edit(pack, old, new)
    result = CliRunner().invoke(main, ["tenants", "load", str(pack), *catalogue])
    assert result.exit_code != 0 and "nothing was loaded" in result.output
    assert re.search(expected, result.output), result.output
    assert "Traceback" not in result.output
    listed = CliRunner().invoke(main, ["tenants", "list"])
    assert "51.05" in listed.output and "Kabupaten Klungkung" in listed.output and "live" in listed.output


def test_a_regency_still_onboarding_may_correct_its_region_from_the_list(empty_database, tmp_path, monkeypatch):
    migrate.upgrade(empty_database.owner_url, app_role="satupintu_test_app" if empty_database.backend == "postgresql" else None)
    monkeypatch.setenv("SATUPINTU_DATABASE_URL", empty_database.url)
    monkeypatch.setenv("SATUPINTU_SECRET_KEY", "s" * 40)
    catalogue = ["--catalogue", str(FIXTURES / "catalogue_v1")]
    pack = tmp_path / "contoh" / "tenant.toml"
    pack.parent.mkdir()
    pack.write_text(PACK.replace('timezone = "WITA"', 'timezone = "WITA"\nstatus = "onboarding"'))
    assert CliRunner().invoke(main, ["tenants", "load", str(pack), *catalogue]).exit_code == 0
    _edit(pack, 'name = "Kabupaten Klungkung"\nregion_code = "51.05"', 'name = "Kabupaten Gianyar"\nregion_code = "51.04"')
    loaded = CliRunner().invoke(main, ["tenants", "load", str(pack), *catalogue])
    assert loaded.exit_code == 0, loaded.output
    assert "51.04" in CliRunner().invoke(main, ["tenants", "list"]).output
