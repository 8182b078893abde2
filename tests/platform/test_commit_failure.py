"""A request's unit of work that cannot be committed is answered as the failure it is, and saves
nothing: never the success page (or redirect) the handler had prepared.

The failure is a real exception raised inside the session's commit (a listener on the app's session
class, as a serialization failure or a lost connection would raise it), for the one commit of the
request that stored a complaint."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from satupintu.complaints.models import Complaint
from satupintu.db import TenantSession
from tests.complaints.test_pages import _count, _submit


def test_a_commit_that_fails_is_an_error_answer_and_saves_nothing(client):
    refused: list[bool] = []

    def note(session, _context) -> None:  # noqa: ANN001
        if any(isinstance(obj, Complaint) for obj in session.new):
            session.info["stores_a_complaint"] = True

    def refuse(session) -> None:  # noqa: ANN001
        if session.info.pop("stores_a_complaint", False):
            refused.append(True)
            raise OperationalError("COMMIT", {}, RuntimeError("could not serialize access due to concurrent update"))

    before = _count(client.database)
    event.listen(TenantSession, "after_flush", note)
    event.listen(TenantSession, "before_commit", refuse)
    try:
        sent = _submit(client)
    finally:
        event.remove(TenantSession, "after_flush", note)
        event.remove(TenantSession, "before_commit", refuse)
    assert refused, "the complaint's commit was not reached"
    assert sent.status_code == 500 and "location" not in sent.headers
    assert "Terjadi kesalahan" in sent.text
    assert _count(client.database) == before
    assert _submit(client).status_code == 303, "the next request commits as usual"
    assert _count(client.database) == before + 1
