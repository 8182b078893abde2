"""An application whose result is done invites its applicant to rate the service: a link on the status
page and in the notice of that step (the survey's sealed link, usable once)."""

from __future__ import annotations

import re

from tests.applications.conftest import FEMALE, prepare_service
from tests.applications.test_notifications import _send, queued  # noqa: F401 - the queued-jobs fixture
from tests.conftest import csrf_of, sign_in

API = "/api/v1/tenants/banyuwangi/applications"
LINK = re.compile(r"https?://[^\s\"]+(/banyuwangi/survei/nilai/[A-Za-z0-9_=-]+)")


class Recorder:
    def __init__(self) -> None:
        self.sent: list = []

    async def send(self, to, message) -> None:
        self.sent.append((to, message))


def test_a_done_application_invites_its_applicant_once(client, people, clock, queued):  # noqa: F811
    code = prepare_service(client.database.url)
    number = client.post(API, json={"service": code, "applicant": {"nik": FEMALE, "name": "Siti Aminah",
                                                                   "email": "siti@contoh.id"}}).json()["tracking_number"]
    assert not LINK.search(client.get(f"/banyuwangi/lacak/{number}").text)
    recorder = Recorder()
    _send(client, client.database.settings(), *queued[0], notifier=recorder)
    assert not LINK.search(recorder.sent[0][1].body)  # received: nothing to rate yet

    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    for step in ("verifikasi", "selesai"):
        done = client.post(f"/banyuwangi/permohonan/{number}/{step}", data={"_csrf_token": csrf_of(client)},
                           follow_redirects=False)
        assert done.status_code == 303
    client.cookies.clear()
    on_page = LINK.search(client.get(f"/banyuwangi/lacak/{number}").text)
    assert on_page

    _send(client, client.database.settings(), *queued[-1], notifier=recorder)
    (to, message) = recorder.sent[-1]
    assert to.address == "siti@contoh.id" and "Sembilan pertanyaan singkat" in message.body
    in_message = LINK.search(message.body).group(1)
    assert number not in in_message and FEMALE not in in_message

    assert client.get(in_message).status_code == 200
    answers = {f"u{n}": "4" for n in range(1, 10)}
    assert client.post(in_message, data={"_csrf_token": csrf_of(client), **answers},
                       follow_redirects=False).status_code == 303
    again = client.post(on_page.group(1), data={"_csrf_token": csrf_of(client), **answers}, follow_redirects=False)
    assert again.status_code == 409 and "sudah dinilai" in again.text
    assert not LINK.search(client.get(f"/banyuwangi/lacak/{number}").text)  # rated: no more invitation
