"""The platform page's invitations: the region found by name, and an invitation sent again with a
fresh link, or revoked.

An unused invitation is replaced rather than changed: sending it again makes a new invitation for
the same region and e-mail (``service.create_invitation``, a new single-use token, valid for the
full period again) and removes the old one, whose link then stops working; revoking removes it.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Request, get, post
from litestar.params import Parameter
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.handlers import flash, me
from satupintu.i18n import gettext as _
from satupintu.onboarding import service
from satupintu.onboarding.models import Invitation
from satupintu.onboarding.routes import invitation_link, platform_page
from satupintu.security import platform_admin
from satupintu.tenants.regions import regions, search


async def unused(session: AsyncSession, invitation_id: int) -> Invitation:
    """An invitation that has not been accepted yet."""
    invitation = await session.scalar(select(Invitation).where(Invitation.id == invitation_id))
    if invitation is None or invitation.used_at is not None:
        raise service.OnboardingError(_("This invitation was already used or no longer exists."))
    return invitation


async def resend(session: AsyncSession, invitation_id: int, by: str) -> tuple[Invitation, str]:
    """A new invitation (and its token) in place of an unused one."""
    old = await unused(session, invitation_id)
    region_code, email = old.region_code, old.email
    await session.delete(old)
    await session.flush()
    return await service.create_invitation(session, region_code, email, by)


async def revoke(session: AsyncSession, invitation_id: int) -> Invitation:
    invitation = await unused(session, invitation_id)
    await session.delete(invitation)
    await session.flush()
    return invitation


@post("/platform/undangan/{invitation_id:int}/kirim-ulang", name="onboarding:invitation-resend",
      guards=[platform_admin], status_code=200)
async def invitation_resend(request: Request, db_session: AsyncSession, invitation_id: int) -> Template:
    try:
        invitation, token = await resend(db_session, invitation_id, me(request).email)
    except service.OnboardingError as exc:
        return await platform_page(db_session, 422, errors={"invitation": str(exc)})
    return await platform_page(db_session, new_link=invitation_link(request, token), invited=invitation)


@post("/platform/undangan/{invitation_id:int}/cabut", name="onboarding:invitation-revoke", guards=[platform_admin])
async def invitation_revoke(request: Request, db_session: AsyncSession, invitation_id: int) -> Template | Redirect:
    try:
        invitation = await revoke(db_session, invitation_id)
    except service.OnboardingError as exc:
        return await platform_page(db_session, 422, errors={"invitation": str(exc)})
    region = regions().get(invitation.region_code)
    flash(request, _("Invitation revoked: %(region)s, %(email)s. Its link no longer works.")
          % {"region": region.name if region else invitation.region_code, "email": invitation.email})
    return Redirect("/platform", status_code=303)


@get("/platform/wilayah", name="onboarding:regions", guards=[platform_admin])
async def region_search(cari: Annotated[str, Parameter(query="cari", default="", max_length=100)] = "") -> Template:
    """The regions whose name contains what was typed, to invite one: works without any script."""
    return Template("onboarding/platform_regions.html", context={
        "query": cari.strip(), "found": search(cari), "errors": {}, "values": {}})


handlers = [region_search, invitation_resend, invitation_revoke]
