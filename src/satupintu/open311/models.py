"""API keys of one regency for the Open311 API: a system that files service requests presents one.

Only a SHA-256 digest of a key is stored. A key is 32 random bytes (256 bits), so no dictionary or
brute force can invert its digest, which is what a slow password hash (argon2) guards against for
guessable passwords; a fast digest can be looked up by an index on every request instead of costing
tens of milliseconds of CPU per call. The key itself is shown once, when it is made.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from satupintu.db import Base, TenantOwned

KEY_PREFIX = "sp311_"


class ApiKey(TenantOwned, Base):
    __tablename__ = "open311_api_keys"
    __table_info__ = {"bumps_revision": False}  # no public page shows a key
    __extra_table_args__ = (UniqueConstraint("tenant_id", "key_hash"),)

    label: Mapped[str] = mapped_column(String(120))
    hint: Mapped[str] = mapped_column(String(20))  # the key's first characters, to tell keys apart in the list
    key_hash: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()
