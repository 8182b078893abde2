"""Open311 API keys in the console: made (shown once, only a digest kept), listed, revoked, audited."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from satupintu.audit.models import AuditEntry
from satupintu.open311 import keys
from satupintu.open311.models import ApiKey
from tests.conftest import csrf_of, in_tenant, run, sign_in

KEY = re.compile(r"sp311_[A-Za-z0-9_-]{43}")


@pytest.fixture
def admin(client, people):
    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    client.token = csrf_of(client)
    return client


def _rows(client, slug: str = "banyuwangi") -> tuple[list[ApiKey], list[AuditEntry]]:
    async def read():
        async with in_tenant(client.database.url, slug) as session:
            return (list((await session.scalars(select(ApiKey).order_by(ApiKey.id))).all()),
                    list((await session.scalars(select(AuditEntry).where(AuditEntry.entity == "api_key")
                                                .order_by(AuditEntry.id))).all()))
    return run(read())


def test_a_new_key_is_shown_once_and_only_its_digest_is_kept(admin, people):
    page = admin.post("/banyuwangi/admin/kunci-api", data={"_csrf_token": admin.token, "label": "Konektor LAPOR!"},
                      follow_redirects=False)
    assert page.status_code == 201, page.text[-2000:]
    assert page.headers["cache-control"] == "no-store"
    key = KEY.search(page.text).group(0)
    assert "tidak ditampilkan lagi" in page.text
    rows, audit = _rows(admin)
    made = rows[-1]
    assert (made.label, made.key_hash, made.revoked_at) == ("Konektor LAPOR!", hashlib.sha256(key.encode()).hexdigest(), None)
    assert key.startswith(made.hint) and len(made.hint) < 12
    assert (audit[-1].actor, audit[-1].action) == (people["admin_a"], "create")
    assert key not in str(audit[-1].after) and key[len(made.hint):] not in audit[-1].entity_key
    # the list shows the label and the key's beginning, never the key
    listed = admin.get("/banyuwangi/admin/kunci-api").text
    assert "Konektor LAPOR!" in listed and made.hint in listed and key not in listed


def test_revoking_a_key_stops_it_and_is_audited(admin, people):
    page = admin.post("/banyuwangi/admin/kunci-api", data={"_csrf_token": admin.token, "label": "Aplikasi uji"})
    key = KEY.search(page.text).group(0)
    made = _rows(admin)[0][-1]

    async def accepted() -> bool:
        async with in_tenant(admin.database.url, "banyuwangi") as session:
            return await keys.check(session, key) is not None

    assert run(accepted())
    done = admin.post(f"/banyuwangi/admin/kunci-api/{made.id}/cabut", data={"_csrf_token": admin.token},
                      follow_redirects=False)
    assert done.status_code == 303
    assert "Kunci API Open311 dicabut" in admin.get(done.headers["location"]).text
    assert not run(accepted())
    rows, audit = _rows(admin)
    assert rows[-1].revoked_at is not None
    assert (audit[-1].actor, audit[-1].action, audit[-1].before["revoked_at"]) == (people["admin_a"], "revoke", None)
    again = admin.post(f"/banyuwangi/admin/kunci-api/{made.id}/cabut", data={"_csrf_token": admin.token})
    assert again.status_code == 422 and "sudah dicabut" in again.text


def test_a_key_needs_a_label_and_nothing_is_made_without_one(admin):
    before = len(_rows(admin)[0])
    page = admin.post("/banyuwangi/admin/kunci-api", data={"_csrf_token": admin.token, "label": ""})
    assert page.status_code == 422 and not KEY.search(page.text)
    assert len(_rows(admin)[0]) == before


def test_a_key_works_only_in_its_own_regency(client):
    async def make_and_check() -> tuple[bool, bool]:
        async with in_tenant(client.database.url, "banyuwangi") as session:
            _change, key = await keys.create(session, "Sistem Banyuwangi")
        async with in_tenant(client.database.url, "banyuwangi") as session:
            own = await keys.check(session, key) is not None
        async with in_tenant(client.database.url, "bangkalan") as session:
            other = await keys.check(session, key) is not None
        return own, other

    assert run(make_and_check()) == (True, False)


def test_another_regency_admin_cannot_see_or_revoke_keys(client, people):
    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    theirs = _rows(client, "bangkalan")[0][0]
    token = csrf_of(client)
    assert client.get("/bangkalan/admin/kunci-api").status_code in (403, 404)
    refused = client.post(f"/bangkalan/admin/kunci-api/{theirs.id}/cabut", data={"_csrf_token": token})
    assert refused.status_code in (403, 404)
    # and in one's own console, another regency's key id is not found
    assert client.post(f"/banyuwangi/admin/kunci-api/{theirs.id}/cabut", data={"_csrf_token": token}).status_code == 404
    assert _rows(client, "bangkalan")[0][0].revoked_at is None
