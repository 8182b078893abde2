"""The regency's Open311 API keys: made here (the key is shown once), listed by label and beginning,
revoked here. Every change is audited (the key itself never is)."""

from __future__ import annotations

from functools import partial

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.admin.common import page, url
from satupintu.audit.service import Change
from satupintu.forms import Form
from satupintu.handlers import FormData, found, submit
from satupintu.open311 import keys
from satupintu.tenants.models import Tenant


async def _keys_page(session: AsyncSession, tenant: Tenant, status: int = 200, **context: object) -> Template:
    return page("api_keys", tenant, "api_keys", status, keys=await keys.keys(session), **context)


@get("/kunci-api", name="admin:api-keys")
async def api_keys(tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _keys_page(db_session, tenant)


@post("/kunci-api", name="admin:api-key-create")
async def api_key_create(request: Request, tenant: Tenant, db_session: AsyncSession,
                         data: FormData) -> Template | Redirect:
    form = Form(data)
    label = form.text("label", required=True, max_length=120)
    made: dict[str, str] = {}

    async def save() -> Change:
        change, made["key"] = await keys.create(db_session, label)
        return change

    return await submit(request, db_session, form, save, again=partial(_keys_page, db_session, tenant),
                        done=lambda: _keys_page(db_session, tenant, 201, new_key=made["key"], new_label=label))


@post("/kunci-api/{key_id:int}/cabut", name="admin:api-key-revoke")
async def api_key_revoke(request: Request, tenant: Tenant, db_session: AsyncSession, key_id: int,
                         data: FormData) -> Template | Redirect:
    row = found(await keys.get(db_session, key_id))
    return await submit(request, db_session, Form(data), lambda: keys.revoke(db_session, row),
                        again=partial(_keys_page, db_session, tenant), to=url(tenant, "kunci-api"))


handlers = [api_keys, api_key_create, api_key_revoke]
