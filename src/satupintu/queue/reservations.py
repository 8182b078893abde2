"""Online booking pages and API: choose a day and a slot on a phone, get a code and a QR, check in
at the kiosk (type the code or scan the QR) and get a ticket called at the slot.

Handlers read input, call :mod:`satupintu.queue.booking` and render. A booking is addressed by its
random public id; the optional e-mail address travels only in a request body, never in a URL.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any

import segno
from litestar import Request, Response, Router, delete, get, post
from litestar.exceptions import NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from satupintu import i18n
from satupintu.catalogue.models import TenantService
from satupintu.forms import Form
from satupintu.i18n import gettext as _
from satupintu.queue import booking as bookings
from satupintu.queue import service
from satupintu.agencies.models import Location
from satupintu.queue.models import Booking, CounterGroup, Ticket
from satupintu.queue.routes import FormData, error_out, ticket_out, ticket_url
from satupintu.queue.schemas import BookingIn, BookingOut, CheckInIn, QueueErrorOut, SlotOut, SlotsOut, TicketOut
from satupintu.security import rate_limit
from satupintu.tenancy import provide_tenant
from satupintu.tenants.models import Tenant
from satupintu.web import absolute_url

TENANT = {"tenant": provide_tenant}
booking_rate_limit = rate_limit("booking", "hour", 30)
"""New bookings per client address: a family's worth, too few to book a day's slots away."""


def booking_url(request: Request, tenant: Tenant, public_id: str) -> str:
    return absolute_url(request, f"/{tenant.slug}/antrian/reservasi/{public_id}")


async def _where(session: AsyncSession, booking: Booking) -> tuple[TenantService, Location]:
    group = await session.get(CounterGroup, booking.group_id)
    return await session.get(TenantService, booking.service_id), await session.get(Location, group.location_id)


async def booking_out(request: Request, tenant: Tenant, session: AsyncSession, booking: Booking) -> BookingOut:
    found, location = await _where(session, booking)
    times = bookings.booking_state(booking, tenant)
    ticket = await session.get(Ticket, booking.ticket_id) if booking.ticket_id else None
    return BookingOut(
        id=booking.public_id, code=times["code"], status=booking.status.value, service=found.code,
        location=location.code, start=times["start"], end=times["end"], check_in_until=times["check_in_until"],
        status_url=booking_url(request, tenant, booking.public_id),
        reminder=booking.reminder_due_at is not None and booking.reminder_sent_at is None,
        ticket_url=ticket_url(request, tenant, ticket.public_id) if ticket else None,
    )


def _start(day: date | None, slot: str) -> datetime | None:
    """The slot a form chose ("10:30" on the chosen day), or None when it is not a time."""
    try:
        return datetime.combine(day, time.fromisoformat(slot)) if day and slot else None
    except ValueError:
        return None


# --- citizens' pages -----------------------------------------------------------------------------


async def _book_page(request: Request, tenant: Tenant, session: AsyncSession, *, status: int = 200,
                     chosen: dict[str, Any], errors: dict[str, str] | None = None, error: str | None = None) -> Template:
    day = slots = None
    if chosen.get("service") and chosen.get("date") and not {"service", "date", "location"} & set(errors or {}):
        try:
            day = await bookings.day_slots(session, tenant, chosen["service"], chosen.get("location") or None,
                                           chosen["date"])
        except service.QueueError as exc:  # a closed or past day: the page says so (it is not bad input)
            error = error or exc.text()
    if day is not None:
        slots = day.slots
    today = service.local_now(tenant).date()
    return Template("queue/book.html", status_code=status, context={
        "tenant": tenant, "by_agency": await service.queue_services(session),
        "locations": await service.queue_locations(session), "chosen": chosen, "errors": errors or {},
        "error": error, "day": day, "slots": slots, "today": today, "zone": tenant.timezone.value,
    })


@get("/{slug:str}/antrian/reservasi", name="queue:book", dependencies=TENANT)
async def book_page(request: Request, tenant: Tenant, db_session: AsyncSession,
                    layanan: Annotated[str, Parameter(query="layanan", default="", max_length=60)] = "",
                    tanggal: Annotated[str, Parameter(query="tanggal", default="", max_length=10)] = "",
                    lokasi: Annotated[str, Parameter(query="lokasi", default="", max_length=40)] = "") -> Template:
    """Step one: a service and a day (a plain GET form); the day's free slots appear below it."""
    form = Form({"service": layanan, "date": tanggal, "location": lokasi})
    chosen = {"service": form.text("service", max_length=60), "location": form.text("location", max_length=40),
              "date": form.day("date", required=False) if tanggal else service.local_now(tenant).date()}
    return await _book_page(request, tenant, db_session, chosen=chosen, errors=form.errors,
                            status=422 if form.errors else 200)


@post("/{slug:str}/antrian/reservasi", name="queue:book-post", dependencies=TENANT, status_code=303,
      middleware=[booking_rate_limit.middleware])
async def book(request: Request, tenant: Tenant, db_session: AsyncSession, data: FormData) -> Template | Redirect:
    """Step two: the chosen slot (and an optional e-mail address for the reminder)."""
    form = Form(data)
    chosen = {"service": form.text("service", required=True, max_length=60),
              "location": form.text("location", max_length=40), "date": form.day("date"),
              "slot": form.text("slot", required=True, max_length=5), "email": form.text("email", max_length=254)}
    start = _start(chosen["date"], chosen["slot"])
    if start is None and "slot" not in form.errors and "date" not in form.errors:
        form.fail("slot", _("Choose one of the offered times."))
    if form.errors:
        return await _book_page(request, tenant, db_session, status=422, chosen=chosen, errors=form.errors)
    try:
        made = await bookings.book(db_session, tenant, chosen["service"], chosen["location"] or None, start,
                                   email=chosen["email"] or None, language=i18n.current_locale.get(),
                                   secret_key=request.app.state.settings.secret_key)
    except service.QueueError as exc:
        if exc.code == "bad_email":
            return await _book_page(request, tenant, db_session, status=422, chosen=chosen, errors={"email": exc.text()})
        return await _book_page(request, tenant, db_session, status=exc.status, chosen=chosen, error=exc.text())
    return Redirect(f"/{tenant.slug}/antrian/reservasi/{made.public_id}", status_code=303)


async def booking_or_404(session: AsyncSession, public_id: str) -> Booking:
    found = await bookings.get_booking(session, public_id)
    if found is None:
        raise NotFoundException(detail=_("Booking not found"))
    return found


@get("/{slug:str}/antrian/reservasi/{public_id:str}", name="queue:booking", dependencies=TENANT)
async def booking_page(request: Request, tenant: Tenant, db_session: AsyncSession, public_id: str) -> Template:
    """The booking: its code, a QR code to this page (what the kiosk scans), the time and the place."""
    return await _booking_page(request, tenant, db_session, await booking_or_404(db_session, public_id))


async def _booking_page(request: Request, tenant: Tenant, db_session: AsyncSession, found: Booking, *,
                        status: int = 200, error: str | None = None) -> Template:
    url = booking_url(request, tenant, found.public_id)
    the_service, location = await _where(db_session, found)
    ticket = await db_session.get(Ticket, found.ticket_id) if found.ticket_id else None
    return Template("queue/booking.html", status_code=status, context={
        "tenant": tenant, "booking": found, "times": bookings.booking_state(found, tenant), "service": the_service,
        "location": location, "ticket": ticket, "zone": tenant.timezone.value, "error": error,
        "qr": segno.make(url, error="m").svg_data_uri(scale=4, border=2),
    })


@post("/{slug:str}/antrian/reservasi/{public_id:str}/batal", name="queue:booking-cancel", dependencies=TENANT,
      status_code=303)
async def cancel(request: Request, tenant: Tenant, db_session: AsyncSession, public_id: str) -> Template | Redirect:
    found = await booking_or_404(db_session, public_id)
    try:
        await bookings.cancel(db_session, found)
    except service.QueueError as exc:
        return await _booking_page(request, tenant, db_session, found, status=exc.status, error=exc.text())
    return Redirect(f"/{tenant.slug}/antrian/reservasi/{found.public_id}", status_code=303)


async def _check_in_page(tenant: Tenant, *, status: int = 200, error: str | None = None,
                         errors: dict[str, str] | None = None) -> Template:
    return Template("queue/check_in.html", status_code=status,
                    context={"tenant": tenant, "error": error, "errors": errors or {}})


@get("/{slug:str}/antrian/hadir", name="queue:check-in", dependencies=TENANT)
async def check_in_page(tenant: Tenant) -> Template:
    """The kiosk's check-in: type the booking code, or scan its QR code (a scanner types the address)."""
    return await _check_in_page(tenant)


@post("/{slug:str}/antrian/hadir", name="queue:check-in-post", dependencies=TENANT, status_code=303)
async def check_in(tenant: Tenant, db_session: AsyncSession, data: FormData) -> Template | Redirect:
    form = Form(data)
    entered = form.text("code", required=True, max_length=300)
    if form.errors:
        return await _check_in_page(tenant, status=422, errors=form.errors)
    try:
        ticket = await bookings.check_in(db_session, tenant, entered)
    except service.QueueError as exc:
        return await _check_in_page(tenant, status=exc.status, error=exc.text())
    return Redirect(f"/{tenant.slug}/antrian/{ticket.public_id}?kios=1", status_code=303)


# --- JSON API ------------------------------------------------------------------------------------

ERRORS = {
    409: ResponseSpec(QueueErrorOut, description="the slot is full, the booking ended, another day, too late"),
    422: ResponseSpec(QueueErrorOut, description="unknown service or location, a closed day, a past time, "
                                                 "beyond the booking horizon, not a slot, a malformed e-mail"),
}


@get("/api/v1/tenants/{slug:str}/queue/slots", name="api:queue-slots", tags=["queue"], dependencies=TENANT,
     responses={422: ERRORS[422]})
async def api_slots(tenant: Tenant, db_session: AsyncSession,
                    service_code: Annotated[str, Parameter(query="service", min_length=1, max_length=60)],
                    day: Annotated[date, Parameter(query="date")],
                    location: Annotated[str | None, Parameter(query="location", min_length=1, max_length=40)] = None,
                    ) -> Response[SlotsOut | QueueErrorOut]:
    """The bookable slots of a service on a day (local times), with the places still free in each."""
    try:
        found = await bookings.day_slots(db_session, tenant, service_code, location, day)
    except service.QueueError as exc:
        return Response(error_out(exc), status_code=exc.status)
    return Response(SlotsOut(service=found.service.code, location=found.location.code, date=found.day,
                             timezone=tenant.timezone.value,
                             slots=[SlotOut(s.start, s.end, s.available, s.capacity) for s in found.slots]))


@post("/api/v1/tenants/{slug:str}/queue/bookings", name="api:queue-book", tags=["queue"], dependencies=TENANT,
      status_code=201, responses=ERRORS, opt={"exclude_from_csrf": True}, middleware=[booking_rate_limit.middleware])
async def api_book(request: Request, tenant: Tenant, db_session: AsyncSession,
                   data: BookingIn) -> Response[BookingOut | QueueErrorOut]:
    """Book a slot; the answer carries the code to check in with and the status URL (its QR)."""
    try:
        made = await bookings.book(db_session, tenant, data.service, data.location, data.start, email=data.email,
                                   language=i18n.current_locale.get(), secret_key=request.app.state.settings.secret_key)
    except service.QueueError as exc:
        return Response(error_out(exc), status_code=exc.status)
    return Response(await booking_out(request, tenant, db_session, made), status_code=201)


@get("/api/v1/tenants/{slug:str}/queue/bookings/{public_id:str}", name="api:queue-booking", tags=["queue"],
     dependencies=TENANT)
async def api_booking(request: Request, tenant: Tenant, db_session: AsyncSession, public_id: str) -> BookingOut:
    return await booking_out(request, tenant, db_session, await booking_or_404(db_session, public_id))


@delete("/api/v1/tenants/{slug:str}/queue/bookings/{public_id:str}", name="api:queue-booking-cancel",
        tags=["queue"], dependencies=TENANT, status_code=200, responses={409: ERRORS[409]},
        opt={"exclude_from_csrf": True})
async def api_cancel(request: Request, tenant: Tenant, db_session: AsyncSession,
                     public_id: str) -> Response[BookingOut | QueueErrorOut]:
    """Cancel a booking that has not begun: its place goes back to the slot and its contact is erased."""
    found = await booking_or_404(db_session, public_id)
    try:
        await bookings.cancel(db_session, found)
    except service.QueueError as exc:
        return Response(error_out(exc), status_code=exc.status)
    return Response(await booking_out(request, tenant, db_session, found))


@post("/api/v1/tenants/{slug:str}/queue/check-ins", name="api:queue-check-in", tags=["queue"], dependencies=TENANT,
      status_code=201, responses=ERRORS, opt={"exclude_from_csrf": True})
async def api_check_in(request: Request, tenant: Tenant, db_session: AsyncSession,
                       data: CheckInIn) -> Response[TicketOut | QueueErrorOut]:
    """A kiosk checks a booking in (its code or scanned status URL): the ticket, called at the slot."""
    try:
        ticket = await bookings.check_in(db_session, tenant, data.code)
    except service.QueueError as exc:
        return Response(error_out(exc), status_code=exc.status)
    await db_session.commit()  # frees the line's number row before the position and wait are read
    return Response(ticket_out(request, tenant, await service.ticket_state(db_session, ticket)), status_code=201)


router = Router(path="/", route_handlers=[book_page, book, booking_page, cancel, check_in_page, check_in, api_slots,
                                         api_book, api_booking, api_cancel, api_check_in])
