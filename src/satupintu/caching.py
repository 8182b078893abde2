"""Public pages computed once per change of a regency's data, and answered conditionally.

A page or API answer that depends only on a regency's data, the language and the address is kept
under its address (:func:`address`: the language, host, path with its query and the htmx headers
that pick a fragment), with the regency's id and revision (``tenants.revision``, which every write
bumps: see ``db.py``) it was computed for. It answers a request only while the regency at that
address is still that regency at that revision (and, for pages that show whether a place is open
now, until one of those places opens or closes, or midnight). The revision is read with the regency's row on every request, so a change shows
on the next request in every web process, without a shared cache and without telling anyone; and one
regency's entry can never answer another's request.

:func:`front` answers a request from this cache before the framework sees it: a GET without a
session cookie whose address holds an entry costs the regency's row (one statement) and nothing else
(no routing, session, CSRF, guard, dependency or database session). Everything else, and every entry
that no longer serves, goes through the application, whose handler renders and keeps the page.

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
from datetime import datetime
from typing import Any

import cachetools
import msgspec
import structlog
from litestar import MediaType, Request, Response
from litestar.response import Template
from litestar.utils import normalize_path
from litestar.utils.scope.state import ScopeState

from satupintu import i18n
from satupintu.accounts.sessions import COOKIE as SESSION_COOKIE
from satupintu.agencies import hours
from satupintu.tenancy import TENANT
from satupintu.tenants.models import TenantStatus
from satupintu.web import SHARED

PAGE_CACHE_BYTES = 16 * 1024 * 1024
MAX_AGE = 30
"""Seconds a phone may reuse a page before asking again (and then usually getting a 304)."""
PAGE_VARY = "Cookie, Accept-Language, HX-Request, HX-Target"
JSON_VARY = "Cookie, Accept-Language"


@dataclass(frozen=True, slots=True)
class Entry:
    """A response body kept gzip-compressed (as most clients take it), with its ETag, and what it was
    computed for: the regency (id, slug, revision) and, for a page showing whether a place is open
    now, until when that stays true."""

    gzipped: bytes
    etag: str
    media_type: str
    vary: str
    tenant_id: int
    slug: str
    revision: int
    until: datetime | None

    @property
    def size(self) -> int:
        return len(self.gzipped) + 300

    def serves(self, tenant: Any) -> bool:
        """Whether this entry answers a request for ``tenant`` (its row as read for the request) now."""
        return (self.tenant_id == tenant.id and self.revision == tenant.revision
                and (self.until is None or hours.now() < self.until))


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


def address(scope: Any) -> tuple:
    """What a cached answer depends on besides the regency's data: the language, the host (the API's
    links), the path and query, and the htmx headers that ask for a fragment of a page."""
    host = hx_request = hx_target = b""
    for name, value in scope["headers"]:
        name = name.lower()
        if name == b"host":
            host = value.lower()
        elif name == b"hx-request":
            hx_request = value
        elif name == b"hx-target":
            hx_target = value
    # The path as the router sees it (``/banyuwangi/`` and ``/banyuwangi`` are one page).
    return i18n.current_locale.get(), host, normalize_path(scope["path"]), scope["query_string"], hx_request, hx_target


def _header(scope: Any, wanted: bytes) -> str:
    for name, value in scope["headers"]:
        if name.lower() == wanted:
            return value.decode("latin-1")
    return ""


def _answer(scope: Any, entry: Entry) -> tuple[int, dict[str, str], bytes]:
    """The status, headers and body that answer this request from ``entry``: 304 when the client holds
    it already, the compressed body when the client takes gzip, the plain body otherwise."""
    headers = {"etag": entry.etag, "cache-control": f"private, max-age={MAX_AGE}", "vary": entry.vary}
    asked = _header(scope, b"if-none-match")
    if asked and (asked.strip() == "*" or entry.etag in (tag.strip().removeprefix("W/") for tag in asked.split(","))):
        return 304, headers, b""
    if "gzip" in _header(scope, b"accept-encoding"):
        return 200, {**headers, "content-encoding": "gzip", "vary": f"{entry.vary}, Accept-Encoding"}, entry.gzipped
    return 200, headers, gzip.decompress(entry.gzipped)


def _respond(request: Request, entry: Entry) -> Response:
    request.scope[SHARED] = True  # type: ignore[literal-required]
    status, headers, body = _answer(request.scope, entry)
    if headers.get("content-encoding") == "gzip":
        # Already compressed: the compression middleware passes responses marked as cached through.
        ScopeState.from_scope(request.scope).is_cached = True
    return Response(content=body, status_code=status, media_type=entry.media_type, headers=headers)


def _keep(request: Request, tenant: Any, body: bytes, media_type: str, vary: str, until: datetime | None) -> Entry:
    entry = Entry(gzip.compress(body, compresslevel=6, mtime=0), f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"',
                  media_type, vary, tenant.id, tenant.slug, tenant.revision, until)
    return page_cache(request).put(address(request.scope), entry)


def _kept(request: Request, tenant: Any) -> Entry | None:
    entry = page_cache(request).get(address(request.scope))
    return entry if entry is not None and entry.serves(tenant) else None


async def page(request: Request, tenant: Any, template: str, context: Callable[[], Awaitable[dict[str, Any]]], *,
               opening_hours: bool = False) -> Response | Template:
    """The rendered ``template`` for this tenant revision, language and address, from the cache when
    it is there; ``context`` is awaited only to render it. ``opening_hours``: the page also shows
    whether places are open now (``context["status"]``, from ``agencies.service.opening``), so it is
    kept until one of them opens or closes, or until midnight in the regency's zone.

    Citizens' pages make no unsafe request, so the cached text carries no CSRF token and is the same
    for every visitor; pages for signed-in staff (their name and a sign-out form are on the page) are
    rendered afresh for them.
    """
    if request.scope.get("principal") is not None:
        return Template(template, context=await context())
    entry = _kept(request, tenant)
    if entry is None:
        # The clock is read before the statuses are: a place opening or closing in between ends the entry at once.
        at = hours.local_now(tenant.timezone.iana) if opening_hours else None
        values = await context()
        until = hours.changes_at(values["status"].values(), at) if at is not None else None
        entry = _keep(request, tenant, _render(request, template, values).encode(), MediaType.HTML.value,
                      PAGE_VARY, until)
    return _respond(request, entry)


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
    entry = _kept(request, tenant)
    if entry is None:
        entry = _keep(request, tenant, msgspec.json.encode(await value()), MediaType.JSON.value, JSON_VARY, None)
    return _respond(request, entry)


def _content_type(media_type: str) -> bytes:
    """As Litestar writes it for the same media type."""
    return (f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type).encode()


def _signed_in(scope: Any) -> bool:
    cookie = _header(scope, b"cookie")
    return f"{SESSION_COOKIE}=" in cookie


def front(app: Any) -> Any:  # plain ASGI middleware around the Litestar application
    """Answer a citizen's GET from the page cache before the framework sees it.

    Only an address that holds an entry is looked at, and only for a request without a session cookie
    (anyone signed in gets the application, which renders their page). The regency's row is read as
    the application would (``app.state.tenants``: as it is now, every request), and the entry answers
    only while it serves that row (same regency, same revision, live, opening hours still as shown).
    Otherwise the request goes on, carrying the row read here (``tenancy.TENANT``) so that the page's
    regency is not read twice. A database error here is left for the application to meet and answer.
    """
    cache: ByteCache = app.state.page_cache
    tenants = app.state.tenants

    async def middleware(scope, receive, send):  # noqa: ANN001
        if scope["type"] == "http" and scope["method"] == "GET":
            entry = cache.get(address(scope))
            if entry is not None and not _signed_in(scope):
                try:
                    tenant = await tenants.get(entry.slug)
                except Exception:  # noqa: BLE001 - the application answers it (a 503 page, logged)
                    tenant = None
                if tenant is not None and tenant.status == TenantStatus.LIVE:
                    if entry.serves(tenant):
                        structlog.contextvars.bind_contextvars(tenant=tenant.slug)
                        status, headers, body = _answer(scope, entry)
                        raw = [(name.encode(), value.encode()) for name, value in headers.items()]
                        if status == 200:
                            raw += [(b"content-type", _content_type(entry.media_type)),
                                    (b"content-length", str(len(body)).encode())]
                        await send({"type": "http.response.start", "status": status, "headers": raw})
                        await send({"type": "http.response.body", "body": body})
                        return
                    scope[TENANT] = tenant
        await app(scope, receive, send)

    return middleware
