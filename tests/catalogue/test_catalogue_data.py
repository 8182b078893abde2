"""The shipped catalogue and the four regencies' packs: valid, complete enough, and loaded as written."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from satupintu.agencies.models import Agency
from satupintu.catalogue.models import TenantService
from satupintu.catalogue.shared import load_catalogue
from satupintu.db import make_engine, make_sessionmaker, tenant_session
from satupintu.tenants import service as tenants_service
from satupintu.tenants.packs import available_packs, load_pack
from tests.conftest import run

CATALOGUE = load_catalogue()
REQUIRED_CATEGORIES = {
    "adminduk", "perizinan-usaha", "perizinan-kesehatan", "lingkungan-hidup", "bangunan-tata-ruang",
    "tenaga-kerja", "pajak-retribusi", "kepolisian", "keagamaan", "perumahan", "pu-cipta-karya", "bpjs",
    "air-minum", "pertanahan", "imigrasi", "perbankan-pembayaran", "samsat",
}


def test_shared_catalogue_is_large_and_covers_an_mpp():
    assert len(CATALOGUE.services) >= 150
    used = Counter(s.category for s in CATALOGUE.services.values())
    assert REQUIRED_CATEGORIES <= set(used)
    kinds = Counter(s.provider_kind for s in CATALOGUE.services.values())
    assert kinds["opd"] >= 116 and kinds["vertikal"] + kinds["bumn"] + kinds["bumd"] >= 83
    for code in ("ktp-el-baru", "kk-baru", "akta-kelahiran", "akta-kematian", "kia-baru", "pindah-keluar",
                 "skck-baru", "sim-a-perpanjangan", "stnk-pengesahan-tahunan", "paspor-baru", "nikah-pencatatan-kua",
                 "bpjs-kesehatan-pendaftaran", "pdam-sambungan-baru", "pbg-baru", "nib-oss"):
        assert code in CATALOGUE.services


def test_every_service_has_a_complete_service_standard():
    for spec in CATALOGUE.services.values():
        assert spec.requirements and spec.steps and spec.product and spec.completion_value > 0, spec.code
        assert spec.name_en and spec.summary_en, spec.code
        assert spec.cost >= 0
        if spec.category == "adminduk":
            assert spec.cost == 0, f"{spec.code}: population documents are free by law"


def test_life_events_include_the_four_in_one_birth_bundle():
    assert {"kelahiran", "pernikahan", "kematian", "pindah-domisili", "memulai-usaha"} <= set(CATALOGUE.life_events)
    birth = CATALOGUE.life_events["kelahiran"].services
    assert {"akta-kelahiran", "kk-perubahan", "kia-baru"} <= set(birth)


PACKS = {load_pack(p).slug: load_pack(p) for p in available_packs()}


def test_the_four_regencies_have_packs_with_their_official_codes():
    codes = {slug: pack.region_code for slug, pack in PACKS.items()}
    assert codes == {"banyuwangi": "35.10", "purbalingga": "33.03", "bangkalan": "35.26", "labuhanbatu": "12.10"}
    banyuwangi = PACKS["banyuwangi"]
    assert {loc.kind for loc in banyuwangi.locations} >= {"mpp", "pasar"}
    assert banyuwangi.policies.permit_first and banyuwangi.policies.document_deadline_days == 30
    assert banyuwangi.policies.courier_delivery and banyuwangi.policies.complaint_response_hours == 4


async def _loaded(url: str, slug: str) -> dict:
    engine = make_engine(url)
    maker = make_sessionmaker(engine)
    async with tenant_session(maker, None) as session:
        tenant = await tenants_service.get_by_slug(session, slug)
    async with tenant_session(maker, tenant.id) as session:
        enabled = (await session.scalars(select(TenantService).where(TenantService.enabled.is_(True)))).all()
        agencies = (await session.scalars(select(Agency))).all()
        total = await session.scalar(select(func.count()).select_from(TenantService))
    await engine.dispose()
    return {"enabled": enabled, "agencies": agencies, "total": total}


@pytest.mark.parametrize("slug", sorted(PACKS))
def test_each_pack_loads_as_written(database, slug):
    loaded = run(_loaded(database.url, slug))
    assert loaded["total"] == len(CATALOGUE.services)
    assert all(s.agency_id is not None for s in loaded["enabled"]), "every offered service has an agency"
    assert len(loaded["agencies"]) == len(PACKS[slug].agencies)
    served = {s.agency_id for s in loaded["enabled"]}
    assert all(a.id in served for a in loaded["agencies"]), "every agency serves something"


def test_banyuwangi_matches_the_reported_figures(database):
    """199 services: 11 OPD with 116, and 12 national agencies and enterprises with 83."""
    loaded = run(_loaded(database.url, "banyuwangi"))
    kinds = Counter("opd" if s.provider_kind == "opd" else "national" for s in loaded["enabled"])
    assert len(loaded["enabled"]) == 199
    assert kinds == {"opd": 116, "national": 83}
    agency_kinds = Counter("opd" if a.kind.value == "opd" else "national" for a in loaded["agencies"])
    assert agency_kinds == {"opd": 11, "national": 12}
