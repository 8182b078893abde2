"""The rules of learning: scoring a quiz, recording attempts and completion, certificates.

A module counts as completed the first time its quiz is passed (``PASS_MARK`` percent correct);
later attempts can raise the best score but never take a completion away. The checklist is a
self-assessment of steps to carry out back at the office, so it is recorded and shown to the
admin but does not gate the certificate: a person can understand a practice before their regency
has adopted it.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.accounts.models import StaffAccount
from satupintu.audit.service import Change
from satupintu.db import utcnow
from satupintu.knowledge.models import ModuleProgress, QuizAttempt
from satupintu.knowledge.modules import PASS_MARK, Module

ROLE_AUDIENCE = {"operator": "operator", "tenant_admin": "admin"}


@dataclass(frozen=True)
class QuizResult:
    correct: int
    total: int
    wrong: tuple[int, ...]

    @property
    def score(self) -> int:
        """Percent, rounded down, so that 79.9 % never displays as a pass mark it did not reach."""
        return self.correct * 100 // self.total

    @property
    def passed(self) -> bool:
        return self.correct * 100 >= PASS_MARK * self.total


def option_order(secret_key: str, tenant_id: int, staff_id: int, slug: str, attempt: int,
                 counts: list[int]) -> list[list[int]]:
    """The order each question's options are shown in for one person's attempt: shown position ->
    option index.

    The quiz files list the right answer in the same place too often (34 of 50 are the second
    option), so every attempt shuffles. The order is derived on the server from the app's secret,
    the person, the module and the attempt number, so it is remembered without storing it, a new
    attempt gets a new order, and the browser only ever sends positions it was shown.
    """
    message = f"satupintu-quiz|{tenant_id}|{staff_id}|{slug}|{attempt}".encode()
    seed = hmac.new(secret_key.encode(), message, hashlib.sha256).digest()
    shuffler = random.Random(seed)  # noqa: S311 - an order of options, not a secret
    orders = []
    for count in counts:
        order = list(range(count))
        shuffler.shuffle(order)
        orders.append(order)
    return orders


def score_quiz(module: Module, answers: list[int]) -> QuizResult:
    """Mark ``answers`` (one zero-based option index per question, in order) against the module."""
    questions = module.meta.quiz
    if len(answers) != len(questions):
        raise ValueError(f"expected {len(questions)} answers, got {len(answers)}")
    wrong = tuple(i for i, (q, a) in enumerate(zip(questions, answers, strict=True)) if q.answer != a)
    return QuizResult(correct=len(questions) - len(wrong), total=len(questions), wrong=wrong)


async def progress_of(session: AsyncSession, staff_id: int) -> dict[str, ModuleProgress]:
    rows = await session.scalars(select(ModuleProgress).where(ModuleProgress.staff_id == staff_id))
    return {row.module_slug: row for row in rows}


async def _progress(session: AsyncSession, staff_id: int, slug: str) -> ModuleProgress:
    row = await session.scalar(select(ModuleProgress).where(
        ModuleProgress.staff_id == staff_id, ModuleProgress.module_slug == slug))
    if row is None:
        row = ModuleProgress(staff_id=staff_id, module_slug=slug, checklist_done=[], attempts=0)
        session.add(row)
    return row


async def save_checklist(session: AsyncSession, staff_id: int, module: Module, ticked: set[int]) -> ModuleProgress:
    """Replace the ticked steps; indexes that are not steps of this module are ignored."""
    row = await _progress(session, staff_id, module.slug)
    row.checklist_done = sorted(i for i in ticked if 0 <= i < len(module.meta.checklist))
    await session.flush()
    return row


async def submit_quiz(session: AsyncSession, staff_id: int, module: Module,
                      answers: list[int]) -> tuple[QuizResult, ModuleProgress]:
    result = score_quiz(module, answers)
    row = await _progress(session, staff_id, module.slug)
    now = utcnow()
    row.attempts = (row.attempts or 0) + 1
    row.last_score = result.score
    row.best_score = max(row.best_score or 0, result.score)
    row.last_attempt_at = now
    if result.passed and row.completed_at is None:
        row.completed_at = now
    session.add(QuizAttempt(staff_id=staff_id, module_slug=module.slug, answers=list(answers),
                            correct=result.correct, total=result.total, score=result.score, passed=result.passed))
    await session.flush()
    return result, row


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def verification_code(secret_key: str, tenant_id: int, staff_id: int, slug: str, completed_at: datetime) -> str:
    """An HMAC of who completed what and when, keyed by the app's secret.

    It cannot be forged without the secret, needs no extra column, and changes if anyone edits
    the completion time in the database. Second precision, because SQLite and PostgreSQL return
    the stored moment with different time-zone awareness.
    """
    message = f"satupintu-certificate|{tenant_id}|{staff_id}|{slug}|{_utc(completed_at):%Y%m%d%H%M%S}"
    digest = hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).hexdigest()[:16].upper()
    return "-".join(digest[i:i + 4] for i in range(0, 16, 4))


def certificate_name(account: StaffAccount) -> str:
    """The name a certificate carries: the full name the person confirmed (certificates printed
    before anyone was asked carry the account's name)."""
    return account.full_name or account.name


async def confirm_full_name(session: AsyncSession, account: StaffAccount, full_name: str) -> Change:
    """The person's full name for their certificates, kept on their account and nowhere else."""
    before = account.full_name
    account.full_name = full_name
    await session.flush()
    return Change("update", "staff", account.email, {"full_name": before}, {"full_name": full_name})


def normalise_code(code: str) -> str:
    raw = "".join(ch for ch in code.upper() if ch.isalnum())[:16]
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


async def find_certificate(session: AsyncSession, secret_key: str, tenant_id: int,
                           code: str) -> tuple[ModuleProgress, StaffAccount] | None:
    """The completion a code belongs to, within the session's tenant only."""
    wanted = normalise_code(code)
    if len(wanted) != 19:
        return None
    rows = (await session.execute(select(ModuleProgress, StaffAccount)
                                  .join(StaffAccount, StaffAccount.id == ModuleProgress.staff_id)
                                  .where(ModuleProgress.completed_at.is_not(None)))).all()
    for progress, staff in rows:
        expected = verification_code(secret_key, tenant_id, staff.id, progress.module_slug, progress.completed_at)
        if hmac.compare_digest(expected, wanted):
            return progress, staff
    return None


@dataclass
class StaffSummary:
    account: StaffAccount
    completed: int = 0
    started: int = 0
    by_module: dict[str, ModuleProgress] = field(default_factory=dict)


@dataclass
class ModuleSummary:
    module: Module
    completed: int = 0
    started: int = 0
    attempts: int = 0


async def team_progress(session: AsyncSession,
                        modules: dict[str, Module]) -> tuple[list[StaffSummary], list[ModuleSummary]]:
    """Per staff member and per module, for the tenant admin; modules no longer shipped are ignored."""
    staff = list((await session.scalars(select(StaffAccount).order_by(StaffAccount.name))).all())
    people = {s.id: StaffSummary(account=s) for s in staff}
    per_module = {slug: ModuleSummary(module=m) for slug, m in modules.items()}
    for row in await session.scalars(select(ModuleProgress)):
        if row.module_slug not in per_module or row.staff_id not in people:
            continue
        person, summary = people[row.staff_id], per_module[row.module_slug]
        person.by_module[row.module_slug] = row
        person.started += 1
        summary.started += 1
        summary.attempts += row.attempts or 0
        if row.completed_at is not None:
            person.completed += 1
            summary.completed += 1
    return list(people.values()), list(per_module.values())
