"""Linking a single sign-on identity to an account cannot be hijacked (real provider on loopback).

By (issuer, subject) first; by e-mail only when the provider says the address is verified and the
regency allows it; never onto an account linked to another identity; two matching accounts are an
error; an existing account's role changes from claims only when the regency says the provider
manages roles.
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from satupintu.accounts.models import StaffAccount
from tests.accounts.test_oidc_sign_in import CALLBACK, begin, callback_path
from tests.conftest import create_account, csrf_of, in_tenant, run, sign_in
from tests.oidc.harness import login

BUDI = "budi@banyuwangikab.go.id"
ACCOUNTS = {
    "budi": {"email": BUDI, "email_verified": True, "name": "Budi Santoso", "groups": ["satupintu-admin"]},
    "peniru": {"email": BUDI, "email_verified": False, "name": "Peniru", "groups": ["satupintu-admin"]},
}


async def _staff(url: str, email: str, **changes) -> dict:
    async with in_tenant(url, "banyuwangi") as session:
        account = await session.scalar(select(StaffAccount).where(StaffAccount.email == email))
        for name, value in changes.items():
            setattr(account, name, value)
        return {"role": account.role.value, "issuer": account.oidc_issuer, "subject": account.oidc_subject}


def staff(client, email: str, **changes) -> dict:
    return run(_staff(client.database.url, email, **changes))


@pytest.fixture
def setup(start_oidc_provider, client, people):
    """Budi already has a local operator account; the regency configures its provider per test."""
    provider = start_oidc_provider([CALLBACK], accounts=ACCOUNTS)
    create_account(client.database, BUDI, "operator", "banyuwangi")

    def configure(**flags: str):
        assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
        response = client.post("/banyuwangi/admin/sso", data={
            "_csrf_token": csrf_of(client), "issuer": provider.issuer, "client_id": provider.client_id,
            "client_secret": provider.client_secret, "role_claim": "groups", "admin_values": "satupintu-admin",
            "operator_values": "satupintu-petugas", "enabled": "on", **flags}, follow_redirects=False)
        assert response.status_code == 303, response.text
        client.post("/banyuwangi/keluar", data={"_csrf_token": csrf_of(client)})
        client.cookies.clear()
        return provider

    return configure


def through_provider(client, who: str):
    with httpx.Client() as browser:
        back = login(browser, begin(client), who)
    return client.get(callback_path(back), follow_redirects=False)


def test_an_existing_account_is_not_taken_over_by_e_mail_unless_allowed(client, setup):
    setup()
    refused = through_provider(client, "budi")
    assert refused.status_code == 400 and "belum ditautkan" in refused.text
    assert staff(client, BUDI) == {"role": "operator", "issuer": None, "subject": None}
    assert client.get("/banyuwangi/admin/", follow_redirects=False).status_code == 403


def test_linking_by_verified_e_mail_keeps_the_role(client, setup):
    provider = setup(link_by_email="on")
    assert through_provider(client, "budi").status_code == 303
    assert staff(client, BUDI) == {"role": "operator", "issuer": provider.issuer, "subject": "budi"}, \
        "a claim does not make an operator an admin unless the provider manages roles"
    assert client.get("/banyuwangi/admin/", follow_redirects=False).status_code == 403


def test_an_unverified_e_mail_never_links(client, setup):
    setup(link_by_email="on")
    refused = through_provider(client, "peniru")
    assert refused.status_code == 400 and "belum ditautkan" in refused.text
    assert staff(client, BUDI)["subject"] is None


def test_an_account_linked_to_another_identity_is_not_relinked(client, setup):
    provider = setup(link_by_email="on")
    staff(client, BUDI, oidc_issuer=provider.issuer, oidc_subject="orang-lain")
    assert through_provider(client, "budi").status_code == 400
    assert staff(client, BUDI)["subject"] == "orang-lain"


def test_two_matching_accounts_are_an_error(client, setup, people):
    provider = setup(link_by_email="on")
    staff(client, people["admin_a"], oidc_issuer=provider.issuer, oidc_subject="budi")
    refused = through_provider(client, "budi")
    assert refused.status_code == 400 and "Lebih dari satu akun" in refused.text
    assert staff(client, BUDI)["subject"] is None
    assert client.get("/banyuwangi/admin/", follow_redirects=False).status_code == 403


def test_the_provider_changes_roles_only_when_it_manages_them(client, setup):
    provider = setup(sync_roles="on")
    staff(client, BUDI, oidc_issuer=provider.issuer, oidc_subject="budi")
    assert through_provider(client, "budi").status_code == 303
    assert staff(client, BUDI)["role"] == "tenant_admin"
    assert client.get("/banyuwangi/admin/", follow_redirects=False).status_code == 200
