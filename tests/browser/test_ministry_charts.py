"""The ministry's charts and overview as Chromium draws them: bars as long as their values, histogram
bars standing on the axis, a table that fits a laptop, content aligned with the header."""

from __future__ import annotations

import pytest

from tests.benchmarks.conftest import refresh
from tests.browser.conftest import sign_in
from tests.conftest import create_account

pytestmark = pytest.mark.browser

# Every bar of a chart with its printed value, in screen pixels (what a person sees, after CSS).
RANKING = """svg => [...svg.querySelectorAll('rect.bar')].map(r => {
  const value = r.nextElementSibling.textContent.replace(/\\./g, '').replace(',', '.').replace('%', '');
  return {width: r.getBoundingClientRect().width, value: parseFloat(value)};
})"""
HISTOGRAM = """svg => {
  const axis = svg.querySelector('line.axis').getBoundingClientRect();
  return [...svg.querySelectorAll('rect.bar')].map(r => {
    const box = r.getBoundingClientRect();
    return {top: box.top, bottom: box.bottom, width: box.width, height: box.height, axis: axis.top,
            plot: svg.getBoundingClientRect().width};
  });
}"""


@pytest.fixture
def ministry(live_database) -> str:
    create_account(live_database, "analis@kemenpan.go.id", "ministry_viewer")
    refresh(live_database)
    return "analis@kemenpan.go.id"


@pytest.fixture
def laptop(ministry, live_server, browser):
    page = browser.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID").new_page()
    sign_in(page, live_server, ministry)
    return page


def test_ranking_bars_are_as_long_as_their_values(laptop, live_server, shots):
    laptop.goto(f"{live_server}/kementerian/indikator/services_live")
    laptop.screenshot(path=str(shots / "services_live.png"), full_page=True)
    bars = laptop.locator("#peringkat ~ figure svg").evaluate(RANKING)
    assert len(bars) >= 3
    assert len({b["value"] for b in bars}) >= 2, "the fixture regions differ in services live"
    longest = max(bars, key=lambda b: b["value"])
    for bar in bars:
        expected = longest["width"] * bar["value"] / longest["value"]
        assert bar["width"] == pytest.approx(expected, abs=1.5), f"{bar} drawn out of proportion to {longest}"


def test_histogram_bars_stand_on_the_axis_and_share_the_width(laptop, live_server, shots):
    laptop.goto(f"{live_server}/kementerian/indikator/catalogue_coverage")
    laptop.screenshot(path=str(shots / "catalogue_coverage.png"), full_page=True)
    bars = laptop.locator("#sebaran ~ figure svg").evaluate(HISTOGRAM)
    assert len(bars) >= 5
    for bar in bars:
        assert bar["bottom"] == pytest.approx(bar["axis"], abs=1.5), "each bar ends on the axis"
        assert bar["width"] < bar["plot"] / len(bars), "bars are slices of the scale, not full width"
    assert any(b["height"] == 0 for b in bars) and any(b["height"] > 0 for b in bars), \
        "empty slices draw nothing, filled ones stand up"


def test_overview_fits_a_laptop_and_lines_up_with_the_header(laptop, live_server, shots):
    laptop.goto(f"{live_server}/kementerian/")
    laptop.screenshot(path=str(shots / "overview.png"), full_page=True)
    table = laptop.locator("#tabel").bounding_box()
    assert table["x"] + table["width"] <= 1280, f"the overview table is {table['width']:.0f} px wide"
    assert laptop.evaluate("document.documentElement.scrollWidth") <= 1280
    brand = laptop.locator("header .brand").bounding_box()
    heading = laptop.locator("main h1").bounding_box()
    assert heading["x"] == pytest.approx(brand["x"], abs=1), "the content starts where the header does"
    headers = laptop.locator("#tabel thead th").all_inner_texts()
    assert not [h for h in headers if h.lower().count("per bulan") > 1], headers
