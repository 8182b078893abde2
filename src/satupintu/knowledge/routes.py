"""Learning pages: staff take modules at /{slug}/belajar/ (the admin sees the team in the console).

Every learner route is guarded to the signed-in staff of the regency in the URL (operators and
admins), and every query runs in that tenant's session, so a person only ever sees and changes
their own progress. The certificate check at /{slug}/sertifikat is public by design: whoever holds
a printed certificate can confirm it, within that regency only.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from litestar import Request, Router, get, post
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu import i18n
from satupintu.accounts.models import StaffAccount
from satupintu.forms import Form, Invalid
from satupintu.handlers import FormData, me, submit
from satupintu.i18n import gettext as _
from satupintu.knowledge import service
from satupintu.knowledge.models import ModuleProgress
from satupintu.knowledge.modules import AUDIENCES, PASS_MARK, Module, shipped_modules
from satupintu.security import tenant_operator
from satupintu.tenancy import provide_staff_tenant, resolve
from satupintu.tenants.models import Tenant
from satupintu.web import absolute_url


def _module_or_404(slug: str) -> Module:
    module = shipped_modules().get(slug[:80])
    if module is None:
        raise NotFoundException()
    return module


def context(tenant: Tenant, **extra: Any) -> dict[str, Any]:
    return {"tenant": tenant, "locale_code": i18n.current_locale.get(), "long_date": i18n.long_date,
            "pass_mark": PASS_MARK, "errors": {}, **extra}


@get("/", name="knowledge:index")
async def index(request: Request, tenant: Tenant, db_session: AsyncSession,
                peran: Annotated[str, Parameter(query="peran", default="", max_length=20)] = "") -> Template:
    modules = shipped_modules()
    audience = peran if peran in AUDIENCES else ""
    shown = [m for m in modules.values() if not audience or audience in m.meta.audience]
    progress = await service.progress_of(db_session, me(request).id)
    done = sum(1 for slug, row in progress.items() if slug in modules and row.completed_at)
    return Template("knowledge/index.html", context=context(
        tenant, modules=shown, all_modules=modules, progress=progress, audience=audience, audiences=AUDIENCES,
        done=done, mine=service.ROLE_AUDIENCE.get(me(request).role, "")))


async def _module_page(request: Request, tenant: Tenant, session: AsyncSession, module: Module, *,
                       status: int = 200, result: service.QuizResult | None = None,
                       errors: dict[str, str] | None = None, answers: dict[str, str] | None = None,
                       attempt: int | None = None) -> Template:
    """The module with its quiz; the options in the order of ``attempt`` (the next one by default)."""
    progress = await service.progress_of(session, me(request).id)
    modules = shipped_modules()
    prerequisites = [(modules[s], progress.get(s)) for s in module.meta.prerequisites if s in modules]
    row = progress.get(module.slug)
    attempt = (row.attempts if row else 0) if attempt is None else attempt
    return Template("knowledge/module.html", status_code=status, context=context(
        tenant, module=module, row=row, prerequisites=prerequisites, result=result,
        errors=errors or {}, answers=answers or {}, attempt=attempt,
        orders=_orders(request, tenant, module, attempt)))


def _orders(request: Request, tenant: Tenant, module: Module, attempt: int) -> list[list[int]]:
    return service.option_order(request.app.state.settings.secret_key, tenant.id, me(request).id, module.slug,
                                attempt, [len(q.options) for q in module.meta.quiz])


@get("/{module:str}", name="knowledge:module")
async def module_page(request: Request, tenant: Tenant, db_session: AsyncSession, module: str) -> Template:
    return await _module_page(request, tenant, db_session, _module_or_404(module))


@post("/{module:str}/daftar-periksa", name="knowledge:checklist")
async def checklist(request: Request, tenant: Tenant, db_session: AsyncSession, module: str,
                    data: FormData) -> Redirect:
    found = _module_or_404(module)
    form = Form(data)
    ticked = {i for i in range(len(found.meta.checklist)) if form.flag(f"c{i}")}
    await service.save_checklist(db_session, me(request).id, found, ticked)
    return Redirect(f"/{tenant.slug}/belajar/{found.slug}#daftar-periksa", status_code=303)


@post("/{module:str}/kuis", name="knowledge:quiz", status_code=200)
async def quiz(request: Request, tenant: Tenant, db_session: AsyncSession, module: str,
               data: FormData) -> Template:
    found = _module_or_404(module)
    form = Form(data)
    # The positions the person saw belong to the attempt the page was drawn for (an older tab may
    # post an earlier attempt); anything else is scored against the next attempt's order.
    row = (await service.progress_of(db_session, me(request).id)).get(found.slug)
    taken = row.attempts if row else 0
    shown = form.raw("attempt")
    attempt = int(shown[:9]) if shown.isascii() and shown.isdigit() and int(shown[:9]) <= taken else taken
    orders = _orders(request, tenant, found, attempt)
    answers = []
    for index, question in enumerate(found.meta.quiz):
        value = form.choice(f"q{index}", [str(k) for k in range(len(question.options))])
        answers.append(orders[index][int(value)] if f"q{index}" not in form.errors else -1)
    for index in range(len(found.meta.quiz)):
        if f"q{index}" in form.errors:  # name the question: the summary lists every problem at the top
            form.errors[f"q{index}"] = _("Question %(n)s: choose one answer.") % {"n": index + 1}
    chosen = {f"q{i}": form.raw(f"q{i}") for i in range(len(found.meta.quiz))}
    try:
        form.check()
    except Invalid as exc:
        return await _module_page(request, tenant, db_session, found, status=422, errors=exc.errors, answers=chosen,
                                  attempt=attempt)
    result, _row = await service.submit_quiz(db_session, me(request).id, found, answers)
    return await _module_page(request, tenant, db_session, found, result=result)  # the next attempt, reshuffled


async def _completed(request: Request, session: AsyncSession, slug: str) -> tuple[Module, ModuleProgress, StaffAccount]:
    """The module, the signed-in person's completion of it and their account; 404 before completion."""
    found = _module_or_404(slug)
    person = me(request)
    row = (await service.progress_of(session, person.id)).get(found.slug)
    account = await session.scalar(select(StaffAccount).where(StaffAccount.id == person.id))
    if row is None or row.completed_at is None or account is None:
        raise NotFoundException()
    return found, row, account


def _name_page(tenant: Tenant, module: Module, account: StaffAccount, status: int = 200, **extra: Any) -> Template:
    """Asks for the full name the certificate will carry, before the first one is shown."""
    return Template("knowledge/certificate_name.html", status_code=status, context=context(
        tenant, module=module, suggested=account.full_name or account.name, **{"values": {}, **extra}))


@get("/{module:str}/sertifikat", name="knowledge:certificate")
async def certificate(request: Request, tenant: Tenant, db_session: AsyncSession, module: str,
                      ubah: Annotated[str, Parameter(query="ubah", default="", max_length=1)] = "") -> Template:
    found, row, account = await _completed(request, db_session, module)
    if not account.full_name or ubah:
        return _name_page(tenant, found, account)
    code = service.verification_code(request.app.state.settings.secret_key, tenant.id, account.id, found.slug,
                                     row.completed_at)
    verify_url = absolute_url(request, f"/{tenant.slug}/sertifikat?kode={code}")  # whole, for paper
    return Template("knowledge/certificate.html", context=context(
        tenant, module=found, row=row, name=service.certificate_name(account), code=code, verify_url=verify_url))


@post("/{module:str}/sertifikat", name="knowledge:certificate-name")
async def certificate_name(request: Request, tenant: Tenant, db_session: AsyncSession, module: str,
                           data: FormData) -> Template | Redirect:
    found, _row, account = await _completed(request, db_session, module)
    form = Form(data)
    full_name = form.text("full_name", required=True, max_length=120)
    return await submit(request, db_session, form, lambda: service.confirm_full_name(db_session, account, full_name),
                        again=partial(_name_page, tenant, found, account),
                        to=f"/{tenant.slug}/belajar/{found.slug}/sertifikat")


@get("/{slug:str}/sertifikat", name="knowledge:verify")
async def verify(request: Request, slug: str, db_session: AsyncSession,
                 kode: Annotated[str, Parameter(query="kode", default="", max_length=40)] = "") -> Template:
    """Anyone holding a printed certificate can check it; only this regency's completions are searched.

    Like every public page of a regency, it exists only once the regency is live.
    """
    tenant = await resolve(db_session, slug)
    found = None
    if kode.strip():
        hit = await service.find_certificate(db_session, request.app.state.settings.secret_key, tenant.id, kode)
        if hit is not None:
            progress, account = hit
            module = shipped_modules().get(progress.module_slug)
            found = {"name": service.certificate_name(account), "module": module, "completed_at": progress.completed_at}
    return Template("knowledge/verify.html", context=context(
        tenant, code=service.normalise_code(kode) if kode.strip() else "", found=found, searched=bool(kode.strip())))


learning_router = Router(
    path="/{slug:str}/belajar",
    guards=[tenant_operator],
    dependencies={"tenant": provide_staff_tenant},  # regencies still onboarding learn too
    route_handlers=[index, module_page, checklist, quiz, certificate, certificate_name],
)
public_router = Router(path="/", route_handlers=[verify])
