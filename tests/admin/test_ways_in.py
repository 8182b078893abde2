"""Ways in: every public page leads to the innovation registry, the replication map, the request to
join and the staff sign-in; each person lands where their work is after signing in."""

from __future__ import annotations

import re

import pytest

from tests.conftest import sign_in


def _footer_links(html: str) -> list[str]:
    footer = html.split('<nav class="foot-links"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'href="([^"]+)"', footer)


@pytest.mark.parametrize(("path", "sign_in_at"), [
    ("/", "/masuk"), ("/banyuwangi/", "/banyuwangi/masuk"), ("/banyuwangi/layanan", "/banyuwangi/masuk"),
    ("/banyuwangi/layanan/akta-kelahiran", "/banyuwangi/masuk"), ("/inovasi", "/masuk"), ("/replikasi", "/masuk"),
    ("/onboarding/daftar", "/masuk"),
])
def test_public_pages_link_to_the_registry_the_map_joining_and_sign_in(client, path, sign_in_at):
    page = client.get(path)
    assert page.status_code == 200
    assert _footer_links(page.text) == ["/inovasi", "/replikasi", "/onboarding/daftar", sign_in_at]
    for link in _footer_links(page.text):
        assert client.get(link).status_code == 200, link


def test_the_platform_admin_lands_on_the_platform_page(client, people):
    signed_in = sign_in(client, people["platform"])
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/platform"
    assert client.get("/platform").status_code == 200


def test_the_ministry_still_lands_on_its_overview(client, people):
    signed_in = sign_in(client, people["ministry"])
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/kementerian/"
