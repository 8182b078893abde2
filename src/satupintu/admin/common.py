"""What the console's pages share: the page frame and the address of a console page."""

from __future__ import annotations

from typing import Any

from litestar.response import Template

from satupintu.tenants.models import Tenant


def page(name: str, tenant: Tenant, section: str, status: int = 200, **context: Any) -> Template:
    return Template(f"admin/{name}.html", status_code=status,
                    context={"tenant": tenant, "section": section, "errors": {}, "values": {}, **context})


def url(tenant: Tenant, path: str) -> str:
    return f"/{tenant.slug}/admin/{path}"
