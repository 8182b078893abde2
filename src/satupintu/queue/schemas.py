"""Shapes of the queue's JSON API (they appear in the OpenAPI schema)."""

from __future__ import annotations

from datetime import datetime
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
    code: Annotated[str, Meta(description="unknown_service, unknown_location, no_counter, closed or quota_full")]
    detail: Annotated[str, Meta(description="in the request's language")]
    detail_id: str
    detail_en: str
    opens_at: Annotated[datetime | None, Meta(description="when a closed service opens (local time)")] = None
