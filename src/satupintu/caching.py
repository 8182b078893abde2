"""Public pages computed once per change of a regency's data, and answered conditionally.

A page or API answer that depends only on a regency's data, the language and the address is kept
under a key made of the tenant's id and revision (``tenants.revision``, which every write bumps: see
``db.py``), the language, the template and the path with its query. The request reads the revision
with the tenant anyway, so a change shows on the next request in every web process, without a shared
cache and without telling anyone; and one regency's entry can never answer another's request.

Each application keeps its own cache (``app.state.page_cache``), bounded by bytes, of gzip-compressed
bodies: most clients take them as they are. Responses carry an ETag (a digest of the body, so every
process gives the same one) and a short ``Cache-Control``; a request whose ``If-None-Match`` matches
gets 304 and no body. Pages for signed-in staff are rendered afresh and not cached.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any

import cachetools
import msgspec
from litestar import MediaType, Request, Response
from litestar.response import Template
from litestar.utils.scope.state import ScopeState

from satupintu import i18n
from satupintu.agencies import hours
from satupintu.web import SHARED

PAGE_CACHE_BYTES = 16 * 1024 * 1024
MAX_AGE = 30
"""Seconds a phone may reuse a page before asking again (and then usually getting a 304)."""


@dataclass(frozen=True)
class Entry:
    """A response body kept gzip-compressed (as most clients take it), with its ETag."""

    gzipped: bytes
    etag: str

    @property
    def size(self) -> int:
        return len(self.gzipped) + 200


class ByteCache:
    """A least-recently-used cache whose bound is the total size of its entries in bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._data: cachetools.LRUCache = cachetools.LRUCache(maxsize=max_bytes, getsizeof=self.sizeof)

    @staticmethod
    def sizeof(value: Any) -> int:
        return value.size

    def get(self, key: Hashable) -> Any:
        return self._data.get(key)

    def put(self, key: Hashable, value: Any) -> Any:
        if value.size <= self.max_bytes:
            self._data[key] = value
        return value

    @property
    def bytes(self) -> int:
        return self._data.currsize

    def __len__(self) -> int:
        return len(self._data)


def page_cache(request: Request) -> ByteCache:
    return request.app.state.page_cache


def _entry(body: bytes) -> Entry:
    return Entry(gzip.compress(body, compresslevel=9, mtime=0), f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"')


def _key(request: Request, tenant: Any, kind: str) -> tuple:
    return (kind, tenant.id, tenant.revision, i18n.current_locale.get(), request.url.path, request.url.query)


def _respond(request: Request, entry: Entry, media_type: str, vary: str) -> Response:
    request.scope[SHARED] = True  # type: ignore[literal-required]
    headers = {"etag": entry.etag, "cache-control": f"private, max-age={MAX_AGE}", "vary": vary}
    asked = request.headers.get("if-none-match", "")
    if asked and (asked.strip() == "*" or entry.etag in (tag.strip().removeprefix("W/") for tag in asked.split(","))):
        return Response(content=b"", status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        # Already compressed: the compression middleware passes responses marked as cached through.
        ScopeState.from_scope(request.scope).is_cached = True
        return Response(content=entry.gzipped, media_type=media_type,
                        headers={**headers, "content-encoding": "gzip", "vary": f"{vary}, Accept-Encoding"})
    return Response(content=gzip.decompress(entry.gzipped), media_type=media_type, headers=headers)


async def page(request: Request, tenant: Any, template: str, context: Callable[[], Awaitable[dict[str, Any]]], *,
               per_minute: bool = False) -> Response | Template:
    """The rendered ``template`` for this tenant revision, language and address, from the cache when
    it is there; ``context`` is awaited only to render it. ``per_minute``: the page also depends on
    the clock (whether a place is open now), so it is kept for the current minute only.

    Citizens' pages make no unsafe request, so the cached text carries no CSRF token and is the same
    for every visitor; pages for signed-in staff (their name and a sign-out form are on the page) are
    rendered afresh for them.
    """
    if request.scope.get("principal") is not None:
        return Template(template, context=await context())
    minute = hours.now().replace(second=0, microsecond=0) if per_minute else None
    key = (*_key(request, tenant, "page"), template, minute)
    cache = page_cache(request)
    entry = cache.get(key)
    if entry is None:
        entry = cache.put(key, _entry(_render(request, template, await context()).encode()))
    return _respond(request, entry, MediaType.HTML, "Cookie, Accept-Language, HX-Request, HX-Target")


def _render(request: Request, template: str, context: dict[str, Any]) -> str:
    state = ScopeState.from_scope(request.scope)
    token, state.csrf_token = state.csrf_token, ""
    try:
        full = Template(template, context=context).create_template_context(request)
        return request.app.template_engine.get_template(template).render(**full)
    finally:
        state.csrf_token = token


async def json(request: Request, tenant: Any, value: Callable[[], Awaitable[Any]]) -> Response:
    """The JSON answer for this tenant revision, language and address, msgspec-encoded once."""
    key = _key(request, tenant, "json")
    cache = page_cache(request)
    entry = cache.get(key)
    if entry is None:
        entry = cache.put(key, _entry(msgspec.json.encode(await value())))
    return _respond(request, entry, MediaType.JSON, "Cookie, Accept-Language")
