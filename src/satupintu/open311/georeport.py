"""The GeoReport v2 wire format: one document, written as XML (required by the spec) or JSON.

A document is plain data: a dict is an element with named children in order, a list is an element
whose children repeat under the singular name the spec gives them (``services`` holds ``service``
elements, ``service_requests`` holds ``request`` ...), and a value is text. JSON follows the spec's
"Spark convention": a top-level list is the JSON array itself, a dict is an object, values keep their
types (booleans, numbers, null). XML carries the declaration with ``encoding="utf-8"``, no namespace.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from litestar import Response

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MEDIA_TYPES = {"xml": "text/xml", "json": "application/json"}
"""Sent with ``; charset=utf-8``, as the spec shows."""
ITEMS = {
    "services": "service", "service_requests": "request", "errors": "error", "endpoints": "endpoint",
    "formats": "format", "attributes": "attribute", "values": "value",
}
"""Each list's element name for its items, as the spec names them."""


def timestamp(moment: datetime) -> str:
    """W3C/ISO 8601 with the offset, to the second: 2026-12-07T10:15:30+07:00."""
    return moment.isoformat(timespec="seconds")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _element(parent: Element | None, name: str, value: Any) -> Element:
    element = Element(name) if parent is None else SubElement(parent, name)
    if isinstance(value, list):
        for item in value:
            _element(element, ITEMS[name], item)
    elif isinstance(value, dict):
        for key, child in value.items():
            _element(element, key, child)
    else:
        element.text = _text(value)
    return element


def xml(root: str, body: list[Any] | dict[str, Any]) -> bytes:
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(_element(None, root, body), encoding="utf-8",
                                                                  xml_declaration=False)


def render(fmt: str, root: str, body: list[Any] | dict[str, Any], status: int = 200) -> Response[bytes]:
    """The document ``root`` (e.g. ``services``) in the format asked for (``xml`` or ``json``)."""
    content = xml(root, body) if fmt == "xml" else json.dumps(body, ensure_ascii=False).encode()
    media_type = MEDIA_TYPES[fmt]
    return Response(content, status_code=status, media_type=media_type,
                    headers={"content-type": f"{media_type}; charset=utf-8"})


def errors(fmt: str, status: int, *descriptions: str) -> Response[bytes]:
    """The spec's error list: one ``{code, description}`` per problem, the code being the HTTP status."""
    return render(fmt, "errors", [{"code": status, "description": text} for text in descriptions], status)
