"""Citizens' queue pages (take a ticket on a phone or a kiosk, follow it) and the queue's JSON API.

Handlers read input, call :mod:`satupintu.queue.service` and render. A ticket is addressed by its
random public id only; nothing on these pages or in their URLs identifies a person.
"""

from __future__ import annotations

from typing import Annotated, Any

import segno
from litestar import Request, Response, Router, get, post
from litestar.channels import ChannelsPlugin
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body, Parameter
from litestar.response import Redirect, ServerSentEvent, Template
from litestar.response.sse import ServerSentEventMessage
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu.db import tenant_session
from satupintu.forms import Form
from satupintu.i18n import gettext as _
from satupintu.queue import live, service
from satupintu.queue.models import TicketStatus
from satupintu.queue.schemas import BoardOut, CallOut, LineOut, QueueErrorOut, TicketIn, TicketOut
from satupintu.survey import routes as survey_routes
from satupintu.survey import service as survey
from satupintu.tenancy import provide_tenant, resolve
from satupintu.tenants import service as tenants_service
from satupintu.tenants.models import Tenant
from satupintu.web import absolute_url

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
TENANT = {"tenant": provide_tenant}
POLL_SECONDS = 5


def _always_open(request: Request) -> bool:
    return request.app.state.settings.queue_always_open


def ticket_url(request: Request, tenant: Tenant, public_id: str) -> str:
    return absolute_url(request, f"/{tenant.slug}/antrian/{public_id}")


def error_out(error: service.QueueError) -> QueueErrorOut:
    return QueueErrorOut(status_code=error.status, code=error.code, detail=error.text(), detail_id=error.text("id"),
                         detail_en=error.text("en"), opens_at=error.opens_at)


def ticket_out(request: Request, tenant: Tenant, state: service.TicketState) -> TicketOut:
    ticket = state.ticket
    return TicketOut(
        id=ticket.public_id, number=ticket.label, status=ticket.status.value, position=state.position,
        estimated_wait_minutes=state.wait_minutes, status_url=ticket_url(request, tenant, ticket.public_id),
        service=state.service.code if state.service else None, location=state.location.code,
        counter=state.counter.code if state.counter else None, priority=ticket.priority,
        taken_at=service.as_utc(ticket.taken_at), booked_slot=service.local_time(tenant, ticket.slot_at),
    )


# --- citizens' pages -----------------------------------------------------------------------------


async def _take_page(request: Request, tenant: Tenant, session: AsyncSession, *, status: int = 200,
                     error: str | None = None, errors: dict[str, str] | None = None,
                     chosen: dict[str, Any] | None = None) -> Template:
    locations = await service.queue_locations(session)
    return Template("queue/take.html", status_code=status, context={
        "tenant": tenant, "by_agency": await service.queue_services(session), "locations": locations,
        "error": error, "errors": errors or {}, "chosen": chosen or {}, "kiosk": request.query_params.get("kios") == "1",
    })


@get("/{slug:str}/antrian", name="queue:take", dependencies=TENANT)
async def take_page(request: Request, tenant: Tenant, db_session: AsyncSession,
                    layanan: Annotated[str, Parameter(query="layanan", default="", max_length=60)] = "") -> Template:
    return await _take_page(request, tenant, db_session, chosen={"service": layanan})


@post("/{slug:str}/antrian", name="queue:take-post", dependencies=TENANT, status_code=303)
async def take(request: Request, tenant: Tenant, db_session: AsyncSession, data: FormData) -> Template | Redirect:
    form = Form(data)
    chosen = {"service": form.text("service", required=True, max_length=60),
              "location": form.text("location", max_length=40), "priority": form.flag("priority")}
    if form.errors:
        return await _take_page(request, tenant, db_session, status=422, errors=form.errors, chosen=chosen)
    try:
        ticket = await service.take_ticket(db_session, tenant, chosen["service"], chosen["location"] or None,
                                           chosen["priority"], always_open=_always_open(request))
    except service.QueueError as exc:
        return await _take_page(request, tenant, db_session, status=exc.status, error=exc.text(), chosen=chosen)
    kiosk = "?kios=1" if form.flag("kiosk") else ""
    return Redirect(f"/{tenant.slug}/antrian/{ticket.public_id}{kiosk}", status_code=303)


@get("/{slug:str}/antrian/{public_id:str}", name="queue:ticket", dependencies=TENANT)
async def ticket_page(request: Request, tenant: Tenant, db_session: AsyncSession, public_id: str) -> Template:
    ticket = await service.get_ticket(db_session, public_id)
    if ticket is None:
        raise NotFoundException()
    state = await service.ticket_state(db_session, ticket)
    url = ticket_url(request, tenant, ticket.public_id)
    fragment = request.headers.get("hx-request") == "true"
    rate = await survey_routes.invitation(request, tenant, db_session, survey.TICKET, ticket.public_id) \
        if ticket.status == TicketStatus.DONE else None
    return Template("queue/_status.html" if fragment else "queue/ticket.html", context={
        "tenant": tenant, "state": state, "ticket": ticket, "url": url, "poll": POLL_SECONDS, "rate": rate,
        "slot": service.local_time(tenant, ticket.slot_at), "zone": tenant.timezone.value,
        "qr": segno.make(url, error="m").svg_data_uri(scale=4, border=2),
        "kiosk": request.query_params.get("kios") == "1",
    })


# --- display boards ------------------------------------------------------------------------------


@get("/{slug:str}/layar/{location:str}", name="queue:board", dependencies=TENANT)
async def board_page(request: Request, tenant: Tenant, db_session: AsyncSession, location: str) -> Template:
    """A TV in the hall: the numbers being called and where, spoken aloud, with information slides."""
    found = await location_or_404(db_session, location)
    take_url = f"{str(request.base_url).rstrip('/')}/{tenant.slug}/antrian"
    opening = await service.opening(db_session, tenant, found, always_open=_always_open(request))
    return Template("queue/board.html", context={
        "tenant": tenant, "board": await service.board(db_session, tenant, found), "location": found,
        "opening": opening, "policy": await tenants_service.get_policy(db_session), "take_url": take_url,
        "take_qr": segno.make(take_url, error="m").svg_data_uri(scale=6, border=2),
    })


@get("/{slug:str}/layar/{location:str}/events", name="queue:board-events")
async def board_events(request: Request, slug: str, location: str, channels: ChannelsPlugin) -> ServerSentEvent:
    """Server-sent events: ``ready`` once subscribed, then one ``call`` per call or recall.

    The regency and location are looked up in a short transaction of their own, so a board that
    stays connected all day holds no database connection.
    """
    async with tenant_session(request.app.state.auth_sessionmaker, None) as session:
        tenant = await resolve(session, slug)
        found = await location_or_404(session, location)
        channel = live.board_channel(request.app.state.settings, tenant.id, found.id)

    async def stream():  # noqa: ANN202
        async with channels.start_subscription([channel]) as subscriber:
            yield ServerSentEventMessage(event="ready", data="{}")
            async for message in subscriber.iter_events():
                yield ServerSentEventMessage(event="call", data=message.decode())

    return ServerSentEvent(stream(), headers={"cache-control": "no-cache", "x-accel-buffering": "no"})


# --- JSON API ------------------------------------------------------------------------------------

ERRORS = {
    409: ResponseSpec(QueueErrorOut, description="closed now, or today's quota is full"),
    422: ResponseSpec(QueueErrorOut, description="unknown service or location, or no counter for it"),
}


@post("/api/v1/tenants/{slug:str}/queue/tickets", name="api:queue-take", tags=["queue"], dependencies=TENANT,
      status_code=201, responses=ERRORS, opt={"exclude_from_csrf": True})
async def api_take(request: Request, tenant: Tenant, db_session: AsyncSession,
                   data: TicketIn) -> Response[TicketOut | QueueErrorOut]:
    """Take a ticket for a service (at a location, or where its counter is). No personal data."""
    try:
        ticket = await service.take_ticket(db_session, tenant, data.service, data.location, data.priority,
                                           always_open=_always_open(request))
    except service.QueueError as exc:
        return Response(error_out(exc), status_code=exc.status)
    await db_session.commit()  # frees the line's number row before the position and wait are read
    return Response(ticket_out(request, tenant, await service.ticket_state(db_session, ticket)), status_code=201)


@get("/api/v1/tenants/{slug:str}/queue/tickets/{public_id:str}", name="api:queue-ticket", tags=["queue"],
     dependencies=TENANT)
async def api_ticket(request: Request, tenant: Tenant, db_session: AsyncSession, public_id: str) -> TicketOut:
    """Where a ticket stands: its position, estimated wait and the counter it is called to."""
    ticket = await service.get_ticket(db_session, public_id)
    if ticket is None:
        raise NotFoundException(detail=_("Ticket not found"))
    return ticket_out(request, tenant, await service.ticket_state(db_session, ticket))


async def location_or_404(session: AsyncSession, code: str) -> Any:
    for location in await service.queue_locations(session):
        if location.code == code:
            return location
    raise NotFoundException(detail=_("There is no such location in this region."))


def board_out(board: service.Board) -> BoardOut:
    return BoardOut(
        location=board.location.code, location_name=board.location.name,
        calls=[CallOut(c.number, c.counter_code, c.counter_name, c.status, c.called_at) for c in board.calls],
        lines=[LineOut(line.prefix, line.agency, line.waiting) for line in board.lines],
    )


@get("/api/v1/tenants/{slug:str}/queue/board", name="api:queue-board", tags=["queue"], dependencies=TENANT)
async def api_board(tenant: Tenant, db_session: AsyncSession,
                    location: Annotated[str, Parameter(query="location", min_length=1, max_length=40)]) -> BoardOut:
    """What is being called where in one location today, and how many wait in each line."""
    found = await location_or_404(db_session, location)
    return board_out(await service.board(db_session, tenant, found))


router = Router(path="/", route_handlers=[take_page, take, ticket_page, board_page, board_events, api_take,
                                         api_ticket, api_board])
