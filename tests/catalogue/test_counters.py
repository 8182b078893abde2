"""Citizens go to the right counter: the assigned one, the agency's only one, or the agency and where it serves."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from satupintu.agencies import models as agencies_models
from satupintu.catalogue.models import TenantService
from satupintu.db import make_engine, make_sessionmaker, tenant_session
from satupintu.tenants import service as tenants_service
from satupintu.tenants.packs import available_packs, load_pack
from tests.catalogue.conftest import save_service
from tests.conftest import run

ROOT = Path(__file__).parents[2]


def _where(page: str) -> str:
    return page.split("Tempat layanan", 1)[1].split("</dd>", 1)[0]


def test_sim_renewal_is_sent_to_the_sim_counter_not_the_skck_counter(client):
    where = _where(client.get("/banyuwangi/layanan/sim-a-perpanjangan").text)
    assert "D2" in where and "SIM" in where and "D1" not in where and "SKCK" not in where
    assert "D1" in _where(client.get("/banyuwangi/layanan/skck-baru").text)


async def _unplaced(url: str, slug: str) -> list[str]:
    """Enabled services whose agency has several counters but which were given none."""
    engine = make_engine(url)
    maker = make_sessionmaker(engine)
    async with tenant_session(maker, None) as session:
        tenant = await tenants_service.get_by_slug(session, slug)
    async with tenant_session(maker, tenant.id) as session:
        per_agency = Counter((await session.scalars(select(agencies_models.Counter.agency_id))).all())
        rows = (await session.scalars(select(TenantService).where(TenantService.enabled.is_(True)))).all()
    await engine.dispose()
    return sorted(r.code for r in rows if r.counter_id is None and per_agency[r.agency_id] > 1)


@pytest.mark.parametrize("slug", sorted(load_pack(p).slug for p in available_packs()))
def test_packs_assign_a_counter_wherever_the_agency_has_several(database, slug):
    assert run(_unplaced(database.url, slug)) == []


def _options(page: str, name: str) -> list[tuple[str, str]]:
    select_html = page.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="(\d*)"[^>]*>([^<]*)</option>', select_html)


def test_console_counter_picker_lists_only_the_services_agencys_counters(admin):
    names = [name for value, name in _options(admin.get("/banyuwangi/admin/layanan/sim-a-perpanjangan").text,
                                               "counter_id") if value]
    assert sorted(names) == ["Loket SIM (SIM A dan C baru, perpanjangan, dan penggantian)",
                             "Loket SKCK dan Surat Keterangan Kehilangan"]


def test_without_a_counter_the_page_names_the_agency_and_where_it_serves(admin):
    response = save_service(admin, "sim-a-perpanjangan", cost="80000", completion_unit="jam", counter_id="")
    assert response.status_code == 303
    where = _where(admin.get("/banyuwangi/layanan/sim-a-perpanjangan").text)
    assert "Kepolisian Resor Kota Banyuwangi" in where and "Loket mana pun dari instansi ini" in where
    assert "Mal Pelayanan Publik Kabupaten Banyuwangi" in where
    assert "D1" not in where and "D2" not in where and "SKCK" not in where


def test_catalogue_check_refuses_a_counter_of_another_agency(tmp_path):
    packs = tmp_path / "packs"
    shutil.copytree(ROOT / "tenants" / "banyuwangi", packs / "banyuwangi")
    pack = packs / "banyuwangi" / "tenant.toml"
    text = pack.read_text(encoding="utf-8")
    pack.write_text(text.replace('E3 = ["paspor-baru-anak"', 'E3 = ["sim-c-baru", "paspor-baru-anak"', 1)
                    .replace('"sim-c-baru", "sim-c-perpanjangan"', '"sim-c-perpanjangan"', 1), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "satupintu.cli", "catalogue", "check", "--packs", str(packs)],
                            capture_output=True, text=True, timeout=120, cwd=ROOT, env=dict(os.environ))
    assert result.returncode != 0
    assert "services.counters.E3" in result.stderr and "'sim-c-baru' is served by 'polresta'" in result.stderr
