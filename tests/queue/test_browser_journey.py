"""In Chromium: a citizen takes a ticket on a 360 px phone, an operator calls it from the console,
and the boards (a 1920 px TV and a 360 px screen) show it at once; the phone's ticket page follows.
And a booking: made on a phone, checked in at the kiosk, called at its time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import browser, sign_in  # noqa: F401 - the browser fixture
from tests.conftest import create_account, fresh_database
from tests.queue.test_board import _serve
from tests.queue.conftest import MONDAY_10
from tests.queue.test_console import _line

pytestmark = pytest.mark.browser
OPERATOR = "loket@banyuwangi.test"


@pytest.fixture
def queue_server(templates, tmp_path) -> Iterator[tuple[str, str, list[str]]]:
    """A live server whose queues are open at any hour (the demo setting), an operator, and a line.
    Made before the browser opens: Playwright's loop then owns this thread."""
    from satupintu.app import create_app

    database = next(fresh_database("sqlite", tmp_path, templates["sqlite"]))
    create_account(database, OPERATOR, "operator", "banyuwangi")
    code, counters = _line(database)
    server, thread, url = _serve(create_app(database.settings(SATUPINTU_QUEUE_ALWAYS_OPEN="1")))
    yield url, code, counters
    server.should_exit = True
    thread.join(timeout=10)


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_kiosk_ticket_called_by_an_operator_shows_on_the_boards(queue_server, browser):  # noqa: F811
    base, code, counters = queue_server
    phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID").new_page()
    tv = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="id-ID").new_page()
    small = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID").new_page()
    desk = browser.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID").new_page()

    phone.goto(f"{base}/banyuwangi/antrian")
    _fits(phone, 360)
    phone.select_option("#f-service", code)
    with phone.expect_navigation():
        phone.click("button.big")
    number = phone.inner_text(".ticket-number").strip()
    assert number.endswith("-001")
    _fits(phone, 360)
    assert phone.locator("img.qr").is_visible()

    for board, width in ((tv, 1920), (small, 360)):
        board.goto(f"{base}/banyuwangi/layar/mpp")
        board.wait_for_selector("body[data-listening=yes]")
        _fits(board, width)

    sign_in(desk, base, OPERATOR, "banyuwangi")
    desk.goto(f"{base}/banyuwangi/loket")
    desk.select_option("#f-counter", counters[0])
    with desk.expect_navigation():
        desk.click("button[accesskey=b]")
    with desk.expect_navigation():
        desk.click("button[accesskey=n]")
    assert desk.inner_text("#aktif").strip() == number

    for board in (tv, small):
        expect(board.locator("[data-now-number]")).to_have_text(number)
        assert board.inner_text("[data-now-counter]").strip() == counters[0]
    phone.wait_for_selector(f"text=silakan menuju loket {counters[0]}", timeout=20000)


def _call_next(desk, base: str, counter: str) -> str:
    """The operator signs in, staffs the counter and calls the next ticket; its number."""
    sign_in(desk, base, OPERATOR, "banyuwangi")
    desk.goto(f"{base}/banyuwangi/loket")
    desk.select_option("#f-counter", counter)
    with desk.expect_navigation():
        desk.click("button[accesskey=b]")
    with desk.expect_navigation():
        desk.click("button[accesskey=n]")
    return desk.inner_text("#aktif").strip()


def test_a_booking_made_on_a_phone_is_checked_in_at_the_kiosk_and_called_at_its_time(
        queue_server, browser, clock):  # noqa: F811
    base, code, counters = queue_server  # the clock: Monday 1 March 2027, 10:00 WIB
    phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID").new_page()
    kiosk = browser.new_context(viewport={"width": 1080, "height": 1920}, locale="id-ID").new_page()
    tv = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="id-ID").new_page()
    desk = browser.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID").new_page()

    phone.goto(f"{base}/banyuwangi/antrian/reservasi")
    _fits(phone, 360)
    phone.select_option("#f-service", code)
    phone.fill("#f-date", "2027-03-01")
    with phone.expect_navigation():
        phone.click("form[method=get] button[type=submit]")
    assert phone.inner_text("label[for=f-slot-1]").startswith("10:30"), "the first time not yet begun"
    _fits(phone, 360)
    phone.check("#f-slot-1")
    with phone.expect_navigation():
        phone.click("button.big")
    booking = phone.inner_text(".booking-code").strip()
    assert phone.locator("img.qr").is_visible() and "10:30" in phone.inner_text(".big-line")
    _fits(phone, 360)

    kiosk.goto(f"{base}/banyuwangi/antrian/hadir")
    kiosk.fill("#f-code", booking)
    with kiosk.expect_navigation():
        kiosk.click("button.big")
    number = kiosk.inner_text(".ticket-number").strip()
    assert number.endswith("-001")

    tv.goto(f"{base}/banyuwangi/layar/mpp")
    tv.wait_for_selector("body[data-listening=yes]")
    assert _call_next(desk, base, counters[0]) == "—", "checked in early: not called before its time"
    assert "Tidak ada yang menunggu untuk loket ini." in desk.inner_text("#galat")

    clock(MONDAY_10 + timedelta(minutes=30))
    with desk.expect_navigation():
        desk.click("button[accesskey=n]")
    assert desk.inner_text("#aktif").strip().startswith(number)
    expect(tv.locator("[data-now-number]")).to_have_text(number)
