"""Each staff member's learning: progress per module and every quiz attempt.

Both tables are tenant-owned and point at the staff account with a composite foreign key, so a
progress row can never belong to a person of another regency. The modules themselves are files
(platform content) and are referred to by slug.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from satupintu.db import Base, TenantOwned, tenant_fk


class ModuleProgress(TenantOwned, Base):
    """Where one person stands in one module: ticked checklist steps, quiz attempts, completion."""

    __tablename__ = "module_progress"
    __extra_table_args__ = (
        UniqueConstraint("tenant_id", "staff_id", "module_slug"),
        tenant_fk(["staff_id"], "staff_accounts", ondelete="CASCADE"),
    )

    staff_id: Mapped[int] = mapped_column(index=True)
    module_slug: Mapped[str] = mapped_column(String(80))
    checklist_done: Mapped[list[Any]] = mapped_column(default=list)
    attempts: Mapped[int] = mapped_column(default=0)
    best_score: Mapped[int | None] = mapped_column()
    last_score: Mapped[int | None] = mapped_column()
    last_attempt_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()


class QuizAttempt(TenantOwned, Base):
    """One submitted quiz, kept so that a score can be explained later (which answers, when)."""

    __tablename__ = "quiz_attempts"
    __extra_table_args__ = (tenant_fk(["staff_id"], "staff_accounts", ondelete="CASCADE"),)

    staff_id: Mapped[int] = mapped_column(index=True)
    module_slug: Mapped[str] = mapped_column(String(80))
    answers: Mapped[list[Any]] = mapped_column(default=list)
    correct: Mapped[int] = mapped_column()
    total: Mapped[int] = mapped_column()
    score: Mapped[int] = mapped_column()
    passed: Mapped[bool] = mapped_column(default=False)
