"""A real OpenID Connect provider on loopback for end-to-end sign-in tests.

``run_provider`` starts ``node provider.mjs`` (panva's ``oidc-provider``, pinned in
``package.json``/``package-lock.json`` beside this file) on a free 127.0.0.1 port and yields a
:class:`Provider` whose ``issuer`` is exactly ``http://127.0.0.1:<port>``. ``login`` then plays
the browser: it drives the authorization request through the provider's login form and returns
the final redirect to the client's ``redirect_uri`` (with ``code`` and ``state``) without
requesting it, so the test hands it to the app under test.

Nothing here imports pytest; the fixtures live in ``conftest.py``.
"""

from __future__ import annotations

import collections
import contextlib
import fcntl
import functools
import hashlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx

PACKAGE_DIR = Path(__file__).resolve().parent
PROVIDER_SCRIPT = PACKAGE_DIR / "provider.mjs"
# npm writes node_modules/.package-lock.json (a "hidden lockfile") on every install; it is newer than
# package-lock.json after a successful `npm ci`, a better freshness marker than the directory's mtime.

READY_TIMEOUT = 30.0
NPM_CI_TIMEOUT = 600.0
STOP_TIMEOUT = 5.0


class ProviderError(RuntimeError):
    """The provider could not be installed or started."""


class NodeUnavailable(ProviderError):
    """``node`` or ``npm`` is not installed; the fixtures skip on this (unless required)."""


class LoginError(Exception):
    """The provider refused or broke the scripted sign-in (e.g. unknown account -> 400)."""

    def __init__(self, message: str, response: httpx.Response | None = None):
        self.response = response
        self.status_code = response.status_code if response is not None else None
        self.body = response.text if response is not None else ""
        if response is not None:
            request = response.request
            message += (f" [{request.method} {request.url} -> {response.status_code}]: "
                        f"{self.body[:500]}")
        super().__init__(message)


# --- installation -----------------------------------------------------------------------------

def node_executable() -> str:
    node = shutil.which("node")
    if not node:
        raise NodeUnavailable("`node` is not on PATH; the loopback OIDC provider needs Node.js "
                              ">= 18 (Debian: apt-get install nodejs npm)")
    return node


def _marker(package_dir: Path) -> Path:
    return package_dir / "node_modules" / ".package-lock.json"


def _installed(package_dir: Path) -> bool:
    marker = _marker(package_dir)
    return marker.exists() and marker.stat().st_mtime >= (package_dir / "package-lock.json").stat().st_mtime


@contextlib.contextmanager
def _install_lock(package_dir: Path) -> Iterator[None]:
    """Serialise `npm ci` across processes (pytest-xdist workers) for this package of this checkout."""
    digest = hashlib.sha256(str(package_dir).encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"satupintu-npm-{digest}.lock"
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_node_modules(package_dir: Path = PACKAGE_DIR) -> None:
    """Run ``npm ci`` in ``package_dir`` (tests/oidc by default; the browser tests' axe-core too) if
    its node_modules is missing or older than its package-lock.json."""
    if _installed(package_dir):
        return
    npm = shutil.which("npm")
    if not npm:
        raise NodeUnavailable(f"`npm` is not on PATH, so {package_dir / 'node_modules'} cannot be "
                              "installed from package-lock.json (Debian: apt-get install npm)")
    with _install_lock(package_dir):
        if _installed(package_dir):  # another worker did it while we waited
            return
        try:
            done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=package_dir,
                                  stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                  timeout=NPM_CI_TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            raise ProviderError(f"`npm ci` in {package_dir} took over {NPM_CI_TIMEOUT:.0f} s") \
                from exc
        if done.returncode != 0:
            raise ProviderError(f"`npm ci --no-audit --no-fund` in {package_dir} failed with exit "
                                f"code {done.returncode}:\n"
                                f"{done.stderr.strip() or done.stdout.strip()}")
        if not _installed(package_dir):
            raise ProviderError(f"`npm ci` succeeded but {_marker(package_dir)} is missing or stale")


# --- the provider process ---------------------------------------------------------------------

class _Output:
    """Drains one pipe of the child on a thread (so it never blocks) and keeps the lines."""

    def __init__(self, stream, limit: int = 2000):
        self.lines: collections.deque[str] = collections.deque(maxlen=limit)
        self.ready = threading.Event()
        self.issuer: str | None = None
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream) -> None:
        with contextlib.suppress(ValueError, OSError):
            for line in stream:
                line = line.rstrip("\n")
                self.lines.append(line)
                if self.issuer is None and line.startswith("READY "):
                    self.issuer = line.split(" ", 1)[1].strip()
                    self.ready.set()

    def text(self) -> str:
        return "\n".join(self.lines)

    def join(self, timeout: float = 2.0) -> None:
        self._thread.join(timeout)


@dataclass
class Provider:
    """A running loopback OpenID Connect provider."""

    issuer: str
    port: int
    clients: list[dict[str, Any]]
    accounts: dict[str, dict[str, Any]]
    process: subprocess.Popen = field(repr=False)
    _stdout: _Output = field(repr=False)
    _stderr: _Output = field(repr=False)

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    @functools.cached_property
    def metadata(self) -> dict[str, Any]:
        """The discovery document (fetched once)."""
        response = httpx.get(self.discovery_url, timeout=10)
        response.raise_for_status()
        return response.json()

    def client(self, client_id: str | None = None) -> dict[str, Any]:
        """A registered client's metadata (with its secret); the first one by default."""
        if client_id is None:
            return self.clients[0]
        for client in self.clients:
            if client["client_id"] == client_id:
                return client
        raise KeyError(client_id)

    @property
    def client_id(self) -> str:
        return self.clients[0]["client_id"]

    @property
    def client_secret(self) -> str:
        return self.clients[0]["client_secret"]

    def log(self) -> str:
        """What the provider wrote on stderr so far (errors from its event handlers land here)."""
        return self._stderr.text()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(process: subprocess.Popen, *outputs: _Output) -> None:
    """SIGTERM (SIGKILL after 5 s), let the reader threads drain the pipes, then close them."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT)
    if process.stdin:
        with contextlib.suppress(OSError):
            process.stdin.close()
    for output in outputs:  # EOF once the process is gone; close only after the readers are done
        output.join()
    for stream in (process.stdout, process.stderr):
        if stream:
            with contextlib.suppress(OSError):
                stream.close()


def _normalise_clients(clients: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if not clients:
        raise ValueError("at least one client is required")
    normalised = []
    for client in clients:
        client = dict(client)
        for key in ("client_id", "client_secret", "redirect_uris"):
            if not client.get(key):
                raise ValueError(f"client {client.get('client_id')!r} needs {key}")
        if isinstance(client["redirect_uris"], str):
            raise ValueError("redirect_uris must be a list of URLs, not a string")
        client["redirect_uris"] = list(client["redirect_uris"])
        client.setdefault("token_endpoint_auth_method", "client_secret_basic")
        normalised.append(client)
    return normalised


@contextlib.contextmanager
def run_provider(clients: Sequence[Mapping[str, Any]], accounts: Mapping[str, Mapping[str, Any]],
                 id_token_ttl: int | None = None, *,
                 ready_timeout: float = READY_TIMEOUT) -> Iterator[Provider]:
    """Start the provider for these clients and accounts; stop it when the block ends.

    ``clients``: client metadata dicts (client_id, client_secret, redirect_uris, optional
    token_endpoint_auth_method: client_secret_basic (default) or client_secret_post).
    ``accounts``: account id -> claims (email, name, groups, ...); the id is also ``sub``.
    """
    node = node_executable()
    ensure_node_modules()
    clients = _normalise_clients(clients)
    accounts = {str(k): dict(v) for k, v in accounts.items()}
    base_env = {
        **os.environ,
        "OIDC_CLIENTS": json.dumps(clients),
        "OIDC_ACCOUNTS": json.dumps(accounts),
        "OIDC_EXIT_ON_STDIN_EOF": "1",
    }
    if id_token_ttl is not None:
        base_env["OIDC_ID_TOKEN_TTL"] = str(int(id_token_ttl))
    else:
        base_env.pop("OIDC_ID_TOKEN_TTL", None)

    for attempt in range(3):  # the free port can be taken between free_port() and listen()
        port = free_port()
        process = subprocess.Popen([node, str(PROVIDER_SCRIPT)], cwd=PACKAGE_DIR,
                                   env={**base_env, "OIDC_PORT": str(port)},
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, encoding="utf-8",
                                   errors="replace")
        stdout, stderr = _Output(process.stdout), _Output(process.stderr)
        deadline = time.monotonic() + ready_timeout
        while not stdout.ready.wait(0.05):
            if process.poll() is not None or time.monotonic() > deadline:
                break
        if stdout.ready.is_set():
            break
        exited = process.poll() is not None
        _stop(process, stdout, stderr)
        if exited and "EADDRINUSE" in stderr.text() and attempt < 2:
            continue
        why = (f"exited with code {process.returncode}" if exited
               else f"did not print READY within {ready_timeout:.0f} s")
        raise ProviderError(f"the OIDC provider ({PROVIDER_SCRIPT.name}) {why}.\n"
                            f"stderr:\n{stderr.text() or '(empty)'}\n"
                            f"stdout:\n{stdout.text() or '(empty)'}")

    expected = f"http://127.0.0.1:{port}"
    if stdout.issuer != expected:
        _stop(process, stdout, stderr)
        raise ProviderError(f"provider announced issuer {stdout.issuer!r}, expected {expected!r}")
    provider = Provider(issuer=expected, port=port, clients=clients, accounts=accounts,
                        process=process, _stdout=stdout, _stderr=stderr)
    try:
        yield provider
    finally:
        _stop(process, stdout, stderr)


# --- the browser's part of the sign-in --------------------------------------------------------

class _Forms(HTMLParser):
    """The forms of a page: action, method and the inputs' names, types and values."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append({"action": attributes.get("action", ""),
                               "method": attributes.get("method", "get").upper(), "inputs": []})
        elif tag == "input" and self.forms and attributes.get("name"):
            kind = attributes.get("type", "text").lower()
            self.forms[-1]["inputs"].append((attributes["name"], kind, attributes.get("value", "")))


def _forms(page: str) -> list[dict[str, Any]]:
    parser = _Forms()
    parser.feed(page)
    parser.close()
    return parser.forms


def _origin(url: str | httpx.URL) -> tuple[str, str, int | None]:
    parts = urlsplit(str(url))
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


def login(http: httpx.Client, authorize_url: str, account: str, *,
          allow_existing_session: bool = False, max_steps: int = 12) -> str:
    """Sign ``account`` in at the provider and return the redirect to the client's redirect_uri.

    Plays the browser with ``http`` (its cookie jar carries the provider's interaction and
    session cookies between steps): GET the authorization URL, follow the provider's redirects to
    its login page, POST the form with ``login=<account>``, follow the redirects back through
    the authorization endpoint (consent is granted automatically; a self-submitting page, such as
    the one that ends another account's session, is submitted as a browser would) and stop at the
    first redirect that leaves the provider. That URL (``code``, ``state``, ``iss``; or ``error``)
    is returned without being requested.

    If the provider answers without showing the login form (an existing provider session in this
    cookie jar), ``account`` would be silently ignored, so that raises LoginError unless
    ``allow_existing_session`` is true; error redirects (``error=...``) are always returned.
    Raises LoginError when the provider refuses (unknown account -> 400) or answers unexpectedly.
    """
    provider = _origin(authorize_url)
    response = http.get(authorize_url, follow_redirects=False)
    submitted = False
    for _ in range(max_steps):
        if response.is_redirect:
            location = urljoin(str(response.url), response.headers["location"])
            if _origin(location) != provider:
                query = parse_qs(urlsplit(location).query)
                if not submitted and not allow_existing_session and "error" not in query:
                    raise LoginError(f"the provider redirected to {location} without asking "
                                     f"{account!r} to sign in: an existing provider session was "
                                     "reused (use a fresh httpx client, prompt=login, or "
                                     "allow_existing_session=True)", response)
                return location
            response = http.get(location, follow_redirects=False)
            continue
        forms = _forms(response.text) if response.status_code == 200 else []
        if len(forms) != 1:
            raise LoginError("unexpected answer from the provider during sign-in", response)
        form = forms[0]
        action = urljoin(str(response.url), form["action"] or str(response.url))
        if _origin(action) != provider:
            raise LoginError(f"the provider posts a form to {action}; login() only follows "
                             "redirects (use the default response_mode=query)", response)
        data = {name: value for name, kind, value in form["inputs"] if kind == "hidden"}
        if any(name == "login" and kind != "hidden" for name, kind, _ in form["inputs"]):
            if submitted:
                raise LoginError("the provider asked for the login again", response)
            data["login"] = account
            submitted = True
            response = http.post(action, data=data, follow_redirects=False)
            if response.status_code >= 400:
                raise LoginError(f"the provider refused to sign in {account!r}", response)
        else:
            # A page that submits itself with JavaScript in a browser, e.g. the provider ending the
            # previous account's session when another account signs in with prompt=login.
            if form["method"] == "POST":
                response = http.post(action, data=data, follow_redirects=False)
            else:
                response = http.get(action, params=data, follow_redirects=False)
    raise LoginError(f"sign-in did not reach the redirect_uri within {max_steps} steps", response)
