"""Making, listing, revoking and checking a regency's Open311 API keys.

A key is made in the console (or by ``make demo``) and shown once; only its digest is kept (see
:mod:`satupintu.open311.models` for why SHA-256 suffices). A request's key is looked up among the
bound regency's keys only, so another regency's key is as unknown as a made-up one.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.audit.service import Change, snapshot
from satupintu.db import utcnow
from satupintu.forms import Invalid
from satupintu.i18n import gettext as _
from satupintu.open311.models import KEY_PREFIX, ApiKey

KEY_FIELDS = ("label", "hint", "revoked_at")
MAX_KEY_LENGTH = 200


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def keys(session: AsyncSession) -> list[ApiKey]:
    """The regency's keys, the ones in use first, newest first."""
    return list((await session.scalars(select(ApiKey).order_by(ApiKey.revoked_at.is_not(None),
                                                               ApiKey.id.desc()))).all())


async def get(session: AsyncSession, key_id: int) -> ApiKey | None:
    return await session.scalar(select(ApiKey).where(ApiKey.id == key_id))


async def create(session: AsyncSession, label: str) -> tuple[Change, str]:
    """A new key for the bound regency: the change to audit (without the key) and the key, to show once."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(label=label, hint=key[:len(KEY_PREFIX) + 4], key_hash=digest(key))
    session.add(row)
    await session.flush()
    return Change("create", "api_key", f"{row.hint}… {label}"[:120], None, snapshot(row, ("label", "hint"))), key


async def revoke(session: AsyncSession, row: ApiKey) -> Change:
    """Stop a key from working; it stays listed (revoked) so the audit log's entries still name it."""
    if row.revoked_at is not None:
        raise Invalid({"key": _("This API key has already been revoked.")})
    before = snapshot(row, KEY_FIELDS)
    row.revoked_at = utcnow()
    await session.flush()
    return Change("revoke", "api_key", f"{row.hint}… {row.label}"[:120], before, snapshot(row, KEY_FIELDS))


async def check(session: AsyncSession, key: str | None) -> ApiKey | None:
    """The bound regency's key in use that ``key`` is, or None (missing, unknown, revoked, another regency's)."""
    if not key or len(key) > MAX_KEY_LENGTH:
        return None
    row = await session.scalar(select(ApiKey).where(ApiKey.key_hash == digest(key), ApiKey.revoked_at.is_(None)))
    if row is not None:
        await session.execute(update(ApiKey).where(ApiKey.id == row.id).values(last_used_at=utcnow()))
    return row
