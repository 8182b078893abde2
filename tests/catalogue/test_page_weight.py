"""The catalogue's first screen stays light for a cheap phone on a slow link.

"First screen": what a browser must download before it can paint the top of the page, compressed as
sent: the whole HTML document (all of it, although only its top is shown first) plus every resource
that blocks rendering, that is each stylesheet linked in ``<head>`` and each script there without
``defer``/``async``. A deferred script (htmx) loads after the first paint and is cached for a year under
its content-hashed name, so it is not counted; images are not counted because the page has none.
"""

from __future__ import annotations

import re

import pytest

FIRST_SCREEN_BYTES = 15 * 1024
GZIP = {"Accept-Encoding": "gzip"}


def _blocking(html: str) -> list[str]:
    head = html.split("</head>", 1)[0]
    styles = re.findall(r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"', head)
    scripts = [m.group(2) for m in re.finditer(r'<script([^>]*)src="([^"]+)"([^>]*)>', head)
               if not re.search(r"\b(defer|async)\b|type=\"module\"", m.group(1) + m.group(3))]
    return styles + scripts


def _sent(client, path: str, headers: dict[str, str]) -> tuple[int, str]:
    """Bytes on the wire (compressed when the server compresses) and the decoded text."""
    with client.stream("GET", path, headers=headers) as response:
        assert response.status_code == 200, path
        body = response.read()
        return response.num_bytes_downloaded, body.decode()


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_catalogue_first_screen_is_under_15_kb_compressed(client, language):
    headers = {**GZIP, "Accept-Language": language}
    html_bytes, html = _sent(client, "/banyuwangi/layanan", headers)
    assert html.count('href="/banyuwangi/layanan/') > 150, "the whole catalogue is on the page"
    resources = _blocking(html)
    assert any(r.endswith(".css") for r in resources), "the stylesheet is counted"
    assert not any("htmx" in r for r in resources), "htmx is deferred"
    assert html_bytes < len(html.encode()) / 3, "counted as sent, compressed"
    total = html_bytes + sum(_sent(client, resource, headers)[0] for resource in resources)
    assert total < FIRST_SCREEN_BYTES, f"{total} bytes: HTML {html_bytes} + {resources}"


def test_stylesheets_and_blocking_scripts_are_counted_and_deferred_scripts_are_not():
    assert _blocking('<head><link rel="stylesheet" href="/a.css"><script src="/b.js"></script>'
                     '<script src="/c.js" defer></script></head>') == ["/a.css", "/b.js"]
