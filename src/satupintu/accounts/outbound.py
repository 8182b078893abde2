"""Fetching from an identity provider without becoming a tool for server-side request forgery.

An issuer URL is typed in by a regency's admin, so the server must not be talked into reaching
its own network: every connection is checked on the address the host name resolves to *at the
moment of connecting* (a name that resolved to a public address when it was saved may point to
127.0.0.1 or to the cloud's metadata service later), loopback, private, link-local (including
169.254.169.254), shared, reserved and multicast addresses are refused, each request has a
timeout, and a response larger than ``MAX_RESPONSE_BYTES`` is cut off with an error.

Loopback is allowed only when the deployment says so (``SATUPINTU_OIDC_ALLOW_LOOPBACK``, refused in
production), for the tests' provider on 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator, Iterable
from typing import Any

import anyio
import httpcore
import httpx

TIMEOUT = httpx.Timeout(5.0)
MAX_RESPONSE_BYTES = 256 * 1024


class ResponseTooLarge(httpx.HTTPError):
    """The answer is larger than an identity provider's answers ever are."""


def refused(address: str, *, allow_loopback: bool = False) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return not allow_loopback
    return not ip.is_global or ip.is_multicast


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves the host itself, checks every address, and connects to a checked one (TLS still
    verifies the certificate against the host name, which httpcore passes separately)."""

    def __init__(self, allow_loopback: bool) -> None:
        self.allow_loopback = allow_loopback
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        try:
            with anyio.fail_after(timeout):
                found = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, TimeoutError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}") from exc
        addresses = [info[4][0] for info in found]
        if not addresses or any(refused(a, allow_loopback=self.allow_loopback) for a in addresses):
            raise httpcore.ConnectError(f"{host} resolves to an address that is not allowed")
        return await self.inner.connect_tcp(addresses[0], port, timeout, local_address, socket_options)

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class _Capped(httpx.AsyncByteStream):
    def __init__(self, stream: httpx.AsyncByteStream, limit: int) -> None:
        self.stream, self.limit = stream, limit

    async def __aiter__(self) -> AsyncIterator[bytes]:
        seen = 0
        async for chunk in self.stream:
            seen += len(chunk)
            if seen > self.limit:
                raise ResponseTooLarge(f"response larger than {self.limit} bytes")
            yield chunk

    async def aclose(self) -> None:
        await self.stream.aclose()


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with the address check at connect time and a cap on the response size."""

    def __init__(self, *, allow_loopback: bool = False, max_bytes: int = MAX_RESPONSE_BYTES) -> None:
        super().__init__(trust_env=False)
        # Same pool httpx builds, with our network backend (httpx has no parameter for it).
        self._pool = httpcore.AsyncConnectionPool(ssl_context=httpx.create_ssl_context(trust_env=False),
                                                  network_backend=_GuardedBackend(allow_loopback))
        self.max_bytes = max_bytes

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await response.aclose()
            raise ResponseTooLarge(f"response larger than {self.max_bytes} bytes")
        response.stream = _Capped(response.stream, self.max_bytes)
        return response


def client(*, allow_loopback: bool = False, **options: Any) -> dict[str, Any]:
    """Keyword arguments for an ``httpx.AsyncClient`` (or Authlib's subclass) that fetches safely."""
    return {"transport": GuardedTransport(allow_loopback=allow_loopback), "timeout": TIMEOUT, "trust_env": False,
            "follow_redirects": False, **options}
