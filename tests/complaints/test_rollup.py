"""The ministry's complaint indicators from the rollups: complaints recorded in SatuPintu replace the
reported counts of their month, complaints per 1,000 transactions, and the median working time to the
first answer; the ministry's region page shows them, and no complaint's text or contact."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta

from zoneinfo import ZoneInfo

from sqlalchemy import delete

from satupintu.benchmarks.models import MonthlyOperations
from satupintu.complaints import service as complaints
from satupintu.complaints.models import Complaint
from satupintu.queue.service import as_utc
from tests.benchmarks.conftest import refresh
from tests.complaints.conftest import complain, in_tenant
from tests.conftest import run, sign_in


def test_complaint_indicators_come_from_recorded_complaints(client, people):
    now = datetime.now(UTC)
    month = now.astimezone(ZoneInfo("Asia/Jakarta")).strftime("%Y-%m")

    async def report(session, _tenant):  # only this month, reported by hand (its complaints to be replaced)
        await session.execute(delete(MonthlyOperations))
        session.add(MonthlyOperations(month=month, visitors=900, transactions=500, complaints_received=7,
                                      complaints_on_time=7))

    run(in_tenant(client.database.url, "banyuwangi", report))
    made = [run(complain(client.database.url, "banyuwangi", now=now, description=f"Keluhan rahasia nomor {n}"))
            for n in range(3)]

    async def answer(session, tenant):
        first, second = [await session.get(Complaint, c.id) for c in made[:2]]
        await complaints.respond(session, tenant, first, None, "Segera.", now=now + timedelta(minutes=1))
        await complaints.respond(session, tenant, second, None, "Maaf terlambat.",
                                 now=as_utc(second.response_due_at) + timedelta(minutes=1))
        return [(await session.get(Complaint, c.id)).response_minutes for c in made[:2]]

    minutes = run(in_tenant(client.database.url, "banyuwangi", answer))
    (row,) = [r for r in refresh(client.database) if r.tenant_slug == "banyuwangi"]
    # 3 recorded this month (1 answered on time) replace the 7 reported
    assert row.figures["complaints_on_time"] == 33.3
    assert row.figures["complaints_per_1000"] == 6.0  # 3 per 500 transactions
    # whole minutes, rounded half up (Python's round() would take 120.5 to 120)
    assert row.figures["complaint_first_answer"] == int(statistics.median(minutes) + 0.5)

    assert sign_in(client, people["ministry"]).status_code == 303
    page = client.get("/kementerian/wilayah/banyuwangi")
    assert page.status_code == 200
    assert "Pengaduan per 1.000 transaksi" in page.text
    assert "Keluhan rahasia" not in page.text and "Segera." not in page.text
