"""Stylesheets and scripts under content-hashed names, cached for a year; plain names briefly."""

from __future__ import annotations

import re

import pytest

from satupintu.web import STATIC_DIR

HASHED = re.compile(r'(?:href|src)="(/static/[^"]+\.[0-9a-f]{10}\.(?:css|js))"')


def test_pages_link_content_hashed_files_cached_for_a_year(client):
    page = client.get("/banyuwangi/layanan").text
    links = HASHED.findall(page)
    assert {re.sub(r"\.[0-9a-f]{10}\.", ".", link) for link in links} >= {
        "/static/satupintu.css", "/static/vendor/htmx.min.js"}
    for link in links:
        response = client.get(link)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        plain = re.sub(r"\.[0-9a-f]{10}\.", ".", link).removeprefix("/static/")
        assert response.content == (STATIC_DIR / plain).read_bytes()
    assert "text/css" in client.get(links[0] if links[0].endswith(".css") else links[1]).headers["content-type"]


def test_plain_and_outdated_names_are_served_but_not_for_long(client):
    plain = client.get("/static/satupintu.css")
    assert plain.status_code == 200 and "immutable" not in plain.headers["cache-control"]
    outdated = client.get("/static/satupintu.0000000000.css")
    assert outdated.status_code == 200 and "immutable" not in outdated.headers["cache-control"]
    assert outdated.content == plain.content


@pytest.mark.parametrize("path", ["/static/nothing.css", "/static/../pyproject.toml", "/static/%2e%2e/pyproject.toml",
                                  "/static/vendor/../../web.py", "/static/satupintu.0123456789.js"])
def test_nothing_outside_the_static_files_is_served(client, path):
    assert client.get(path).status_code == 404


def test_static_files_never_set_a_cookie_even_for_a_signed_in_person(client, people):
    """A cached stylesheet must not carry (or renew) anyone's session: shared caches would keep it."""
    from tests.conftest import sign_in

    assert sign_in(client, people["admin_a"], "banyuwangi").status_code in (302, 303)
    link = HASHED.findall(client.get("/banyuwangi/layanan").text)[0]
    for path in (link, "/static/satupintu.css"):
        response = client.get(path)
        assert response.status_code == 200
        assert "set-cookie" not in response.headers, path
