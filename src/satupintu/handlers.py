"""What the staff pages' handlers share: the form body, the signed-in person, and the one way a
form is handled.

``submit`` is that way: check the form; if anything is wrong, show the page again with a message
per field (status 422, and the request's transaction rolls back, so nothing changes); otherwise let
the domain service make the change, write it to the audit log with the person who made it, and
redirect (303) to the page that shows the result, which confirms what was saved (``flash``).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any, TypeVar

from litestar import Request
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.audit import present
from satupintu.audit import service as audit
from satupintu.audit.service import Change
from satupintu.forms import Form, Invalid
from satupintu.i18n import gettext as _
from satupintu.security import Principal

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
Upload = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]

T = TypeVar("T")
Page = Callable[..., Template | Awaitable[Template]]
"""Shows a page again: called with the status and ``errors``/``values`` keywords."""


async def form_and_file(request: Request, name: str, limit: int) -> tuple[Form, bytes | None]:
    """A form's text fields and the first ``limit + 1`` bytes of its file field ``name`` (enough to
    know the file is too large), or None when no file was chosen (or the form is not multipart)."""
    data = await request.form()
    form = Form({k: v for k, v in data.items() if isinstance(v, str)})
    upload = data.get(name)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return form, None
    return form, await upload.read(limit + 1)


def me(request: Request) -> Principal:
    """The signed-in person; the routers' guards have made sure there is one."""
    return request.scope["principal"]


FLASH = "flash"


def flash(request: Request, message: str) -> None:
    """A confirmation the next page shows once (the page after the redirect: ``flashed``)."""
    request.set_session({**request.session, FLASH: message[:300]})


def flashed(request: Request | None) -> str | None:
    """The confirmation waiting for this page, taken so it shows only once."""
    session = request.scope.get("session") if request is not None else None
    return session.pop(FLASH, None) if isinstance(session, dict) else None


def found(row: T | None) -> T:
    """The row a page is about, or the page does not exist (404)."""
    if row is None:
        raise NotFoundException()
    return row


async def show(page: Page, status: int, **context: Any) -> Template:
    shown = page(status, **context)
    return await shown if inspect.isawaitable(shown) else shown


async def submit(request: Request, session: AsyncSession, form: Form, save: Callable[[], Awaitable[Change | None]],
                 *, again: Page, to: str | Callable[[Change | None], str] | None = None,
                 refused: Mapping[type[Exception], str] | None = None,
                 done: Callable[[], Awaitable[Template]] | None = None) -> Template | Redirect:
    """Validate, 422 with errors, save, audit, redirect with a confirmation.

    ``save`` runs only when the form is valid and returns the change it made (None: nothing to
    record). It refuses with ``Invalid`` (messages per field), or with an exception named in
    ``refused``, whose message then stands at the field given there. ``done``, instead of ``to``,
    answers with a page at once rather than a redirect: for a secret shown once (a new API key),
    which must not wait in the session store for the next page.
    """
    try:
        form.check()
        change = await save()
    except Invalid as exc:
        return await show(again, 422, errors=exc.errors, values=form.data)
    except tuple(refused or ()) as exc:
        field = next(name for kind, name in (refused or {}).items() if isinstance(exc, kind))
        return await show(again, 422, errors={field: str(exc)}, values=form.data)
    entry = await audit.record_change(session, me(request), change) if change is not None else None
    if done is not None:
        return await done()
    assert to is not None, "submit needs where to go (to) or what to show (done)"
    flash(request, present.headline(change.action, change.entity, change.key) if entry is not None
          else _("Saved. Nothing had changed."))
    return Redirect(to if isinstance(to, str) else to(change), status_code=303)
