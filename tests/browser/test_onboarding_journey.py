"""The onboarding journey in a real browser: invite Situbondo, walk every step, go live.

Saves a screenshot of each screen under test-results/<test>/ and prints how many screens the
journey took and how long, so the "live in an afternoon" promise is measured, not asserted.
"""

from __future__ import annotations

import re
import time

import pytest

from tests.conftest import PASSWORD, create_account

pytestmark = pytest.mark.browser


@pytest.fixture
def platform_account(live_database) -> str:
    """Created before the browser opens: Playwright's event loop then owns this thread."""
    create_account(live_database, "platform@satupintu.test", "platform_admin")
    return "platform@satupintu.test"


def test_onboarding_journey_in_a_browser(platform_account, live_server, browser, shots):
    screens = []
    started = time.perf_counter()

    def shot(page, name: str) -> None:
        screens.append(name)
        page.screenshot(path=str(shots / f"{len(screens):02d}-{name}.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], f"{name} scrolls sideways ({width}px)"

    admin = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID").new_page()
    admin.goto(f"{live_server}/masuk")
    admin.fill("#f-email", platform_account)
    admin.fill("#f-password", PASSWORD)
    admin.click("button[type=submit]")
    admin.goto(f"{live_server}/platform")
    admin.select_option("#f-region_code", "35.12")
    admin.fill("#f-email", "kominfo@situbondokab.go.id")
    admin.click("text=Buat undangan")
    link = re.search(r"/onboarding/undangan/\S+", admin.locator(".note code").inner_text()).group(0)
    shot(admin, "undangan")

    page = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID").new_page()
    page.goto(f"{live_server}{link}")
    shot(page, "terima-undangan")
    page.fill("#f-name", "Rina Kominfo")
    page.fill("#f-password", PASSWORD)
    page.fill("#f-password_again", PASSWORD)
    page.click("text=Mulai menyiapkan")

    page.wait_for_url("**/onboarding/situbondo/profil")
    assert page.input_value("#f-name") == "Kabupaten Situbondo"
    shot(page, "profil")
    page.click("text=Simpan dan lanjut")

    page.wait_for_url("**/onboarding/situbondo/lokasi")
    page.fill("#f-hours_weekdays", "08:00-15:00")
    shot(page, "lokasi")
    page.click("text=Simpan dan lanjut")

    page.wait_for_url("**/onboarding/situbondo/instansi")
    page.select_option("#f-mentor", "banyuwangi")
    shot(page, "instansi")
    page.click("text=Simpan dan lanjut")

    page.wait_for_url("**/onboarding/situbondo/layanan")
    page.check("#p-mpp-minimal")
    page.click("text=Impor layanan")
    page.wait_for_selector("text=Layanan sudah diimpor", timeout=30_000)
    shot(page, "layanan")
    page.click("form:has(input[value=lanjut]) button")

    page.wait_for_url("**/onboarding/situbondo/loket")
    page.fill("#f-counter_code", "A1")
    page.fill("#f-counter_name", "Loket Kependudukan")
    page.select_option("#f-counter_agency", "dispendukcapil")
    page.click("text=Tambah loket")
    page.wait_for_selector("text=Loket Kependudukan")
    shot(page, "loket")
    page.click("form:has(input[value=lanjut]) button")

    page.wait_for_url("**/onboarding/situbondo/kebijakan")
    shot(page, "kebijakan")
    page.click("text=Simpan dan lanjut")

    page.wait_for_url("**/onboarding/situbondo/akses")
    shot(page, "akses")
    page.click("form:has(input[value=lanjut]) button")

    page.wait_for_url("**/onboarding/situbondo/siap")
    assert page.locator(".checks li.missing").count() == 0
    shot(page, "siap")
    page.click("button:has-text('Mulai beroperasi')")

    page.wait_for_url("**/situbondo/")
    shot(page, "beroperasi")
    page.goto(f"{live_server}/situbondo/layanan")
    assert page.locator("#hasil .result").count() >= 10
    shot(page, "katalog")
    elapsed = time.perf_counter() - started
    print(f"\nonboarding journey: {len(screens)} screens in {elapsed:.1f} s ({', '.join(screens)})")
