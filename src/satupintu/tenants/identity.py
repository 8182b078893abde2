"""A regency's identity: its official name, region code and province, from the official list.

Citizens and the ministry know a regency by its name and Kemendagri code, so no regency may take
another's. The values come from ``tenants/regions`` (all 514 kabupaten and kota), never from what
someone types: an invitation creates the tenant from the list, a pack must agree with the list, and
once a regency has gone live its identity is fixed (it does not go back to onboarding either, which
would reopen the wizard).

Every writer meets the same rule, because it is checked on the model when a session flushes a
``Tenant`` (``check`` below raises ``IdentityError``); the pack loader and the wizard check first, so
that their refusals name the file line or the form field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from satupintu.db import TenantSession
from satupintu.i18n import N_
from satupintu.i18n import gettext as _
from satupintu.tenants.models import Tenant, TenantStatus
from satupintu.tenants.regions import regions

FIELDS = ("name", "region_code", "province")


@dataclass(frozen=True)
class Problem:
    """What is wrong, as an English msgid with its values: packs and the CLI print it in English,
    pages in the reader's language."""

    field: str
    message: str
    values: dict[str, Any] = field(default_factory=dict)

    def english(self) -> str:
        return self.message % self.values

    def translated(self) -> str:
        return _(self.message) % self.values


class IdentityError(ValueError):
    """A write that would give a regency a name, code or province not its own on the official list,
    or change them after go-live."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.translated())
        self.problem = problem
        self.field = problem.field


def official_problem(region_code: str, name: str, province: str) -> Problem | None:
    """Whether these are one region's values on the official list."""
    region = regions().get(region_code)
    if region is None:
        return Problem("region_code", N_("Region code %(code)s is not on the official list of regions (Kemendagri)."),
                       {"code": region_code})
    if name != region.name:
        return Problem("name", N_("The official name of region %(code)s is \u201c%(name)s\u201d (Kemendagri list); "
                                  "a regency cannot take another name."), {"code": region.code, "name": region.name})
    if province != region.province:
        return Problem("province", N_("Region %(code)s is in the province of %(province)s (Kemendagri list)."),
                       {"code": region.code, "province": region.province})
    return None


def went_live(tenant: Tenant) -> bool:
    """Whether the row, as it was before this unit of work changed it, belongs to a regency past onboarding."""
    state = inspect(tenant)
    if state.transient or state.pending:
        return False
    history = state.attrs.status.history
    before = history.deleted[0] if history.deleted else tenant.status
    return before not in (None, TenantStatus.ONBOARDING)


def fixed_problem(name: str) -> Problem:
    return Problem("name", N_("%(name)s is live: its official name and region code are fixed and cannot be changed."),
                   {"name": name})


def check(tenant: Tenant) -> None:
    """Refuse a new or changed tenant row whose identity is not official, or that changes a live one's."""
    state = inspect(tenant)
    changed = [name for name in FIELDS if state.attrs[name].history.has_changes()]
    live = went_live(tenant)
    if live and changed:
        previous = state.attrs.name.history.deleted
        raise IdentityError(fixed_problem(previous[0] if previous else tenant.name))
    if live and tenant.status == TenantStatus.ONBOARDING:
        raise IdentityError(Problem("status", N_("%(name)s went live; it cannot return to onboarding."),
                                    {"name": tenant.name}))
    if changed or state.transient or state.pending:
        problem = official_problem(tenant.region_code, tenant.name, tenant.province)
        if problem is not None:
            raise IdentityError(problem)


@event.listens_for(TenantSession, "before_flush")
def _check_tenants(session: Session, _context: Any, _instances: Any) -> None:
    for obj in [*session.new, *session.dirty]:
        if isinstance(obj, Tenant):
            check(obj)
