"""The operator's console at /{slug}/loket: staff one counter, call the next ticket, recall it, start,
finish, mark a no-show, or transfer it. Keyboard-first (every action has an access key), one plain
form per action with its CSRF token, and each answer redirects back (no double posts on reload).
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Router, get, post
from litestar.background_tasks import BackgroundTask
from litestar.channels import ChannelsPlugin
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.agencies.models import Counter
from satupintu.forms import Form
from satupintu.queue import live, service
from satupintu.security import current_principal, tenant_operator
from satupintu.tenancy import provide_tenant
from satupintu.tenants.models import Tenant

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
STEPS = {"panggil": service.call_next, "ulang": service.recall, "mulai": service.start, "selesai": service.finish,
         "tidak-hadir": service.no_show}


async def _page(request: Request, tenant: Tenant, session: AsyncSession, *, status: int = 200,
                error: str | None = None) -> Template:
    me = current_principal(request)
    desk = await service.desk_of(session, me.id)
    context: dict[str, Any] = {"tenant": tenant, "desk": desk, "error": error}
    if desk is None:
        context["counters"] = await service.desk_counters(session, me.agency_id)
    else:
        counter = await session.get(Counter, desk.counter_id)
        waiting, upcoming = await service.upcoming(session, tenant, counter)
        active = await service.active_ticket(session, counter.id)
        context.update(counter=counter, waiting=waiting, upcoming=upcoming,
                       active=await service.ticket_state(session, active) if active else None,
                       counters=[c for c in await service.desk_counters(session, None)
                                 if c.location_id == counter.location_id and c.id != counter.id],
                       services=await service.queue_services(session))
    return Template("queue/console.html", status_code=status, context=context)


async def _counter(request: Request, session: AsyncSession) -> Counter:
    desk = await service.desk_of(session, current_principal(request).id)
    if desk is None:
        raise service.QueueError("no_desk", 409, service.N_("Open a counter first."))
    return await session.get(Counter, desk.counter_id)


@get("/", name="queue:console")
async def console(request: Request, tenant: Tenant, db_session: AsyncSession) -> Template:
    return await _page(request, tenant, db_session)


async def _act(request: Request, tenant: Tenant, session: AsyncSession, work) -> Template | Redirect:  # noqa: ANN001
    """Run one step; on a refusal show the console with the reason, otherwise go back to it (and run
    what the step left to do after the commit, such as telling the boards)."""
    try:
        background = await work()
    except service.QueueError as exc:
        return await _page(request, tenant, session, status=exc.status, error=exc.text())
    return Redirect(f"/{tenant.slug}/loket", status_code=303, background=background)


@post("/buka", name="queue:desk-open", status_code=303)
async def open_desk(request: Request, tenant: Tenant, db_session: AsyncSession, data: FormData) -> Template | Redirect:
    me = current_principal(request)
    code = Form(data).text("counter", max_length=20)

    async def work() -> None:
        await service.open_desk(db_session, me.id, me.agency_id, code)

    return await _act(request, tenant, db_session, work)


@post("/tutup", name="queue:desk-close", status_code=303)
async def close_desk(request: Request, tenant: Tenant, db_session: AsyncSession) -> Template | Redirect:
    async def work() -> None:
        desk = await service.desk_of(db_session, current_principal(request).id)
        if desk is not None:
            await service.close_desk(db_session, desk)

    return await _act(request, tenant, db_session, work)


@post("/alihkan", name="queue:transfer", status_code=303)
async def transfer(request: Request, tenant: Tenant, db_session: AsyncSession, data: FormData) -> Template | Redirect:
    form = Form(data)
    to_counter, to_service = form.text("to_counter", max_length=20), form.text("to_service", max_length=60)

    async def work() -> None:
        counter = await _counter(request, db_session)
        await service.transfer(db_session, counter, to_counter=to_counter or None, to_service=to_service or None)

    return await _act(request, tenant, db_session, work)


@post("/{step:str}", name="queue:step", status_code=303)
async def step(request: Request, tenant: Tenant, db_session: AsyncSession, channels: ChannelsPlugin,
               step: str) -> Template | Redirect:
    action = STEPS.get(step)
    if action is None:
        raise NotFoundException()

    async def work() -> BackgroundTask | None:
        counter = await _counter(request, db_session)
        ticket = await (service.call_next(db_session, tenant, counter) if step == "panggil" else action(db_session, counter))
        if ticket is None:
            raise service.QueueError("empty", 409, service.N_("Nobody is waiting for this counter."))
        if step not in ("panggil", "ulang"):
            return None
        call = await service.announcement(db_session, ticket)
        channel = live.board_channel(request.app.state.settings, tenant.id, call["location_id"])
        return BackgroundTask(channels.wait_published, call, [channel])  # after the commit

    return await _act(request, tenant, db_session, work)


router = Router(path="/{slug:str}/loket", route_handlers=[console, open_desk, close_desk, transfer, step],
                dependencies={"tenant": provide_tenant}, guards=[tenant_operator])
