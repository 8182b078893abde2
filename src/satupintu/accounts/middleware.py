"""Puts the signed-in person (or nobody) into the request scope, after the session is loaded, and
keeps what is shown to them out of every cache (``Cache-Control: no-store``)."""

from __future__ import annotations

import structlog

from satupintu.accounts.service import load_principal

NO_STORE = (b"cache-control", b"no-store")


def principal_loader(app):  # noqa: ANN001, ANN201 - plain ASGI middleware
    async def middleware(scope, receive, send):  # noqa: ANN001
        if scope["type"] == "http":
            data = scope.get("session")
            principal = None
            if isinstance(data, dict) and data.get("uid"):
                principal = await load_principal(scope["app"].state.auth_sessionmaker, data)
            scope["principal"] = principal
            if principal is not None:
                structlog.contextvars.bind_contextvars(user=f"{principal.kind}:{principal.id}")
                send = _no_store(send)
        await app(scope, receive, send)

    return middleware


def _no_store(send):  # noqa: ANN001, ANN202
    async def sending(message):  # noqa: ANN001
        if message["type"] == "http.response.start":
            headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"]
            message = {**message, "headers": [*headers, NO_STORE]}
        await send(message)

    return sending
