"""A regency's position against the nation never lets it work out another regency's value: national
figures (median or share, distribution, rank, percentile) appear for an indicator only when at least
five live regions report it, and the page says so otherwise, in the reader's language."""

from __future__ import annotations

import pytest

from satupintu.benchmarks import rollups
from satupintu.benchmarks.indicators import by_name
from satupintu.benchmarks.models import BenchmarkRollup
from satupintu.db import make_engine, make_sessionmaker, tenant_session
from tests.benchmarks.conftest import refresh
from tests.conftest import run

BASE = "/banyuwangi/admin/kinerja/"


def _row(code: str, figures: dict, status: str = "live") -> BenchmarkRollup:
    return BenchmarkRollup(region_code=code, tenant_slug=f"daerah-{code.replace('.', '')}", name=f"Daerah {code}",
                           province="Jawa Timur", status=status, figures=figures, details={})


async def _add_rollups(url: str, rows: list[BenchmarkRollup]) -> None:
    engine = make_engine(url)
    try:
        async with tenant_session(make_sessionmaker(engine), None) as session:
            session.add_all(rows)
    finally:
        await engine.dispose()


LABELS = {"ikm": "(IKM)", "ipp": "(IPP)", "policy_courier": "Dokumen diantar"}


def _line(page: str, name: str) -> str:
    """The table row of one indicator on the position page (found by its label in its header cell)."""
    return next(row for row in page.split("<tr>")[1:] if LABELS[name] in row.split("</th>")[0])


def test_four_reporting_regions_show_no_national_figure_five_do(admin):
    refresh(admin.database)  # four live regions, each reporting an IKM of 85 and an IPP of 4
    page = admin.get(BASE).text
    for name in ("ikm", "ipp", "policy_courier"):
        line = _line(page, name)
        assert "Belum ditampilkan: kurang dari 5 daerah yang melaporkannya." in line, name
        assert "dari 4" not in line and "85,00" not in line.split("</td>", 1)[1], name
    assert 'role="img"' not in page and "Terendah" not in page, "no distribution with four regions"
    assert "Belum ada indikator yang dilaporkan oleh 5 daerah" in page
    english = admin.get(BASE, headers={"Accept-Language": "en"}).text
    assert "Not shown yet: fewer than 5 regions report this." in english

    # a fifth live region reports the IKM (70) but not the IPP, and says no to delivery
    run(_add_rollups(admin.database.url, [_row("35.12", {"ikm": 70.0, "policy_courier": 0.0})]))
    page = admin.get(BASE).text
    ikm = _line(page, "ikm")
    assert "kurang dari 5" not in ikm
    assert "85,00" in ikm and "1 dari 5" in ikm and "100% daerah" in ikm, ikm
    assert 'id="p-ikm"' in page and "Terendah 70,00" in page
    assert "kurang dari 5" in _line(page, "ipp"), "the IPP is still reported by four regions only"
    assert 'id="p-ipp"' not in page
    courier = _line(page, "policy_courier")
    assert "kurang dari 5" not in courier and "% ya" in courier


def test_a_region_that_is_not_live_does_not_count(admin):
    refresh(admin.database)
    run(_add_rollups(admin.database.url, [_row("35.12", {"ikm": 70.0}, status="onboarding")]))
    assert "kurang dari 5" in _line(admin.get(BASE).text, "ikm")


@pytest.mark.parametrize("reporting", [1, 2, 3, 4])
def test_below_five_nothing_but_the_regions_own_value(reporting):
    ikm = by_name()["ikm"]
    rows = [_row(f"35.{10 + i}", {"ikm": 60.0 + i}) for i in range(reporting)]
    found = rollups.standing(rows, ikm, "35.10")
    assert found == rollups.Standing(60.0, reporting), "no median, distribution, rank or percentile"
    assert not found.shown


def test_from_five_the_national_figures_are_given():
    ikm, courier = by_name()["ikm"], by_name()["policy_courier"]
    rows = [_row(f"35.{10 + i}", {"ikm": 60.0 + i, "policy_courier": float(i % 2)}) for i in range(5)]
    found = rollups.standing(rows, ikm, "35.10")
    assert found.shown and found.national == 62.0 and found.rank == (5, 5) and found.percentile == 20
    assert (found.distribution.minimum, found.distribution.maximum, found.distribution.count) == (60.0, 64.0, 5)
    flag = rollups.standing(rows, courier, "35.11")
    assert flag.national == 40.0 and flag.distribution is None and flag.rank is None and flag.percentile is None
    assert rollups.standing(rows[:4], courier, "35.11").national is None
