"""Every form shows its messages: a bad value on each wizard step and each console form, in Chromium.

The wizard's first steps post through htmx, which drops 4xx answers unless told otherwise (the
layout's `htmx-config`); the other forms post the page. Either way the person must see the list of
problems (focused, so a screen reader reads it) and the message beside the field.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import create_invitation, sign_in
from tests.conftest import PASSWORD, create_account

pytestmark = pytest.mark.browser


def shows_error(page, field: str | None, contains: str | None = None) -> None:
    """The problem list is shown and focused, and names the field's problem beside the field."""
    alert = page.locator("#galat")
    alert.wait_for(state="visible", timeout=10_000)
    # htmx applies autofocus when the swap settles, a moment after the list becomes visible
    try:
        expect(alert).to_be_focused(timeout=5_000)
    except AssertionError:
        pytest.fail("the list of problems takes the focus, so it is read out")
    if field:
        beside = page.locator(f"#e-{field}")
        assert beside.is_visible(), f"no message beside {field}"
        assert beside.inner_text().strip() in alert.inner_text()
        if contains:
            assert contains in beside.inner_text()
    assert alert.locator("li").count() >= 1


def submit(page, form_with: str) -> None:
    page.locator(f"form:has({form_with}) button[type=submit]").first.click()


def bad_then_good(page, field: str, bad: str, good: str, next_step: str) -> None:
    """A wizard step refuses a bad value and says why, then takes the corrected one and moves on."""
    page.fill(f"#f-{field}", bad)
    submit(page, f"#f-{field}")
    shows_error(page, field)
    page.fill(f"#f-{field}", good)
    submit(page, f"#f-{field}")
    page.wait_for_url(f"**/onboarding/situbondo/{next_step}")


@pytest.fixture
def invitation(live_database) -> str:
    return create_invitation(live_database, "35.12", "kominfo@situbondokab.go.id")


def test_each_wizard_step_shows_its_errors(invitation, live_server, page, shots):
    page.goto(f"{live_server}{invitation}")
    page.fill("#f-name", "Rina Kominfo")
    page.fill("#f-password", PASSWORD)
    page.fill("#f-password_again", PASSWORD + "x")
    submit(page, "#f-password_again")
    shows_error(page, "password_again")
    page.fill("#f-password", PASSWORD)
    page.fill("#f-password_again", PASSWORD)
    submit(page, "#f-password_again")
    page.wait_for_url("**/onboarding/situbondo/lokasi")

    page.goto(f"{live_server}/onboarding/situbondo/siap/konfirmasi")
    page.locator("#f-confirm").click()
    shows_error(page, None)  # nothing is set up yet: going live is refused and says why
    assert page.locator(".checks li.missing").count() >= 1
    page.goto(f"{live_server}/onboarding/situbondo/profil")
    submit(page, "#f-timezone")  # the official name is shown, not typed: only the time zone is confirmed
    page.wait_for_url("**/onboarding/situbondo/lokasi")

    page.fill("#f-hours_weekdays", "8-15")
    submit(page, "#f-hours_weekdays")
    shows_error(page, "hours_weekdays")
    assert page.input_value("#f-hours_weekdays") == "8-15", "what was typed stays to be corrected"
    page.screenshot(path=str(shots / "lokasi-422.png"), full_page=True)
    page.fill("#f-hours_weekdays", "08:00-15:00")
    submit(page, "#f-hours_weekdays")
    page.wait_for_url("**/onboarding/situbondo/instansi")

    submit(page, "#f-mentor")
    shows_error(page, None)
    page.select_option("#f-mentor", "banyuwangi")
    submit(page, "#f-mentor")
    page.wait_for_url("**/onboarding/situbondo/layanan")

    page.check("#p-per-kategori")  # and no category ticked
    submit(page, "#p-per-kategori")
    shows_error(page, "preset")
    page.check("#p-mpp-minimal")
    submit(page, "#p-mpp-minimal")
    page.wait_for_selector("text=20 layanan diimpor", timeout=30_000)
    submit(page, "input[value=lanjut]")
    page.wait_for_url("**/onboarding/situbondo/loket")

    page.fill("#f-counter_code", " ")
    page.fill("#f-counter_name", "Loket Kependudukan")
    submit(page, "#f-counter_code")
    shows_error(page, "counter_code")
    page.fill("#f-counter_code", "A1")
    submit(page, "#f-counter_code")
    page.wait_for_selector("text=Loket Kependudukan")
    submit(page, "input[value=lanjut]")
    page.wait_for_url("**/onboarding/situbondo/kebijakan")

    bad_then_good(page, "document_deadline_days", "tiga puluh", "30", "akses")

    page.fill("#f-name", "Budi Operator")
    page.fill("#f-email", "budi@situbondokab.go.id")
    page.fill("#f-password", "pendek")
    submit(page, "#f-password")
    shows_error(page, "password")


# (console page, field to fill, bad value, other fields needed to reach the server's checks)
CONSOLE_FORMS = [
    ("layanan/akta-kelahiran", "cost", "seratus", {}),
    ("instansi", "key", "Bukan Kunci!", {"name": "Dinas Baru"}),
    ("instansi/dispendukcapil", "name", " ", {}),
    ("lokasi", "code", "mpp", {"name": "Lokasi Ganda"}),
    ("lokasi", "counter_code", " ", {"counter_name": "Loket Baru"}),
    ("lokasi", "holiday_day", "besok", {"holiday_name": "Libur"}),
    ("kebijakan", "complaint_response_hours", "empat", {}),
    ("staf", "password", "pendek", {"name": "Budi", "email": "budi@banyuwangikab.go.id"}),
    ("sso", "issuer", "bukan alamat", {"client_id": "satupintu"}),
    ("kinerja/survei", "respondents", "banyak", {"s_period": "2025-S1"}),
    ("kinerja/evaluasi", "year", "tahun lalu", {}),
    ("kinerja/operasional", "visitors", "ramai", {"month": "2025-01"}),
    ("inovasi", "year_started", "dulu", {"title": "Inovasi Baru"}),
    ("kunjungan", "days", "dua hari", {"visit_date": "2025-03-01"}),
    ("mou", "signed_on", "kemarin", {"title": "Kerja sama"}),
]


@pytest.fixture
def admin(live_database) -> str:
    create_account(live_database, "admin-uji@banyuwangikab.go.id", "tenant_admin", "banyuwangi")
    return "admin-uji@banyuwangikab.go.id"


def test_each_console_form_shows_its_errors(admin, live_server, browser, shots):
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID").new_page()
    sign_in(page, live_server, admin, "banyuwangi")
    for path, name, bad, others in CONSOLE_FORMS:
        page.goto(f"{live_server}/banyuwangi/admin/{path}")
        for other, value in others.items():
            page.fill(f"#f-{other}", value)
        field = page.locator(f"#f-{name}")
        # the server's messages are under test, not the browser's own checks
        field.evaluate("(el, bad) => { el.type = 'text'; el.value = bad; el.form.noValidate = true; }", bad)
        submit(page, f"#f-{name}")
        try:
            shows_error(page, name)
        except Exception as exc:  # noqa: BLE001 - a timeout or an assertion: name the form
            page.screenshot(path=str(shots / f"{path.replace('/', '-')}-{name}.png"), full_page=True)
            raise AssertionError(f"/banyuwangi/admin/{path}, field {name}: {exc}") from exc
        if page.get_attribute(f"#f-{name}", "type") == "text":  # passwords are not sent back; a date input cannot hold it
            assert page.input_value(f"#f-{name}") == bad, f"{path}: the bad value stays to be corrected"
