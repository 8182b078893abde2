"""The onboarding journey in a real browser: invite Situbondo, walk the wizard copying Banyuwangi, go live.

Saves a screenshot of each screen under test-results/<test>/ and counts, from opening the
invitation to going live, the screens the officer sees (every address the page shows, including
those htmx pushes) and the fields typed into. It prints both and the time taken, and holds the
wizard to at most 8 screens and 15 typed fields when copying a mentor.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest

from tests.conftest import PASSWORD, create_account

pytestmark = pytest.mark.browser

MOST_SCREENS, MOST_TYPED = 8, 15


@pytest.fixture
def platform_account(live_database) -> str:
    """Created before the browser opens: Playwright's event loop then owns this thread."""
    create_account(live_database, "platform@satupintu.test", "platform_admin")
    return "platform@satupintu.test"


def test_onboarding_journey_in_a_browser(platform_account, live_server, browser, shots):
    shown: list[str] = []  # the officer's screens, by path, in order of first sight
    typed: list[str] = []
    started = time.perf_counter()

    def shot(page, name: str) -> None:
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], f"{name} scrolls sideways ({width}px)"

    def type_into(page, selector: str, value: str) -> None:
        typed.append(selector)
        page.fill(selector, value)

    admin = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID").new_page()
    admin.goto(f"{live_server}/masuk")
    admin.fill("#f-email", platform_account)
    admin.fill("#f-password", PASSWORD)
    admin.click("button[type=submit]")
    admin.goto(f"{live_server}/platform")
    admin.fill("#f-region_code", "35.12")  # the platform admin types the region; not part of the count
    admin.fill("#f-email", "kominfo@situbondokab.go.id")
    admin.click("text=Buat undangan")
    link = re.search(r"/onboarding/undangan/\S+", admin.locator(".note code").inner_text()).group(0)
    shot(admin, "00-undangan")

    page = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID").new_page()

    def seen(frame) -> None:
        path = urlsplit(frame.url).path
        if frame == page.main_frame and path.startswith("/onboarding/") and path not in shown:
            shown.append(path)  # the invitation's token is never printed: only its step's name

    page.on("framenavigated", seen)
    page.goto(f"{live_server}{link}")
    assert "35.12" in page.inner_text("main") and "WIB" in page.inner_text("main"), "the profile is shown here"
    shot(page, "01-terima-undangan")
    type_into(page, "#f-name", "Rina Kominfo")
    type_into(page, "#f-password", PASSWORD)
    type_into(page, "#f-password_again", PASSWORD)
    page.click("text=Mulai menyiapkan")

    page.wait_for_url("**/onboarding/situbondo/lokasi")
    type_into(page, "#f-address", "Jl. PB Sudirman, Situbondo")
    type_into(page, "#f-hours_weekdays", "08:00-15:00")
    type_into(page, "#f-hours_sabtu", "08:00-12:00")
    shot(page, "02-lokasi")
    page.click("text=Simpan dan lanjut")

    page.wait_for_url("**/onboarding/situbondo/instansi")
    page.select_option("#f-mentor", "banyuwangi")
    shot(page, "03-instansi")
    page.click("text=Simpan dan lanjut")

    page.wait_for_url("**/onboarding/situbondo/layanan")
    assert page.is_checked("#p-seperti-mentor"), "copying the mentor's services is the default once it is chosen"
    assert not page.locator("#f-kategori").is_visible(), "categories only show for a choice of categories"
    assert page.locator("main button[type=submit]").count() == 1, "one action on the services step"
    shot(page, "04-layanan")
    page.click("text=Impor layanan")
    done = page.wait_for_selector("text=loket diimpor", timeout=60_000).inner_text()
    services, counters = (int(n) for n in re.search(r"(\d+) layanan, (\d+) loket diimpor", done).groups())
    assert services >= 150 and counters >= 20, done
    shot(page, "04-layanan-diimpor")
    page.click("#impor form:has(input[value=lanjut]) button")

    page.wait_for_url("**/onboarding/situbondo/kebijakan")  # the counters came with the services
    shot(page, "05-kebijakan")
    page.click("text=Simpan dan lanjut")

    page.wait_for_url("**/onboarding/situbondo/akses")
    shot(page, "06-akses")
    page.click("form:has(input[value=lanjut]) button")

    page.wait_for_url("**/onboarding/situbondo/siap")
    assert page.locator(".checks li.missing").count() == 0
    shot(page, "07-siap")
    page.click("a.button:has-text('Mulai beroperasi')")

    page.wait_for_url("**/onboarding/situbondo/siap/konfirmasi")
    assert f"{live_server}/situbondo/" in page.inner_text("main"), "the confirmation says what becomes public"
    shot(page, "08-konfirmasi")
    page.click("#f-confirm")

    page.wait_for_url("**/situbondo/")
    elapsed = time.perf_counter() - started
    shot(page, "09-beroperasi")
    page.goto(f"{live_server}/situbondo/layanan/akta-kelahiran")
    assert "A3" in page.inner_text("main"), "a service goes to the counter that serves it at the mentor"
    print(f"\nonboarding journey, invitation to live: {len(shown)} screens, {len(typed)} typed fields, "
          f"{elapsed:.1f} s ({', '.join('undangan' if '/undangan/' in p else p.split('/situbondo/')[-1] for p in shown)})")
    assert len(shown) <= MOST_SCREENS, shown
    assert len(typed) <= MOST_TYPED, typed
