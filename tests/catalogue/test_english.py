"""English is English: every citizen-facing text of the catalogue has a translation, and the page says where it has none."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from satupintu.catalogue.schemas import untranslated
from satupintu.catalogue.shared import DEFAULT_CATALOGUE_DIR, load_catalogue
from satupintu.tenants.packs import available_packs, load_pack
from tests.catalogue.conftest import save_service

ROOT = Path(__file__).parents[2]
CATALOGUE = load_catalogue()
ENGLISH_WORDS = re.compile(r"\b(the|of|and|or|a|an|your|to|for|with|at|in|is|by|on|from)\b", re.IGNORECASE)


def test_every_shipped_service_has_english_for_every_citizen_facing_text():
    missing = [code for code, spec in CATALOGUE.services.items() if untranslated(spec)]
    assert not missing
    assert CATALOGUE.default_complaint_channel_en


@pytest.mark.parametrize("field", ["requirements", "steps"])
def test_translations_are_english_not_copies(field):
    copies, not_english = [], []
    for code, spec in CATALOGUE.services.items():
        for indonesian, english in zip(getattr(spec, field), getattr(spec, f"{field}_en"), strict=True):
            if english == indonesian and " " in english:
                copies.append((code, english))
        text = " ".join(getattr(spec, f"{field}_en"))
        if not ENGLISH_WORDS.search(text):
            not_english.append(code)
    assert not copies and not not_english, (copies[:5], not_english[:5])


def test_shipped_pack_overrides_carry_their_english():
    for path in available_packs():
        for override in load_pack(path).overrides:
            assert not override.cost_note or override.cost_note_en, (path, override.code)
            assert len(override.extra_requirements_en) == len(override.extra_requirements), (path, override.code)


def test_catalogue_check_refuses_a_service_without_english(tmp_path):
    copy = tmp_path / "catalogue"
    shutil.copytree(DEFAULT_CATALOGUE_DIR, copy)
    path = copy / "services" / "imigrasi.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index('code = "paspor-rusak"')
    line = next(l for l in text[start:].splitlines() if l.startswith("steps_en = "))
    path.write_text(text[:start] + text[start:].replace(line + "\n", "", 1), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "satupintu.cli", "catalogue", "check", "--catalogue", str(copy)],
                            capture_output=True, text=True, timeout=120, cwd=ROOT, env=dict(os.environ))
    assert result.returncode != 0
    assert "imigrasi.toml" in result.stderr and "steps_en" in result.stderr and "English is missing" in result.stderr


ENGLISH = {"Accept-Language": "en"}


def test_english_page_shows_english_requirements_steps_fee_note_product_and_complaints(client):
    page = client.get("/banyuwangi/layanan/paspor-hilang", headers=ENGLISH).text
    spec = CATALOGUE.services["paspor-hilang"]
    for text in (*spec.requirements_en, *spec.steps_en, spec.product_en, CATALOGUE.default_complaint_channel_en):
        assert text.replace("'", "&#39;") in page, text
    assert "Rp1,000,000 if the loss is judged to be due to negligence" in page
    for text in (*spec.requirements, *spec.steps, spec.cost_note, spec.product):
        assert text not in page, text
    assert "(in Indonesian)" not in page
    indonesian = client.get("/banyuwangi/layanan/paspor-hilang").text
    assert spec.requirements[0] in indonesian and spec.requirements_en[0] not in indonesian
    api = client.get("/api/v1/tenants/banyuwangi/services/paspor-hilang", headers=ENGLISH).json()
    assert api["requirements"] == spec.requirements_en and api["steps"] == spec.steps_en
    assert api["cost_note"] == spec.cost_note_en and api["product"] == spec.product_en


def test_a_regencys_translated_override_is_english(client):
    page = client.get("/banyuwangi/layanan/akta-kelahiran", headers=ENGLISH).text
    assert "Births attended by a midwife can be reported by the midwife directly" in page
    assert "If reported through a midwife: the parents&#39; active mobile number" in page
    assert "(in Indonesian)" not in page


def test_an_untranslated_local_override_falls_back_to_indonesian_field_by_field(admin):
    response = save_service(admin, "skck-baru", cost="30000", cost_note="Dibayar di loket BRI unit MPP",
                            extra_requirements="Surat pengantar RT/RW")
    assert response.status_code == 303
    page = admin.get("/banyuwangi/layanan/skck-baru", headers=ENGLISH).text
    assert page.count("(in Indonesian)") == 2
    assert re.search(r'<span lang="id">Dibayar di loket BRI unit MPP</span> <small class="muted">\(in Indonesian\)', page)
    assert re.search(r'<span lang="id">Surat pengantar RT/RW</span> <small class="muted">\(in Indonesian\)', page)
    assert CATALOGUE.services["skck-baru"].requirements_en[0] in page
