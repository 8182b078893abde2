"""Documents of an application's checklist (uploaded by the citizen or by staff), and what a citizen
who proves the application is theirs may see and download of everything held about it.

Files go through :mod:`satupintu.storage` (checked by size and content, kept under a random key of
the regency) and leave it only through signed links. A citizen proves an application is theirs
with its tracking number and either their NIK or the last four digits of the mobile number they
gave; the proof is remembered in their session for 30 minutes, never in a URL.
"""

from __future__ import annotations

import hmac
import re
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu import storage as storage_module
from satupintu.applications import service
from satupintu.applications.models import Application, ApplicationDocument, DocumentStatus
from satupintu.audit.service import Change
from satupintu.catalogue.models import TenantService
from satupintu.forms import Invalid
from satupintu.i18n import gettext as _
from satupintu.storage import Storage
from satupintu.storage.uploads import UploadRefused

PROOF_SECONDS = 30 * 60
PROVEN = "proven_applications"
"""Session key: {"<tenant id>:<tracking number>": unix time until which the proof holds}."""


async def document_at(session: AsyncSession, application: Application, position: int) -> ApplicationDocument | None:
    return await session.scalar(select(ApplicationDocument).where(
        ApplicationDocument.application_id == application.id, ApplicationDocument.position == position))


def may_upload(application: Application) -> bool:
    return application.erased_at is None and application.status in service.OPEN


async def attach(session: AsyncSession, storage: Storage, application: Application, document: ApplicationDocument,
                 data: bytes, limit: int, *, by_staff: bool) -> Change:
    """Keep ``data`` as the document of this checklist item (replacing an earlier file), or refuse
    with Invalid before anything is stored: a closed or erased application, a document staff have
    already verified (a citizen cannot replace it), an empty, too large or wrong kind of file. The
    earlier file is deleted once the replacement has committed."""
    if not may_upload(application):
        raise Invalid({"file": _("This application is closed; documents can no longer be added.")})
    if document.status == DocumentStatus.VERIFIED and not by_staff:
        raise Invalid({"file": _("Staff have already verified this document.")})
    try:
        key, kind = await storage_module.keep(storage, application.tenant_id, data, limit)
    except UploadRefused as exc:
        raise Invalid({"file": str(exc)}) from None
    earlier = document.upload_key
    before = {"status": document.status.value, "file": "yes" if earlier else "no"}
    document.upload_key, document.status = key, DocumentStatus.UPLOADED
    document.verified_at = document.verified_by = None
    await session.flush()
    if earlier:
        storage_module.discard_after_commit(session, storage, earlier)
    return Change("update", "application_document", f"{application.tracking_number} #{document.position + 1}",
                  before, {"status": document.status.value, "file": kind.name})


# --- the citizen's proof -------------------------------------------------------------------------

def _proof_key(application: Application) -> str:
    return f"{application.tenant_id}:{application.tracking_number}"


def proves(application: Application, secret_key: str, proof: str) -> bool:
    """True when ``proof`` is the applicant's NIK or the last four digits of their mobile number.
    An erased application can no longer be proven (nothing personal is left to compare)."""
    digits = re.sub(r"\D", "", proof or "")
    if application.erased_at is not None:
        return False
    if len(digits) == 16 and application.nik_digest:
        return hmac.compare_digest(service.nik_digest(secret_key, digits), application.nik_digest)
    if len(digits) == 4 and application.phone:
        phone = service.unseal(application, secret_key).phone or ""
        return hmac.compare_digest(phone[-4:], digits)
    return False


def remember_proof(session_data: dict[str, Any], application: Application, now: float | None = None) -> dict[str, Any]:
    """The session's data with this application proven for the next 30 minutes (expired proofs dropped)."""
    now = now if now is not None else time.time()
    proven = {k: v for k, v in (session_data.get(PROVEN) or {}).items() if isinstance(v, int | float) and v > now}
    proven[_proof_key(application)] = int(now) + PROOF_SECONDS
    return {**session_data, PROVEN: dict(sorted(proven.items(), key=lambda kv: kv[1])[-5:])}


def is_proven(session_data: dict[str, Any] | None, application: Application, now: float | None = None) -> bool:
    until = ((session_data or {}).get(PROVEN) or {}).get(_proof_key(application))
    return isinstance(until, int | float) and until > (now if now is not None else time.time())


# --- what is held --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Held:
    application: Application
    service: TenantService
    personal: service.PersonalData | None  # None once erased
    status: service.Status


async def held(session: AsyncSession, tenant: Any, application: Application, secret_key: str) -> Held:
    state = await service.status(session, tenant, application)
    personal = service.unseal(application, secret_key) if application.erased_at is None else None
    return Held(application, state.service, personal, state)


def export(record: Held, document_links: dict[int, str]) -> dict[str, Any]:
    """Everything held about the application, as the citizen downloads it (JSON)."""
    application, personal = record.application, record.personal

    def moment(value: datetime | None) -> str | None:
        return service.as_utc(value).isoformat() if value else None

    return {
        "tracking_number": application.tracking_number,
        "service": {"code": record.service.code, "name": record.service.name_id, "name_en": record.service.name_en},
        "status": application.status.value,
        "submitted_at": moment(application.submitted_at),
        "due_date": application.due_date.isoformat(),
        "closed_at": moment(application.closed_at),
        "erase_after": moment(application.erase_after),
        "erased_at": moment(application.erased_at),
        "applicant": None if personal is None else {
            "nik": personal.nik, "name": personal.name, "phone": personal.phone, "email": personal.email,
            "answers": personal.answers},
        "submitted_by": application.submitted_by.value,
        "channel": application.channel.value,
        "village_code": application.village_code,
        "rejection_reason": application.rejection_reason,
        "timeline": [{"status": e.status.value, "at": moment(e.at), "note": e.note} for e in record.status.events],
        "documents": [{"name": d.name_id, "name_en": d.name_en, "status": d.status.value,
                       "file": document_links.get(d.position)} for d in record.status.documents],
    }
