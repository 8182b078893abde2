"""Shapes of the queue's JSON API (they appear in the OpenAPI schema)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from msgspec import Meta, Struct


class TicketIn(Struct, forbid_unknown_fields=True):
    service: Annotated[str, Meta(min_length=1, max_length=60, description="the service's code")]
    location: Annotated[str, Meta(min_length=1, max_length=40, description="a location's code")] | None = None
    priority: bool = False


class TicketOut(Struct):
    id: Annotated[str, Meta(description="random public id; the status URL is built from it")]
    number: Annotated[str, Meta(description="what is called and shown, e.g. A-007")]
    status: Annotated[str, Meta(description="waiting, called, serving, done or no_show")]
    position: Annotated[int | None, Meta(description="1 for the next to be called; null once called")]
    estimated_wait_minutes: int | None
    status_url: str
    service: str | None
    location: str
    counter: Annotated[str | None, Meta(description="the counter it is called to")]
    priority: bool
    taken_at: datetime
    booked_slot: Annotated[datetime | None, Meta(description="a checked-in booking's slot (local time): it is "
                                                             "called from then on, before walk-ins")] = None


class CallOut(Struct):
    number: str
    counter: str
    counter_name: str
    status: str
    called_at: datetime


class LineOut(Struct):
    prefix: str
    agency: str
    waiting: int


class BoardOut(Struct):
    location: str
    location_name: str
    calls: list[CallOut]
    lines: list[LineOut]


class QueueErrorOut(Struct):
    status_code: int
    code: Annotated[str, Meta(description="unknown_service, unknown_location, no_counter, closed or quota_full; "
                                          "for bookings also closed_day, past, too_far, not_a_slot, slot_full, "
                                          "bad_email, unknown_booking, booking_ended, wrong_day or too_late")]
    detail: Annotated[str, Meta(description="in the request's language")]
    detail_id: str
    detail_en: str
    opens_at: Annotated[datetime | None, Meta(description="when a closed service opens (local time)")] = None


class SlotOut(Struct):
    start: Annotated[datetime, Meta(description="local time of the regency, with its offset")]
    end: datetime
    available: Annotated[int, Meta(description="places still free in this slot")]
    capacity: int


class SlotsOut(Struct):
    service: str
    location: str
    date: date
    timezone: Annotated[str, Meta(description="WIB, WITA or WIT")]
    slots: list[SlotOut]


class BookingIn(Struct, forbid_unknown_fields=True):
    service: Annotated[str, Meta(min_length=1, max_length=60, description="the service's code")]
    start: Annotated[datetime, Meta(description="a slot's start as offered by .../slots (without an offset: "
                                                "the regency's local time)")]
    location: Annotated[str, Meta(min_length=1, max_length=40, description="a location's code")] | None = None
    email: Annotated[str, Meta(max_length=254, description="optional, for one reminder; erased when the "
                                                           "booking ends")] | None = None


class BookingOut(Struct):
    id: Annotated[str, Meta(description="random public id; the status URL is built from it")]
    code: Annotated[str, Meta(description="what the citizen enters at the kiosk, e.g. K7QM-3XTA")]
    status: Annotated[str, Meta(description="booked, checked_in, cancelled or no_show")]
    service: str
    location: str
    start: datetime
    end: datetime
    check_in_until: Annotated[datetime, Meta(description="after this the booking is released as a no-show")]
    status_url: str
    reminder: Annotated[bool, Meta(description="a reminder is still to be sent")]
    ticket_url: Annotated[str | None, Meta(description="the ticket made at check-in")] = None


class CheckInIn(Struct, forbid_unknown_fields=True):
    code: Annotated[str, Meta(min_length=1, max_length=300, description="the booking code, or the scanned status URL")]
