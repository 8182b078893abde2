"""Puts the signed-in person (or nobody) into the request scope, after the session is loaded."""

from __future__ import annotations

import structlog

from satupintu.accounts.service import load_principal


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
        await app(scope, receive, send)

    return middleware
