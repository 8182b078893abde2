"""Serving a stored file through its signed link (:mod:`satupintu.storage.links`).

The file is sent as an attachment under the link's download name, with the type its content was
checked to be when it was uploaded, ``nosniff`` and ``no-store``: neither the browser nor a proxy
keeps a copy. A refused link gets a page that says why (403 not valid here, 410 expired, 404 gone).
"""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, get
from litestar.enums import MediaType
from litestar.params import Parameter
from litestar.response import Template

from satupintu.i18n import gettext as _
from satupintu.storage import links
from satupintu.tenancy import provide_tenant
from satupintu.tenants.models import Tenant

Text = Annotated[str, Parameter(default="", max_length=100)]


def _refused(status: int) -> Template:
    title, message = {
        403: (_("This link is not valid"),
              _("This link to a document is not valid here: it was changed, or it belongs to another "
                "region. Open the document again from the page where you found the link.")),
        404: (_("Document not found"),
              _("This document is no longer kept. Documents are erased when their retention period ends.")),
        410: (_("This link has expired"),
              _("Links to documents work for a short time only. Open the document again from the page "
                "where you found the link to get a new one.")),
    }[status]
    return Template("errors/error.html", status_code=status, media_type=MediaType.HTML,
                    context={"status": status, "title": title, "message": message, "action": None},
                    headers={"Cache-Control": "no-store"})


@get("/{slug:str}/berkas/{file:str}", name="storage:file", dependencies={"tenant": provide_tenant},
     include_in_schema=False)
async def serve(request: Request, tenant: Tenant, file: str, berlaku: Text = "", nama: Text = "",
                tanda: Text = "") -> Response | Template:
    try:
        checked = links.check(request.app.state.settings.secret_key, tenant.id, file, expires=berlaku, name=nama,
                              signature=tanda)
    except links.LinkRefused as exc:
        return _refused(exc.status)
    data = await request.app.state.storage.get(checked.key)
    if data is None:
        return _refused(404)
    return Response(data, media_type=checked.kind.media_type, headers={
        "Cache-Control": "no-store",
        "Content-Disposition": f'attachment; filename="{checked.filename}"',
        "X-Content-Type-Options": "nosniff",
    })
