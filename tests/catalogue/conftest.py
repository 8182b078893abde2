"""Shared by the catalogue tests: Banyuwangi's admin signed in, and the console's service form."""

from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_of, sign_in


@pytest.fixture
def admin(client, people):
    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    client.token = csrf_of(client)
    return client


def save_service(admin, code: str, **fields: str):
    """Post Banyuwangi's console form for one service: its current agency, one day, and ``fields``."""
    form = admin.get(f"/banyuwangi/admin/layanan/{code}").text
    agency = re.search(r'<option value="(\d+)" selected', form.split('name="agency_id"', 1)[1]).group(1)
    data = {"_csrf_token": admin.token, "enabled": "on", "cost_note": "", "completion_value": "1",
            "completion_unit": "hari", "extra_requirements": "", "agency_id": agency, **fields}
    return admin.post(f"/banyuwangi/admin/layanan/{code}", data=data, follow_redirects=False)
