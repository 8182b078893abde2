"""Online booking through the JSON API, the citizens' pages and the sweep: slots from opening hours,
holidays and capacity; a full slot refused; check-in at the kiosk turning a booking into a ticket at
its slot; call-next order with bookings; reminders and no-shows swept from the database, idempotently
and across restarts; contacts erased when a booking ends; the day in WIB, WITA and WIT."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from satupintu import notify
from satupintu.agencies.models import Counter, Holiday
from satupintu.db import make_engine, make_sessionmaker
from satupintu.queue import booking as bookings
from satupintu.queue import service as queue
from satupintu.queue.models import Booking, BookingStatus, CounterGroup, QueueSettings, Ticket
from satupintu.tenants.models import Tenant, TimeZone
from tests import processes
from tests.conftest import csrf_of, run, sign_in, smtp_settings
from tests.queue.conftest import MONDAY_10, WIB, first_service, in_tenant

API = "/api/v1/tenants/banyuwangi/queue"
TUESDAY = date(2027, 3, 2)
SECRET = "test-secret-key-that-is-long-enough-0123456789"  # the test settings' key (tests/conftest.py)


def _service(database, slug: str = "banyuwangi") -> str:
    return run(in_tenant(database.url, slug, lambda s, t: first_service(s)))


def _rules(database, **values) -> None:
    async def work(session, _tenant):
        settings = await session.scalar(select(QueueSettings))
        for key, value in values.items():
            setattr(settings, key, value)
    run(in_tenant(database.url, "banyuwangi", work))


def _counters(database, code: str) -> int:
    async def work(session, _tenant):
        found = await queue.get_service(session, code)
        group, _location = await queue.line_for(session, found, None)
        return await session.scalar(select(func.count()).select_from(Counter).where(
            Counter.location_id == group.location_id, Counter.agency_id == group.agency_id))
    return run(in_tenant(database.url, "banyuwangi", work))


def _booking(database, public_id: str) -> Booking:
    async def work(session, _tenant):
        return await session.scalar(select(Booking).where(Booking.public_id == public_id))
    return run(in_tenant(database.url, "banyuwangi", work))


def _book(client, code: str, start: str, **extra):
    return client.post(f"{API}/bookings", json={"service": code, "start": start, **extra})


def test_slots_follow_the_opening_hours_holidays_and_capacity(client, clock):
    code = _service(client.database)
    counters = _counters(client.database, code)
    tuesday = client.get(f"{API}/slots", params={"service": code, "date": "2027-03-02"})
    assert tuesday.status_code == 200, tuesday.text
    body = tuesday.json()
    starts = [datetime.fromisoformat(s["start"]) for s in body["slots"]]
    assert starts[0] == datetime(2027, 3, 2, 8, 0, tzinfo=WIB) and starts[-1] == datetime(2027, 3, 2, 14, 30, tzinfo=WIB)
    assert len(starts) == 14 and body["timezone"] == "WIB" and body["location"] == "mpp"
    # 30-minute slots x the line's counters / the declared 6 minutes a citizen, half of it bookable
    assert {s["capacity"] for s in body["slots"]} == {30 * counters // 6 // 2} == {s["available"] for s in body["slots"]}

    today = client.get(f"{API}/slots", params={"service": code, "date": "2027-03-01"}).json()
    assert datetime.fromisoformat(today["slots"][0]["start"]) == datetime(2027, 3, 1, 10, 30, tzinfo=WIB)
    friday = client.get(f"{API}/slots", params={"service": code, "date": "2027-03-05"}).json()
    times = {datetime.fromisoformat(s["start"]).strftime("%H:%M") for s in friday["slots"]}
    assert "10:30" in times and "13:00" in times and not times & {"11:00", "11:30", "12:00", "12:30"}  # Friday prayers

    _rules(client.database, default_service_minutes=15, booking_share_percent=100)
    again = client.get(f"{API}/slots", params={"service": code, "date": "2027-03-02"}).json()
    assert again["slots"][0]["capacity"] == 30 * counters // 15

    async def holiday(session, _tenant):
        session.add(Holiday(day=date(2027, 3, 3), name="Hari Raya Nyepi"))
    run(in_tenant(client.database.url, "banyuwangi", holiday))
    for day, reason in (("2027-03-03", "closed_day"), ("2027-03-07", "closed_day"), ("2027-02-28", "past"),
                        ("2027-04-30", "too_far")):
        refused = client.get(f"{API}/slots", params={"service": code, "date": day})
        assert refused.status_code == 422 and refused.json()["code"] == reason, (day, refused.text)
    nyepi = client.get(f"{API}/slots", params={"service": code, "date": "2027-03-03"},
                       headers={"accept-language": "en"}).json()
    assert "Hari Raya Nyepi" in nyepi["detail"] and nyepi["detail"] == nyepi["detail_en"] != nyepi["detail_id"]
    assert client.get(f"{API}/slots", params={"service": code, "date": "kemarin"}).status_code == 400
    assert client.get(f"{API}/slots", params={"service": "tidak-ada", "date": "2027-03-02"}).status_code == 422


def test_a_full_slot_a_past_time_and_a_closed_day_are_refused_and_change_nothing(client, clock):
    code = _service(client.database)
    _rules(client.database, default_service_minutes=600)  # one place per slot
    made = _book(client, code, "2027-03-02T10:30:00")
    assert made.status_code == 201, made.text
    body = made.json()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", body["code"]) and body["status"] == "booked"
    assert body["status_url"].endswith(f"/banyuwangi/antrian/reservasi/{body['id']}") and not body["reminder"]
    assert datetime.fromisoformat(body["check_in_until"]) == datetime(2027, 3, 2, 10, 45, tzinfo=WIB)

    def count() -> int:
        async def work(session, _tenant):
            return await session.scalar(select(func.count()).select_from(Booking).where(
                Booking.status == BookingStatus.BOOKED))
        return run(in_tenant(client.database.url, "banyuwangi", work))

    full = _book(client, code, "2027-03-02T10:30:00+07:00")
    assert full.status_code == 409 and full.json()["code"] == "slot_full"
    assert full.json()["detail_id"] == "Jadwal ini sudah penuh; pilih waktu lain."
    assert full.json()["detail_en"] == "This slot is fully booked; choose another time."
    for start, reason in (("2027-03-01T09:00:00", "past"), ("2027-03-02T10:15:00", "not_a_slot"),
                          ("2027-03-07T10:00:00", "closed_day"), ("9999-12-31T23:30:00+00:00", "too_far")):
        refused = _book(client, code, start)
        assert refused.status_code == 422 and refused.json()["code"] == reason, (start, refused.text)
    bad_mail = _book(client, code, "2027-03-02T11:00:00", email="bukan-alamat")
    assert bad_mail.status_code == 422 and bad_mail.json()["code"] == "bad_email"
    assert count() == 1
    slots = client.get(f"{API}/slots", params={"service": code, "date": "2027-03-02"}).json()["slots"]
    assert next(s for s in slots if s["start"].startswith("2027-03-02T10:30"))["available"] == 0

    cancelled = client.delete(f"{API}/bookings/{body['id']}")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert client.delete(f"{API}/bookings/{body['id']}").status_code == 409
    assert _book(client, code, "2027-03-02T10:30:00").status_code == 201  # its place came back
    assert client.get(f"{API}/bookings/nope").status_code == 404
    schema = client.get("/api/schema/openapi.json").json()
    assert {"/api/v1/tenants/{slug}/queue/slots", "/api/v1/tenants/{slug}/queue/bookings",
            "/api/v1/tenants/{slug}/queue/check-ins"} <= set(schema["paths"])
    assert {"BookingIn", "BookingOut", "SlotsOut", "CheckInIn"} <= set(schema["components"]["schemas"])


def test_booking_on_a_phone_and_checking_in_at_the_kiosk(client, people, clock):
    code = _service(client.database)
    page = client.get("/banyuwangi/antrian/reservasi", params={"layanan": code, "tanggal": "2027-03-02"})
    assert page.status_code == 200 and 'name="slot" value="10:30"' in page.text and "(WIB)" in page.text
    assert client.get("/banyuwangi/antrian/reservasi", params={"tanggal": "9999-99-99"}).status_code == 422
    sunday = client.get("/banyuwangi/antrian/reservasi", params={"layanan": code, "tanggal": "2027-03-07"})
    assert sunday.status_code == 200 and "hari itu tutup" in sunday.text and 'name="slot"' not in sunday.text
    token = csrf_of(client)
    form = {"_csrf_token": token, "service": code, "location": "mpp", "date": "2027-03-01", "slot": "10:30"}
    bad = client.post("/banyuwangi/antrian/reservasi", data={**form, "email": "x@"}, follow_redirects=False)
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    past = client.post("/banyuwangi/antrian/reservasi", data={**form, "slot": "09:00"}, follow_redirects=False)
    assert past.status_code == 422 and "sudah lewat" in past.text
    made = client.post("/banyuwangi/antrian/reservasi", data={**form, "slot": "11:30", "email": "warga@contoh.id"},
                       follow_redirects=False)
    assert made.status_code == 303
    assert re.fullmatch(r"/banyuwangi/antrian/reservasi/[A-Za-z0-9_-]{20,}", made.headers["location"])
    assert "warga" not in made.headers["location"]
    shown = client.get(made.headers["location"])
    assert shown.status_code == 200 and 'src="data:image/svg+xml' in shown.text and "11:30" in shown.text
    booking_code = re.search(r'class="booking-code">([A-Z2-9-]{9})<', shown.text).group(1)
    public_id = made.headers["location"].rsplit("/", 1)[1]
    stored = _booking(client.database, public_id)
    assert stored.contact and "warga" not in stored.contact and stored.contact_kind == "email"  # sealed
    assert queue.as_utc(stored.reminder_due_at) == datetime(2027, 3, 1, 10, 30, tzinfo=WIB)  # booked today: an hour before

    clock(MONDAY_10 + timedelta(minutes=5))
    kiosk = client.get("/banyuwangi/antrian/hadir")
    assert kiosk.status_code == 200 and 'name="code"' in kiosk.text
    unknown = client.post("/banyuwangi/antrian/hadir", data={"_csrf_token": token, "code": "ZZZZ-ZZZZ"})
    assert unknown.status_code == 422 and "Tidak ada reservasi" in unknown.text
    typed = booking_code.lower().replace("-", " ")  # typed loosely: lower case, a space
    checked = client.post("/banyuwangi/antrian/hadir", data={"_csrf_token": token, "code": typed},
                          follow_redirects=False)
    assert checked.status_code == 303 and checked.headers["location"].endswith("?kios=1")
    ticket_page = client.get(checked.headers["location"])
    number = re.search(r'class="ticket-number">([A-Z]-\d{3})<', ticket_page.text).group(1)
    assert "Reservasi untuk pukul 11:30 WIB: Anda dipanggil mulai saat itu." in ticket_page.text
    after = _booking(client.database, public_id)
    assert after.status == BookingStatus.CHECKED_IN and after.contact is None and after.reminder_due_at is None
    # scanning the QR (a scanner types its address) gives the same ticket again
    scanned = client.post(f"{API}/check-ins", json={"code": f"http://testserver.local{made.headers['location']}"})
    assert scanned.status_code == 201 and scanned.json()["number"] == number
    assert scanned.json()["status"] == "waiting" and scanned.json()["estimated_wait_minutes"] >= 85  # until 11:30
    assert datetime.fromisoformat(scanned.json()["booked_slot"]) == datetime(2027, 3, 1, 11, 30, tzinfo=WIB)
    assert "Tiket Anda" in client.get(made.headers["location"]).text
    assert client.post(f"/banyuwangi/antrian/reservasi/{public_id}/batal",
                       data={"_csrf_token": token}).status_code == 409

    async def ticket(session, _tenant):
        return await session.scalar(select(Ticket).where(Ticket.id == after.ticket_id))
    made_ticket = run(in_tenant(client.database.url, "banyuwangi", ticket))
    assert queue.as_utc(made_ticket.slot_at) == datetime(2027, 3, 1, 11, 30, tzinfo=WIB)
    # the operator of its line sees it marked as a booking once its slot has begun
    async def counter_code(session, _tenant):
        group = await session.get(CounterGroup, made_ticket.group_id)
        return await session.scalar(select(Counter.code).where(
            Counter.location_id == group.location_id, Counter.agency_id == group.agency_id).order_by(Counter.code))
    desk = run(in_tenant(client.database.url, "banyuwangi", counter_code))
    assert sign_in(client, people["operator_a"], "banyuwangi").status_code == 303
    assert client.post("/banyuwangi/loket/buka", data={"_csrf_token": csrf_of(client), "counter": desk},
                       follow_redirects=False).status_code == 303
    assert f"<li>{number} (Reservasi)</li>" not in client.get("/banyuwangi/loket").text  # 11:30 has not come
    clock(datetime(2027, 3, 1, 11, 30, tzinfo=WIB))
    assert f"<li>{number} (Reservasi)</li>" in client.get("/banyuwangi/loket").text
    client.cookies.clear()
    # another regency knows neither the booking nor its code
    assert client.get(f"/api/v1/tenants/bangkalan/queue/bookings/{public_id}").status_code == 404
    other = client.post("/api/v1/tenants/bangkalan/queue/check-ins", json={"code": booking_code})
    assert other.status_code == 422 and other.json()["code"] == "unknown_booking"


def test_check_in_on_another_day_or_too_late_is_refused(client, clock):
    code = _service(client.database)
    tomorrow = _book(client, code, "2027-03-02T10:30:00").json()
    today = _book(client, code, "2027-03-01T10:30:00").json()
    wrong_day = client.post(f"{API}/check-ins", json={"code": tomorrow["code"]})
    assert wrong_day.status_code == 409 and wrong_day.json()["code"] == "wrong_day"
    assert "02-03-2027" in wrong_day.json()["detail_id"]
    clock(MONDAY_10 + timedelta(minutes=45))  # 10:45: the grace period of the 10:30 slot is over
    late = client.post(f"{API}/check-ins", json={"code": today["code"]})
    assert late.status_code == 409 and late.json()["code"] == "too_late"
    assert _booking(client.database, today["id"]).status == BookingStatus.BOOKED  # the sweep releases it


def _line_with_counter(database) -> tuple[str, int]:
    async def work(session, _tenant):
        code = await first_service(session)
        found = await queue.get_service(session, code)
        group, _location = await queue.line_for(session, found, None)
        counter = await session.scalar(select(Counter).where(Counter.location_id == group.location_id,
                                                             Counter.agency_id == group.agency_id).limit(1))
        return code, counter.id
    return run(in_tenant(database.url, "banyuwangi", work))


def test_call_next_serves_a_checked_in_booking_at_its_slot_before_walk_ins(database):
    """Rule (queue.service.call_order): bookings whose slot has begun first, by slot; then priority
    weight; then first come. A booking checked in early waits for its slot."""
    code, counter_id = _line_with_counter(database)
    at = lambda minutes: MONDAY_10 + timedelta(minutes=minutes)  # noqa: E731

    async def work(session, tenant):
        counter = await session.get(Counter, counter_id)
        walk_in = await queue.take_ticket(session, tenant, code, now=at(0))
        priority = await queue.take_ticket(session, tenant, code, priority=True, now=at(1))
        made = await bookings.book(session, tenant, code, None, datetime(2027, 3, 1, 10, 30, tzinfo=WIB),
                                   secret_key=SECRET, now=at(-60))
        booked = await bookings.check_in(session, tenant, made.code, now=at(2))  # early
        assert await queue.position(session, booked, at(5)) == 1  # first among bookings...
        assert await queue.position(session, walk_in, at(5)) == 2  # ...but not yet ahead of anyone
        order = [(await queue.call_next(session, tenant, counter, now=at(10))).label]
        await queue.no_show(session, counter, now=at(11))
        late_walk_in = await queue.take_ticket(session, tenant, code, now=at(20))
        assert await queue.position(session, walk_in, at(31)) == 2  # the due booking is ahead now
        for minute in (31, 40, 50):
            called = await queue.call_next(session, tenant, counter, now=at(minute))
            order.append(called.label)
            await queue.no_show(session, counter, now=at(minute + 1))
        assert await queue.call_next(session, tenant, counter, now=at(60)) is None
        return order, [priority.label, booked.label, walk_in.label, late_walk_in.label]

    order, expected = run(in_tenant(database.url, "banyuwangi", work))
    assert order == expected


class Recorder:
    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple[notify.Recipient, notify.Message]] = []
        self.fail = fail

    async def send(self, to: notify.Recipient, message: notify.Message) -> None:
        if self.fail:
            raise notify.NotSent("the relay refused")
        self.sent.append((to, message))


def _sweep(database, notifier, moment: datetime) -> bookings.SweepResult:
    """One run of the periodic job, as a freshly started worker would do it: a new engine each time."""

    async def work():
        engine = make_engine(database.url)
        try:
            return await bookings.sweep(make_sessionmaker(engine), notifier, secret_key=SECRET,
                                        base_url="https://mpp.example.go.id", now=moment)
        finally:
            await engine.dispose()
    return run(work())


def test_the_reminder_sweep_sends_each_reminder_once(client, clock):
    code = _service(client.database)
    made = client.post(f"{API}/bookings", json={"service": code, "start": "2027-03-02T10:30:00",
                                                 "email": "warga@contoh.id"}, headers={"accept-language": "en"})
    assert made.status_code == 201 and made.json()["reminder"]
    due = _booking(client.database, made.json()["id"]).reminder_due_at
    assert queue.as_utc(due) == datetime(2027, 3, 1, 10, 30, tzinfo=WIB)  # a day before

    assert _sweep(client.database, Recorder(), MONDAY_10).reminders == 0  # not yet due
    failing = Recorder(fail=True)
    assert _sweep(client.database, failing, MONDAY_10 + timedelta(minutes=31)).reminders == 0
    assert _booking(client.database, made.json()["id"]).reminder_sent_at is None  # the claim rolled back
    recorder = Recorder()
    assert _sweep(client.database, recorder, MONDAY_10 + timedelta(minutes=32)).reminders == 1
    assert _sweep(client.database, recorder, MONDAY_10 + timedelta(minutes=40)).reminders == 0  # idempotent
    (to, message), = recorder.sent
    assert to == notify.Recipient("email", "warga@contoh.id")
    assert made.json()["code"] in message.body and "02-03-2027" in message.body and "10:30" in message.body
    assert f"https://mpp.example.go.id/banyuwangi/antrian/reservasi/{made.json()['id']}" in message.body
    assert message.subject.startswith("Reminder")  # in the language it was booked in
    assert not client.get(f"{API}/bookings/{made.json()['id']}").json()["reminder"]


def test_the_logging_adapter_never_logs_the_address():
    from structlog.testing import capture_logs

    adapter = notify.Channels({})  # no adapter for any channel: the logging default
    with capture_logs() as logged:
        run(adapter.send(notify.Recipient("whatsapp", "+62 812 3456 7890"), notify.Message("Pengingat", "ABCD-EFGH")))
        run(adapter.send(notify.Recipient("email", "warga.desa@contoh.id"), notify.Message("Pengingat", "ABCD-EFGH")))
    text = repr(logged)
    assert len(logged) == 2 and {entry["channel"] for entry in logged} == {"whatsapp", "email"}
    assert "3456" not in text and "warga.desa" not in text and "ABCD-EFGH" not in text
    assert "•••••90" in text and "w•••@•••.id" in text
    assert "warga" not in repr(notify.Recipient("email", "warga@contoh.id"))


def test_no_shows_are_released_by_a_sweep_that_survives_restarts(client, clock):
    code = _service(client.database)
    made = _book(client, code, "2027-03-01T10:30:00", email="warga@contoh.id").json()
    checked = _book(client, code, "2027-03-01T11:00:00").json()
    clock(MONDAY_10 + timedelta(minutes=50))
    assert client.post(f"{API}/check-ins", json={"code": checked["code"]}).status_code == 201
    before_deadline = datetime(2027, 3, 1, 10, 44, tzinfo=WIB)
    assert _sweep(client.database, Recorder(), before_deadline).released == 0
    assert _booking(client.database, made["id"]).status == BookingStatus.BOOKED
    deadline = datetime(2027, 3, 1, 10, 45, tzinfo=WIB)  # slot 10:30 + 15 minutes' grace, kept in the row
    assert _sweep(client.database, Recorder(), deadline).released == 1
    assert _sweep(client.database, Recorder(), deadline + timedelta(hours=3)).released == 0  # idempotent
    released = _booking(client.database, made["id"])
    assert released.status == BookingStatus.NO_SHOW and released.contact is None and released.contact_kind is None
    assert queue.as_utc(released.ended_at) == deadline
    assert _booking(client.database, checked["id"]).status == BookingStatus.CHECKED_IN
    ended = client.post(f"{API}/check-ins", json={"code": made["code"]})
    assert ended.status_code == 409 and ended.json()["code"] == "booking_ended"


def test_cancelling_erases_the_contact(client, clock):
    code = _service(client.database)
    made = _book(client, code, "2027-03-02T10:30:00", email="warga@contoh.id").json()
    assert _booking(client.database, made["id"]).contact is not None
    assert client.delete(f"{API}/bookings/{made['id']}").status_code == 200
    gone = _booking(client.database, made["id"])
    assert gone.contact is None and gone.reminder_due_at is None and gone.status == BookingStatus.CANCELLED
    assert _sweep(client.database, Recorder(), datetime(2027, 3, 1, 10, 31, tzinfo=WIB)).reminders == 0


@pytest.mark.parametrize("zone, offset", [(TimeZone.WIB, 7), (TimeZone.WITA, 8), (TimeZone.WIT, 9)])
def test_the_booking_day_rolls_over_in_the_regencys_time_zone(database, zone, offset):
    """At 16:30 UTC it is 23:30 on Monday in WIB, but already Tuesday in WITA and WIT."""
    moment = datetime(2027, 3, 1, 16, 30, tzinfo=ZoneInfo("UTC"))

    async def work(session, tenant):
        await session.execute(update(Tenant).where(Tenant.id == tenant.id).values(timezone=zone))
        tenant.timezone = zone
        code = await first_service(session)
        local = moment.astimezone(ZoneInfo(zone.iana))
        monday = None
        try:
            monday = len((await bookings.day_slots(session, tenant, code, None, date(2027, 3, 1), now=moment)).slots)
        except queue.QueueError as exc:
            monday = exc.code
        tuesday = await bookings.day_slots(session, tenant, code, None, TUESDAY, now=moment)
        first = tuesday.slots[0].start
        made = await bookings.book(session, tenant, code, None, first.replace(tzinfo=None), secret_key=SECRET, now=moment)
        ticket = await bookings.check_in(session, tenant, made.code, now=queue.as_utc(made.slot_start) - timedelta(minutes=5))
        return local.date(), monday, first.utcoffset(), first.hour, made.day, ticket.day

    local_day, monday, utc_offset, hour, booked_day, ticket_day = run(in_tenant(database.url, "banyuwangi", work))
    assert utc_offset == timedelta(hours=offset) and hour == 8
    assert booked_day == ticket_day == TUESDAY
    assert monday == "past"  # WIB: every Monday slot has begun; WITA/WIT: Monday is yesterday
    assert local_day == (date(2027, 3, 1) if zone == TimeZone.WIB else TUESDAY)



def test_the_scheduled_job_e_mails_the_reminder_over_smtp(client, clock, smtp):
    from satupintu.benchmarks import schedule

    code = _service(client.database)
    made = _book(client, code, "2027-03-02T10:30:00", email="warga@contoh.id").json()
    settings = smtp_settings(client.database, smtp, sender="mpp@banyuwangikab.go.id")
    job = next(job for job in schedule.jobs(settings) if job.id == "queue-bookings")
    clock(MONDAY_10 + timedelta(minutes=31))
    job.run()
    job.run()
    (mail,) = [message.as_string() for _recipients, message in smtp.messages]
    assert "To: warga@contoh.id" in mail and "From: mpp@banyuwangikab.go.id" in mail
    assert "Pengingat: reservasi Anda di MPP" in mail and made["code"] in mail
    assert _booking(client.database, made["id"]).reminder_sent_at is not None


PROCESSES, ATTEMPTS = 6, 4


def _book_many(url: str, code: str, start: str, barrier, results) -> None:  # noqa: ANN001 - multiprocessing
    async def main() -> list[str]:
        from satupintu.db import make_engine, make_sessionmaker, tenant_session

        tenant = await in_tenant(url, "banyuwangi", lambda session, tenant: _same(tenant))
        engine = make_engine(url)
        maker = make_sessionmaker(engine)
        outcomes = []
        barrier.wait()
        for _ in range(ATTEMPTS):
            try:
                async with tenant_session(maker, tenant.id) as session:
                    made = await bookings.book(session, tenant, code, None, datetime.fromisoformat(start),
                                               secret_key=SECRET, now=MONDAY_10)
                    outcomes.append(made.code)
            except queue.QueueError as exc:
                outcomes.append(exc.code)
        await engine.dispose()
        return outcomes

    results.put(run(main()))


async def _same(value):  # noqa: ANN001, ANN202
    return value


def test_processes_booking_one_slot_at_once_never_overfill_it(database):
    """Separate processes (as web pods would) book one slot together: exactly its capacity succeed."""
    code = _service(database)
    start = "2027-03-02T09:00:00+07:00"

    async def capacity(session, tenant):
        day = await bookings.day_slots(session, tenant, code, None, TUESDAY, now=MONDAY_10)
        return next(s.capacity for s in day.slots if s.start == datetime.fromisoformat(start))

    places = run(in_tenant(database.url, "banyuwangi", capacity))
    assert places < PROCESSES * ATTEMPTS
    made = processes.context()
    barrier = made.Barrier(PROCESSES)
    outcomes = [outcome for batch in processes.gather(made, _book_many, [(database.url, code, start, barrier)] * PROCESSES,
                                                      made.Queue()) for outcome in batch]
    codes = [o for o in outcomes if o != "slot_full"]
    assert len(codes) == places == len(set(codes)) and outcomes.count("slot_full") == PROCESSES * ATTEMPTS - places

    async def stored(session, _tenant):
        from satupintu.queue.models import BookingSlot

        at = datetime.fromisoformat(start).astimezone(ZoneInfo("UTC"))
        return (await session.scalar(select(func.count()).select_from(Booking).where(Booking.day == TUESDAY)),
                await session.scalar(select(BookingSlot.booked).where(BookingSlot.starts_at == at)))

    assert run(in_tenant(database.url, "banyuwangi", stored)) == (places, places)


def test_an_admin_sets_the_queue_and_booking_rules(client, people, clock):
    code = _service(client.database)
    counters = _counters(client.database, code)
    assert client.get("/banyuwangi/admin/antrian", follow_redirects=False).status_code in (401, 403)
    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    page = client.get("/banyuwangi/admin/antrian")
    assert page.status_code == 200 and 'name="booking_grace_minutes"' in page.text
    good = {"_csrf_token": csrf_of(client), "priority_weight": "10", "default_service_minutes": "6",
            "booking_slot_minutes": "60", "booking_share_percent": "100", "booking_grace_minutes": "5",
            "booking_days_ahead": "7"}
    refused = client.post("/banyuwangi/admin/antrian", data={**good, "booking_share_percent": "150",
                                                             "booking_slot_minutes": "7"}, follow_redirects=False)
    assert refused.status_code == 422 and "Isi dengan angka dari 0 sampai 100" in refused.text
    assert len(client.get(f"{API}/slots", params={"service": code, "date": "2027-03-02"}).json()["slots"]) == 14
    assert client.post("/banyuwangi/admin/antrian", data=good, follow_redirects=False).status_code == 303
    slots = client.get(f"{API}/slots", params={"service": code, "date": "2027-03-02"}).json()["slots"]
    assert len(slots) == 7 and slots[0]["capacity"] == 60 * counters // 6  # 08:00-15:00 in hours, all bookable
    assert client.get(f"{API}/slots", params={"service": code, "date": "2027-03-09"}).json()["code"] == "too_far"
    made = _book(client, code, "2027-03-02T09:00:00").json()
    assert datetime.fromisoformat(made["check_in_until"]) == datetime(2027, 3, 2, 9, 5, tzinfo=WIB)
    assert "queue_settings" in client.get("/banyuwangi/admin/audit").text
