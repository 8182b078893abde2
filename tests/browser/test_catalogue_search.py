"""A citizen on a 360-px phone searches the catalogue; htmx updates the results in place."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_typing_updates_results_through_htmx_and_a_click_opens_the_service(page, live_server, shots):
    page.goto(f"{live_server}/banyuwangi/layanan")
    assert page.locator("html").get_attribute("lang") == "id"
    page.evaluate("window.__samePage = true")
    first_before = page.locator("#hasil .result a").first.inner_text()

    with page.expect_response(lambda r: "/banyuwangi/layanan?" in r.url and r.request.headers.get("hx-request") == "true"):
        page.locator("#q").fill("akta lahir")
    expect(page.locator("#hasil .result a").first).to_contain_text("Kelahiran")
    assert page.evaluate("window.__samePage") is True, "results must update without a page load"
    first = page.locator("#hasil .result a").first
    assert first.inner_text() != first_before
    query = parse_qs(urlsplit(page.url).query)
    assert query["q"] == ["akta lahir"], "the search is kept in the address for sharing and the back button"
    page.screenshot(path=str(shots / "search.png"), full_page=True)

    first.click()
    page.wait_for_load_state()
    assert "/banyuwangi/layanan/" in page.url
    assert "Kelahiran" in page.locator("h1").inner_text()
    assert page.locator(".checklist li").count() >= 1
    page.screenshot(path=str(shots / "service.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways on a 360-px phone ({width}px)"


def test_the_whole_catalogue_fits_a_phone_grouped_by_category(page, live_server, shots):
    page.goto(f"{live_server}/banyuwangi/layanan")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 6000, f"199 services should open as categories, not one {height}px list"
    page.locator('.jump a[href="#kat-kepolisian"]').click()
    group = page.locator("#kat-kepolisian")
    group.locator("summary").click()
    assert group.locator(".result a", has_text="SKCK").first.is_visible()
    page.screenshot(path=str(shots / "catalogue.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways on a 360-px phone ({width}px)"
