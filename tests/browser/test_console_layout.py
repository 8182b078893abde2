"""The console in Chromium: its menu fits a laptop and a phone without scrolling sideways, deleting
asks first without JavaScript's help, and saving is confirmed in a status a screen reader announces."""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in
from tests.conftest import create_account

pytestmark = pytest.mark.browser

PAGES = ["/banyuwangi/admin/", "/banyuwangi/admin/lokasi", "/banyuwangi/admin/kinerja/", "/banyuwangi/admin/mou"]

MEASURE = """() => {
  const links = [...document.querySelectorAll('nav.tabs a, nav.subnav a')].map(a => a.getBoundingClientRect());
  const groups = [...document.querySelectorAll('nav.tabs a')].map(a => Math.round(a.getBoundingClientRect().top));
  return {page: document.documentElement.scrollWidth, view: window.innerWidth,
          outside: links.filter(r => r.left < 0 || r.right > window.innerWidth || r.width === 0).length,
          links: links.length, rows: new Set(groups).size};
}"""


@pytest.fixture
def admin(live_database) -> str:
    create_account(live_database, "admin-layout@banyuwangikab.go.id", "tenant_admin", "banyuwangi")
    return "admin-layout@banyuwangikab.go.id"


@pytest.mark.parametrize("width", [1280, 360])
def test_the_menu_fits_without_sideways_scrolling(admin, live_server, browser, shots, width):
    page = browser.new_context(viewport={"width": width, "height": 800}, locale="id-ID").new_page()
    sign_in(page, live_server, admin, "banyuwangi")
    for path in PAGES:
        page.goto(f"{live_server}{path}")
        measured = page.evaluate(MEASURE)
        assert measured["page"] <= measured["view"], f"{path} scrolls sideways at {width} px: {measured}"
        assert measured["outside"] == 0 and measured["links"] >= 5, f"{path} at {width} px: {measured}"
        if width == 1280:
            assert measured["rows"] == 1, f"the menu's groups take {measured['rows']} rows at 1280 px on {path}"
    page.screenshot(path=str(shots / f"menu-{width}.png"))


def test_deleting_asks_first_and_the_saved_change_is_announced(admin, live_server, browser, shots):
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="id-ID", java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, admin, "banyuwangi")
    page.goto(f"{live_server}/banyuwangi/admin/lokasi")
    holiday = page.locator("details.confirm", has=page.locator("summary", has_text="Hapus hari libur 2026-08-17"))
    confirm = holiday.get_by_role("button", name="Ya, hapus")
    assert not confirm.is_visible()
    holiday.locator("summary").click()
    assert confirm.is_visible()
    with page.expect_navigation():
        confirm.click()
    status = page.get_by_role("status")
    assert status.inner_text().strip() == "Hari libur dihapus: 2026-08-17"
    page.screenshot(path=str(shots / "deleted.png"))
    assert "Hari Kemerdekaan RI" not in page.locator("main").inner_text()

    counter = page.locator("details.confirm", has=page.locator("summary", has_text="Hapus loket D1"))
    counter.locator("summary").click()
    assert "3 layanan masih ditugaskan ke loket ini" in counter.inner_text()
    assert counter.get_by_role("button").count() == 0
