"""Server-side sessions: in the database by default, in Redis when configured.

The session cookie carries only a random id (HttpOnly, SameSite=Lax, Secure outside the demo);
the data stays on the server, so logging out deletes it for real. The id is replaced at sign-in,
so an id planted before sign-in (session fixation) is worthless afterwards.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.stores.base import Store
from litestar.types import Empty
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from satupintu.accounts.models import WebSession
from satupintu.db import tenant_session

COOKIE = "satupintu_sesi"
_NEW_ID = "satupintu.new_session_id"


class DatabaseStore(Store):
    """A Litestar store on the ``web_sessions`` table, for one machine without Redis."""

    def __init__(self, maker: async_sessionmaker[AsyncSession], namespace: str = "sessions") -> None:
        self.maker = maker
        self.namespace = namespace

    @staticmethod
    def _expiry(expires_in: int | timedelta | None) -> datetime | None:
        if expires_in is None:
            return None
        seconds = expires_in.total_seconds() if isinstance(expires_in, timedelta) else expires_in
        return datetime.now(UTC) + timedelta(seconds=seconds)

    async def _row(self, session: AsyncSession, key: str) -> WebSession | None:
        return await session.scalar(select(WebSession).where(
            WebSession.namespace == self.namespace, WebSession.key == key))

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        data = value.encode() if isinstance(value, str) else value
        async with tenant_session(self.maker, None) as session:
            row = await self._row(session, key)
            if row is None:
                session.add(WebSession(namespace=self.namespace, key=key, value=data,
                                       expires_at=self._expiry(expires_in)))
            else:
                row.value, row.expires_at = data, self._expiry(expires_in)

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        async with tenant_session(self.maker, None) as session:
            row = await self._row(session, key)
            if row is None:
                return None
            expires = row.expires_at
            if expires is not None and expires.replace(tzinfo=expires.tzinfo or UTC) <= datetime.now(UTC):
                await session.delete(row)
                return None
            if renew_for is not None and expires is not None:
                row.expires_at = self._expiry(renew_for)
            return row.value

    async def delete(self, key: str) -> None:
        async with tenant_session(self.maker, None) as session:
            await session.execute(delete(WebSession).where(
                WebSession.namespace == self.namespace, WebSession.key == key))

    async def delete_all(self) -> None:
        async with tenant_session(self.maker, None) as session:
            await session.execute(delete(WebSession).where(WebSession.namespace == self.namespace))

    async def delete_expired(self) -> int:
        async with tenant_session(self.maker, None) as session:
            result = await session.execute(delete(WebSession).where(WebSession.expires_at < datetime.now(UTC)))
            return result.rowcount or 0

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        async with tenant_session(self.maker, None) as session:
            row = await self._row(session, key)
            if row is None or row.expires_at is None:
                return None
            expires = row.expires_at.replace(tzinfo=row.expires_at.tzinfo or UTC)
            return int((expires - datetime.now(UTC)).total_seconds())


class RotatingBackend(ServerSideSessionBackend):
    """Rotates the id at sign-in, and stores nothing for visitors who have no session: a citizen
    reading the catalogue costs no session write and gets no session cookie."""

    def get_session_id(self, connection: ASGIConnection) -> str:
        return connection.scope.get(_NEW_ID) or super().get_session_id(connection)

    async def store_in_message(self, scope_session: Any, message: Any, connection: ASGIConnection) -> None:
        if not scope_session:
            cookie = connection.cookies.get(self.config.key)
            if not cookie or cookie == "null":
                return
            scope_session = Empty
        await super().store_in_message(scope_session, message, connection)


@dataclass
class SessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingBackend


async def rotate(connection: ASGIConnection) -> None:
    """Give the session a fresh id (at sign-in) and forget the old one."""
    old = connection.cookies.get(COOKIE)
    if old and old != "null":
        await connection.app.stores.get("sessions").delete(old)
    connection.scope[_NEW_ID] = secrets.token_hex(32)


def keep_signed_in(connection: ASGIConnection, account: Any) -> None:
    """After changing the signed-in person's own password: their other sessions end, this one stays
    (with what else it holds, such as the confirmation the next page shows)."""
    from satupintu.accounts.service import session_data

    principal = connection.scope.get("principal")
    if principal is not None and principal.id == account.id and principal.kind == session_data(account)["kind"]:
        kept = connection.scope.get("session")
        connection.set_session({**(kept if isinstance(kept, dict) else {}),  # type: ignore[attr-defined]
                                **session_data(account)})
