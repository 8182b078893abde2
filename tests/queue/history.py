"""Hand-made ticket histories: tickets written with chosen timestamps, so tests know exact figures."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from satupintu.queue import groups
from satupintu.queue import service as queue
from satupintu.queue.models import CounterGroup, Ticket, TicketStatus

WIB = ZoneInfo("Asia/Jakarta")


async def first_group(session: Any) -> CounterGroup:
    return (await groups.every_group(session))[0]


class History:
    """Writes tickets into one line; times are local (WIB) and stored in UTC like the queue does."""

    def __init__(self, session: Any, group: CounterGroup, counter_id: int | None = None) -> None:
        self.session, self.group, self.counter_id = session, group, counter_id
        self.numbers: dict[date, int] = {}

    def add(self, taken: datetime, *, wait: float | None = None, service: float | None = None,
            status: TicketStatus | None = None, transferred_after: float | None = None,
            priority: bool = False, counter_id: int | None = None, slot_after: float | None = None) -> Ticket:
        """A ticket taken at ``taken`` (local); ``wait`` and ``service`` in minutes. With a service time it
        is done; with only a wait it is called; with neither it waits. ``transferred_after`` minutes after
        taking it, it joined its line again (its wait then runs from there); a booking checked in
        ``slot_after`` minutes before its slot has ``slot_at`` (its wait runs from the slot)."""
        day = taken.date()
        number = self.numbers[day] = self.numbers.get(day, 0) + 1
        joined = taken + timedelta(minutes=transferred_after or 0)
        called = joined + timedelta(minutes=wait) if wait is not None else None
        started = called if service is not None else None
        finished = started + timedelta(minutes=service) if started is not None else None
        if status is None:
            status = TicketStatus.DONE if finished else TicketStatus.CALLED if called else TicketStatus.WAITING
        utc = ZoneInfo("UTC")
        ticket = Ticket(
            group_id=self.group.id, day=day, number=number, label=queue.label(self.group.prefix, number),
            priority=priority, status=status, taken_at=taken.astimezone(utc),
            counter_id=(counter_id or self.counter_id) if called else None,
            called_at=called.astimezone(utc) if called else None,
            started_at=started.astimezone(utc) if started else None,
            finished_at=finished.astimezone(utc) if finished else None,
            no_show_at=called.astimezone(utc) if status == TicketStatus.NO_SHOW and called else None,
            transferred_at=joined.astimezone(utc) if transferred_after else None,
            transfers=1 if transferred_after else 0,
            slot_at=(taken + timedelta(minutes=slot_after)).astimezone(utc) if slot_after is not None else None)
        self.session.add(ticket)
        return ticket
