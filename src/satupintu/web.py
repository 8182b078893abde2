"""Web plumbing shared by every domain: templates, request context, security headers, errors."""

from __future__ import annotations

import functools
import hashlib
import mimetypes
import re
import os
import socket
import time
from contextvars import ContextVar
from urllib.parse import quote, unquote_plus, urlsplit
from pathlib import Path
from typing import Any

import structlog
from advanced_alchemy.extensions.litestar._utils import get_aa_scope_state
from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import MediaType, Request, Response, get
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.response import File, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR, HTTP_503_SERVICE_UNAVAILABLE

from satupintu import i18n
from satupintu.config import PROJECT_ROOT
from satupintu.handlers import flashed
from satupintu.tenancy import TenantNotFound, TenantSuspended, WizardClosed
from satupintu.tenants.slugs import RESERVED_SLUGS, SLUG_RE

TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = Path(__file__).parent / "static"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
log = structlog.get_logger("satupintu.web")

SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
     b"font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
     b"object-src 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


_HASHED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{10})(?P<suffix>\.[A-Za-z0-9]+)$")
IMMUTABLE = "public, max-age=31536000, immutable"


@functools.cache
def _digest(name: str) -> str | None:
    path = STATIC_DIR / name
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10] if path.is_file() else None


def static_url(name: str) -> str:
    """A static file's address with its content's digest in the name (``satupintu.1a2b3c4d5e.css``):
    browsers keep it for a year, and a changed file gets a new name. Files ship with the code, so the
    digest is computed once per process."""
    digest = _digest(name)
    if digest is None:
        return f"/static/{name}"
    stem, _, suffix = name.rpartition(".")
    return f"/static/{stem}.{digest}.{suffix}"


def _static_file(path: str) -> tuple[Path, bool] | None:
    """The file a ``/static/`` path names, and whether it was named by its current digest (an older
    digest, from a page of the previous release, gets the current file, cached briefly)."""
    name, current = path.lstrip("/"), False
    hashed = _HASHED.match(name)
    if hashed and _digest(hashed["stem"] + hashed["suffix"]) is not None:
        name = hashed["stem"] + hashed["suffix"]
        current = _digest(name) == hashed["digest"]
    root = STATIC_DIR.resolve()
    file = (root / name).resolve()
    if not file.is_relative_to(root) or not file.is_file():
        return None
    return file, current


@get("/static/{path:path}", name="static", include_in_schema=False, sync_to_thread=False)
def static_files(path: str) -> File:
    """Stylesheets and scripts: for a year under a content-hashed name, briefly under the plain one."""
    found = _static_file(path)
    if found is None:
        raise NotFoundException()
    file, immutable = found
    return File(file, content_disposition_type="inline", media_type=mimetypes.guess_type(file.name)[0],
                headers={"cache-control": IMMUTABLE if immutable else "public, max-age=300"})


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["options"] = lambda items, value, text: [(getattr(i, value), getattr(i, text)) for i in items]
    env.globals.update(
        static=static_url,
        locale=i18n.current_locale.get,
        locales=i18n.LOCALES,
        rupiah=i18n.rupiah,
        number=i18n.number,
        day_name=i18n.day_name,
        unit_name=i18n.unit_name,
        duration=i18n.duration,
        flashed=flashed,
    )
    return env


HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
"""Production only: browsers then use https for a year, even when a link says http."""


_WANTED = frozenset({b"x-request-id", b"cookie", b"accept-language"})


def _wanted_headers(raw: Any) -> dict[bytes, str]:
    """The few request headers read here (the last of each, as a dict of all of them would keep)."""
    return {name: value.decode("latin-1") for key, value in raw if (name := key.lower()) in _WANTED}


def _cookie(header: str, name: str) -> str | None:
    """One cookie's value from a Cookie header (the last one of that name)."""
    found = None
    for part in header.split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key == name:
            found = value
    return found


_pick_locale = functools.lru_cache(maxsize=1024)(i18n.pick_locale)
"""The language for a (language cookie, Accept-Language) pair: browsers send few distinct values."""


def request_context(app, *, production: bool = False):  # noqa: ANN001, ANN201 - plain ASGI middleware
    """Request id, language and log context for each request; security headers on each response."""
    headers_for_all = [*SECURITY_HEADERS, HSTS] if production else SECURITY_HEADERS

    async def middleware(scope, receive, send):  # noqa: ANN001
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        wanted = _wanted_headers(scope.get("headers", ()))
        request_id = wanted.get(b"x-request-id", "")
        if not _REQUEST_ID.match(request_id):
            request_id = os.urandom(16).hex()
        locale = _pick_locale(_cookie(wanted.get(b"cookie", ""), i18n.COOKIE), wanted.get(b"accept-language"))
        locale_token = i18n.current_locale.set(locale)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_headers(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in headers_for_all if k not in names]
                extra.append((b"x-request-id", request_id.encode()))
                extra.append((b"content-language", locale.encode()))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        try:
            await app(scope, receive, send_with_headers)
        finally:
            log.info("request", method=scope.get("method"), path=scope.get("path"), status=status,
                     ms=round((time.perf_counter() - started) * 1000, 1))
            i18n.current_locale.reset(locale_token)
            structlog.contextvars.clear_contextvars()

    return middleware


_REQUEST: ContextVar[Request | None] = ContextVar("satupintu_request", default=None)


async def remember_request(request: Request) -> None:
    """``before_request``: the request whose unit of work :func:`commit_before_answering` commits."""
    _REQUEST.set(request)


def commit_before_answering(session_scope_key: str) -> Any:
    """An ``after_request`` hook that commits the request's database session before its answer goes
    out, for answers that commit (2xx and redirects). A commit that fails is then answered as the
    failure it is (the error handlers: 503 when the database is out of reach, else 500, logged) and
    never as the success the handler prepared: advanced-alchemy's before-send handler, which still
    closes the session and rolls back every other answer, commits only once the status is fixed and
    logs a failed commit at debug level only."""

    async def commit(response: Response) -> Response:
        request = _REQUEST.get()
        if request is None:
            return response
        status = response.status_code or request.route_handler.status_code  # the handler's default when unset
        if not 200 <= status < 400:
            return response
        session = get_aa_scope_state(request.scope, session_scope_key)
        if session is not None and session.in_transaction():
            try:
                await session.commit()
            except Exception:
                await session.rollback()
                raise
        return response

    return commit


CSRF_COOKIE = "satupintu_csrf"
SHARED = "satupintu.shared"
"""Scope key: this response is the same for every visitor (a public page from ``caching``)."""


def shared_responses(app):  # noqa: ANN001, ANN201 - Litestar middleware, outside the CSRF middleware
    """A response that is the same for every visitor sets no cookie of one visitor: Litestar's CSRF
    middleware gives a token cookie on every GET, which a cached public page (no form on it) does not
    need. Pages with a form are not shared, and keep setting it."""
    cookie = f"{CSRF_COOKIE}=".encode()

    async def middleware(scope, receive, send):  # noqa: ANN001
        if scope["type"] != "http":
            await app(scope, receive, send)
            return

        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and scope.get(SHARED):
                message = {**message, "headers": [(k, v) for k, v in message.get("headers", [])
                                                  if not (k.lower() == b"set-cookie" and v.startswith(cookie))]}
            await send(message)

        await app(scope, receive, sending)

    return middleware


INT_PATH_RANGE = (-(2**31), 2**31 - 1)
"""Ids are 32-bit integers: a path number outside this range can name nothing."""


def refuse_bad_input(app):  # noqa: ANN001, ANN201 - Litestar middleware (runs after routing)
    """Refuse what no handler could use before it reaches one: a path number that can name no row
    (404), or a path or query value with a NUL byte or another control character (404 or 400).
    Form bodies get the same character check per field from ``forms.Form``, with messages."""
    from satupintu.forms import has_control

    async def middleware(scope, receive, send):  # noqa: ANN001
        if scope["type"] == "http":
            lo, hi = INT_PATH_RANGE
            for value in scope.get("path_params", {}).values():
                if isinstance(value, int) and not lo <= value <= hi \
                        or isinstance(value, str) and has_control(value):
                    raise NotFoundException()
            if has_control(unquote_plus(scope.get("query_string", b"").decode("latin-1"))):
                raise HTTPException(status_code=400)
        await app(scope, receive, send)

    return middleware


def absolute_url(request: Request, path: str) -> str:
    """``path`` as an absolute address on a host name the deployment is configured with: the
    request's own host when it is the public URL's or a regency's (SATUPINTU_TENANT_HOSTS), the
    public URL otherwise. Whatever else a client puts in its Host header is never echoed."""
    settings = request.app.state.settings
    public = urlsplit(settings.public_url)
    host = request.headers.get("host", "").strip().lower()
    if host == public.netloc.lower():
        return f"{public.scheme}://{host}{path}"
    name = host.rsplit(":", 1)[0]
    if name in settings.tenant_hosts:
        return f"{public.scheme}://{name}{path}"
    return settings.public_url + path


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def _error(request: Request, status: int, title: str, message: str,
           action: tuple[str, str] | None = None) -> Response:
    if _wants_json(request):
        return Response({"status_code": status, "detail": message}, status_code=status, media_type=MediaType.JSON)
    return Template("errors/error.html", context={"status": status, "title": title, "message": message,
                                                  "action": action},
                    status_code=status, media_type=MediaType.HTML)


def not_found(request: Request, exc: Exception) -> Response:
    _ = i18n.gettext
    if isinstance(exc, TenantNotFound):
        return _error(request, 404, _("Region not found"),
                      _("There is no public service mall at this address. Check the spelling or "
                        "choose a region from the list."))
    return _error(request, 404, _("Page not found"), _("The page you are looking for does not exist."))


def suspended(request: Request, exc: TenantSuspended) -> Response:
    _ = i18n.gettext
    return _error(request, 403, _("Service temporarily unavailable"),
                  _("The online services of %(name)s are suspended for now. Please contact the "
                    "regional government directly.") % {"name": exc.tenant_name})


def wizard_closed(request: Request, exc: WizardClosed) -> Response:
    _ = i18n.gettext
    return _error(request, 409, _("Setup is finished"),
                  _("%(name)s is live, so its setup wizard is closed. Its settings are changed in the console; "
                    "its official name and region code stay as they are.") % {"name": exc.tenant_name},
                  (f"/{exc.slug}/admin/", _("Open the console")))


def http_error(request: Request, exc: HTTPException) -> Response:
    _ = i18n.gettext
    status = exc.status_code
    if status == 401 and not _wants_json(request):
        first = request.url.path.strip("/").split("/")[0]
        login = f"/{first}/masuk" if SLUG_RE.match(first) and first not in RESERVED_SLUGS else "/masuk"
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Template("errors/error.html", status_code=403, media_type=MediaType.HTML, context={
            "status": 403, "title": _("Sign in required"), "message": _("Please sign in first."),
            "action": (f"{login}?next={quote(target)}", _("Sign in"))})
    messages = {
        400: (_("Invalid request"), _("The request could not be understood. Please check what you sent.")),
        401: (_("Sign in required"), _("Please sign in first.")),
        403: (_("Access denied"), _("You do not have permission to open this page.")),
        405: (_("Method not allowed"), _("This address does not accept that kind of request.")),
        413: (_("Request too large"), _("What you sent is larger than allowed.")),
        429: (_("Too many requests"), _("Please wait a moment and try again.")),
    }
    title, message = messages.get(status, (_("Something went wrong"), _("Please try again later.")))
    if isinstance(exc, ValidationException) and _wants_json(request):
        return Response({"status_code": status, "detail": message, "extra": exc.extra},
                        status_code=status, media_type=MediaType.JSON)
    return _error(request, status, title, message)


def _backing_service_down(exc: BaseException | None) -> bool:
    """The database (or its pooler) or the session store could not be reached: not a bug here, but
    something that comes back by itself, so the answer is a quick 503, not a 500."""
    import redis.exceptions
    import sqlalchemy.exc

    for _depth in range(6):
        if exc is None:
            return False
        if isinstance(exc, (ConnectionError, TimeoutError, socket.gaierror, redis.exceptions.ConnectionError,
                            redis.exceptions.TimeoutError)):
            return True
        if isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.connection_invalidated:
            return True
        if type(exc).__module__.startswith("asyncpg") and type(exc).__name__ in _ASYNCPG_UNAVAILABLE:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


_ASYNCPG_UNAVAILABLE = {"CannotConnectNowError", "ConnectionDoesNotExistError", "TooManyConnectionsError",
                        "AdminShutdownError", "CrashShutdownError", "ConnectionFailureError"}


def server_error(request: Request, exc: Exception) -> Response:
    _ = i18n.gettext
    if _backing_service_down(exc):
        log.warning("backing service unavailable", error=type(exc).__name__)
        response = _error(request, HTTP_503_SERVICE_UNAVAILABLE, _("Temporarily unavailable"),
                          _("We cannot reach our database right now. Please try again in a moment."))
        response.headers["Retry-After"] = "5"
        return response
    log.exception("unhandled error", exc_info=exc)
    return _error(request, HTTP_500_INTERNAL_SERVER_ERROR, _("Something went wrong"),
                  _("An error occurred on our side. It has been recorded; please try again later."))


EXCEPTION_HANDLERS = {
    TenantNotFound: not_found,
    NotFoundException: not_found,
    TenantSuspended: suspended,
    WizardClosed: wizard_closed,
    HTTPException: http_error,
    Exception: server_error,
}
