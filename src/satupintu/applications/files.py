"""Documents of an application, over HTTP: staff upload and view them at
``/{slug}/permohonan/{number}/dokumen``; a citizen proves an application is theirs at
``/{slug}/lacak/{number}/data`` (tracking number + NIK or the last four digits of their mobile
number, in a form body, never in a URL), then sees everything held about it, downloads it as JSON
(``.../unduh``), uploads the documents of its checklist and, once the document is finished, asks for
it to be delivered by courier (``.../antar``; all in the regency's audit log, the citizen named by the
tracking number only). Every page here carries personal data
or links to it and is sent with ``Cache-Control: no-store``; files leave storage only through
signed links that expire (:mod:`satupintu.storage.links`).
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from litestar import Request, Response, Router, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu import config, i18n
from satupintu.applications import delivery, documents, service
from satupintu.applications.models import Application
from satupintu.audit import service as audit
from satupintu.forms import Form, Invalid
from satupintu.handlers import FormData, flash, form_and_file, found, me, submit
from satupintu.i18n import gettext as _
from satupintu.security import rate_limit, tenant_operator
from satupintu.storage import links
from satupintu.storage.uploads import ACCEPT, UPLOAD_BODY_LIMIT, megabytes
from satupintu.tenancy import provide_staff_tenant, provide_tenant
from satupintu.tenants.models import Tenant
from satupintu.web import absolute_url

NO_STORE = {"Cache-Control": "no-store"}
proof_rate_limit = rate_limit("tracking-proof", "hour", 10)
"""Proofs per client address: a citizen's few tries, far too few to guess four digits."""


def _links(request: Request, tenant: Tenant, application: Application, docs: list) -> dict[int, str]:
    secret = request.app.state.settings.secret_key
    return {d.position: links.file_path(secret, tenant.slug, tenant.id, d.upload_key, label=d.name_id[:60])
            for d in docs if d.upload_key}


def _settings(request: Request) -> config.Settings:
    return request.app.state.settings


async def _file(request: Request) -> tuple[Form, bytes]:
    """The multipart form's fields and the file's first ``limit + 1`` bytes (enough to know it is too large)."""
    form, data = await form_and_file(request, "file", _settings(request).upload_max_bytes)
    if data is None:
        form.errors["file"] = _("Choose the document to upload (PDF, JPEG or PNG).")
        return form, b""
    return form, data


def _context(request: Request, tenant: Tenant, application: Application, docs: list, **extra: Any) -> dict[str, Any]:
    return {"tenant": tenant, "application": application, "docs": docs, "links": _links(request, tenant, application, docs),
            "labels": service.DOCUMENT_LABELS, "accept": ACCEPT, "max_size": megabytes(_settings(request).upload_max_bytes),
            "can_upload": documents.may_upload(application), "errors": {}, "values": {}, "position": None, **extra}


# --- staff ---------------------------------------------------------------------------------------

async def _staff_application(request: Request, session: AsyncSession, number: str) -> Application:
    return found(await service.for_staff(session, me(request), number))


async def _staff_page(request: Request, tenant: Tenant, session: AsyncSession, application: Application,
                      status: int = 200, **context: Any) -> Template:
    docs = await service.documents(session, application)
    return Template("applications/documents.html", status_code=status, headers=NO_STORE,
                    context=_context(request, tenant, application, docs, **context))


@get("/{tracking_number:str}/dokumen", name="applications:documents")
async def staff_documents(request: Request, tenant: Tenant, db_session: AsyncSession, tracking_number: str) -> Template:
    application = await _staff_application(request, db_session, tracking_number)
    return await _staff_page(request, tenant, db_session, application)


@post("/{tracking_number:str}/dokumen/{position:int}", name="applications:document-upload",
      request_max_body_size=UPLOAD_BODY_LIMIT)
async def staff_upload(request: Request, tenant: Tenant, db_session: AsyncSession, tracking_number: str,
                       position: int) -> Template | Redirect:
    application = await _staff_application(request, db_session, tracking_number)
    document = found(await documents.document_at(db_session, application, position))
    form, data = await _file(request)
    storage = request.app.state.storage
    return await submit(request, db_session, form,
                        lambda: documents.attach(db_session, storage, application, document, data,
                                                 _settings(request).upload_max_bytes, by_staff=True),
                        again=partial(_staff_page, request, tenant, db_session, application, position=position),
                        to=f"/{tenant.slug}/permohonan/{application.tracking_number}/dokumen")


staff_router = Router(path="/{slug:str}/permohonan", route_handlers=[staff_documents, staff_upload],
                      dependencies={"tenant": provide_staff_tenant}, guards=[tenant_operator])


# --- the citizen ---------------------------------------------------------------------------------

async def _citizen_application(session: AsyncSession, number: str) -> Application:
    application = await service.by_tracking_number(session, number)
    if application is None:
        raise NotFoundException()
    return application


def _data_path(tenant: Tenant, application: Application) -> str:
    return f"/{tenant.slug}/lacak/{application.tracking_number}/data"


def _proof_page(tenant: Tenant, application: Application, status: int = 200, error: str | None = None) -> Template:
    return Template("applications/proof.html", status_code=status, headers=NO_STORE, context={
        "tenant": tenant, "application": application, "errors": {"proof": error} if error else {}})


async def _held_page(request: Request, tenant: Tenant, session: AsyncSession, application: Application,
                     status: int = 200, **context: Any) -> Template:
    record = await documents.held(session, tenant, application, _settings(request).secret_key)
    return Template("applications/held.html", status_code=status, headers=NO_STORE, context=_context(
        request, tenant, application, record.status.documents, record=record, service_name=record.service.name_en if i18n.current_locale.get() == "en" and record.service.name_en else record.service.name_id,
        event_labels=service.EVENT_LABELS, delivery=await delivery.offer(session, application),
        delivery_names=delivery.STATUS_NAMES, address_limits=(delivery.MIN_ADDRESS, delivery.MAX_ADDRESS),
        **context))


def _proven(request: Request, application: Application) -> bool:
    return documents.is_proven(request.scope.get("session"), application)


@get("/{slug:str}/lacak/{tracking_number:str}/data", name="applications:held", dependencies={"tenant": provide_tenant})
async def held_page(request: Request, tenant: Tenant, db_session: AsyncSession, tracking_number: str) -> Template:
    application = await _citizen_application(db_session, tracking_number)
    if not _proven(request, application):
        return _proof_page(tenant, application)
    return await _held_page(request, tenant, db_session, application)


@post("/{slug:str}/lacak/{tracking_number:str}/data", name="applications:prove", dependencies={"tenant": provide_tenant},
      middleware=[proof_rate_limit.middleware], status_code=303)
async def prove(request: Request, tenant: Tenant, db_session: AsyncSession, tracking_number: str) -> Template | Redirect:
    application = await _citizen_application(db_session, tracking_number)
    form = Form({k: v for k, v in (await request.form()).items() if isinstance(v, str)})
    proof = form.text("proof", required=True, max_length=40)
    if form.errors:
        return _proof_page(tenant, application, 422, form.errors["proof"])
    if not documents.proves(application, _settings(request).secret_key, proof):
        return _proof_page(tenant, application, 422, _(
            "This does not match what the application holds. Enter the NIK of the applicant (16 digits) or the "
            "last four digits of the mobile number given with the application."))
    request.set_session(documents.remember_proof(dict(request.scope.get("session") or {}), application))
    return Redirect(_data_path(tenant, application), status_code=303)


@get("/{slug:str}/lacak/{tracking_number:str}/unduh", name="applications:held-download",
     dependencies={"tenant": provide_tenant})
async def held_download(request: Request, tenant: Tenant, db_session: AsyncSession,
                        tracking_number: str) -> Response | Redirect:
    application = await _citizen_application(db_session, tracking_number)
    if not _proven(request, application):
        return Redirect(_data_path(tenant, application), status_code=303)
    record = await documents.held(db_session, tenant, application, _settings(request).secret_key)
    file_links = {position: absolute_url(request, path)
                  for position, path in _links(request, tenant, application, record.status.documents).items()}
    body = json.dumps(documents.export(record, file_links), ensure_ascii=False, indent=2)
    await audit.record(db_session, audit.citizen(application.tracking_number), "download", "application",
                       application.tracking_number)
    return Response(body, media_type="application/json", headers={
        **NO_STORE, "Content-Disposition": f'attachment; filename="permohonan-{application.tracking_number}.json"'})


@post("/{slug:str}/lacak/{tracking_number:str}/dokumen/{position:int}", name="applications:citizen-upload",
      dependencies={"tenant": provide_tenant}, request_max_body_size=UPLOAD_BODY_LIMIT, status_code=303)
async def citizen_upload(request: Request, tenant: Tenant, db_session: AsyncSession, tracking_number: str,
                         position: int) -> Template | Redirect:
    application = await _citizen_application(db_session, tracking_number)
    if not _proven(request, application):
        return Redirect(_data_path(tenant, application), status_code=303)
    document = found(await documents.document_at(db_session, application, position))
    form, data = await _file(request)
    try:
        form.check()
        change = await documents.attach(db_session, request.app.state.storage, application, document, data,
                                        _settings(request).upload_max_bytes, by_staff=False)
    except Invalid as exc:
        return await _held_page(request, tenant, db_session, application, 422, errors=exc.errors, position=position)
    await audit.record_change(db_session, audit.citizen(application.tracking_number), change)
    flash(request, _("The document was uploaded. Staff will check it."))
    return Redirect(_data_path(tenant, application), status_code=303)


@post("/{slug:str}/lacak/{tracking_number:str}/antar", name="applications:citizen-delivery",
      dependencies={"tenant": provide_tenant}, status_code=200)
async def citizen_delivery(request: Request, tenant: Tenant, db_session: AsyncSession, tracking_number: str,
                           data: FormData) -> Template | Redirect:
    """Ask for the finished document to be delivered (the address in the form body only); the answer
    is the page itself with the hand-over code, shown this once and kept nowhere in clear."""
    application = await _citizen_application(db_session, tracking_number)
    if not _proven(request, application):
        return Redirect(_data_path(tenant, application), status_code=303)
    form = Form(data)
    address = form.text("address", max_length=delivery.MAX_ADDRESS * 2)
    try:
        form.check()
        made = await delivery.request(db_session, application, None, address, secret_key=_settings(request).secret_key)
    except Invalid as exc:
        return await _held_page(request, tenant, db_session, application, 422, errors=exc.errors,
                                values={"address": address})
    except service.Refused as exc:
        return await _held_page(request, tenant, db_session, application, exc.status, errors={"address": str(exc)})
    await audit.record(db_session, audit.citizen(application.tracking_number), "create", "delivery",
                       application.tracking_number, None, {"status": made.delivery.status.value})
    return await _held_page(request, tenant, db_session, application, handover_code=made.code)


citizen_handlers = [held_page, prove, held_download, citizen_upload, citizen_delivery]
