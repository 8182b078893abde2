"""The audit log: every admin change, who made it, when, and the values before and after.

The application role may only INSERT and SELECT here (see ``app_grants``): nobody can edit or
delete history through the application, whatever a bug in the code might try. Nor can a cascade
remove it: its foreign key to ``tenants`` is RESTRICT, so a regency with history can only be
removed by ``satupintu tenants remove --export-then-erase``, which writes the history to a file first.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from satupintu.db import Base, TenantOwned


class AuditEntry(TenantOwned, Base):
    __tablename__ = "audit_log"
    __table_info__ = {"app_grants": "SELECT, INSERT", "bumps_revision": False}
    __tenant_ondelete__ = "RESTRICT"

    actor: Mapped[str] = mapped_column(String(254))
    actor_role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(20))
    entity: Mapped[str] = mapped_column(String(40), index=True)
    entity_key: Mapped[str] = mapped_column(String(120))
    before: Mapped[dict[str, Any] | None] = mapped_column()
    after: Mapped[dict[str, Any] | None] = mapped_column()
