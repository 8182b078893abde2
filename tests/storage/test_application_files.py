"""Documents of an application's checklist over HTTP, on both storage backends: staff upload and view
them through signed links; a citizen proves the application is theirs (tracking number + NIK or the
last four digits of the mobile number, in the form body), sees and downloads everything held about
it and uploads documents; too large and wrong files are refused with nothing stored."""

from __future__ import annotations

import json
import re

from sqlalchemy import event, select

from satupintu.applications import service as applications
from satupintu.applications.models import Application, ApplicationDocument, DocumentStatus
from satupintu.audit.models import AuditEntry
from satupintu.catalogue.models import TenantService
from satupintu.db import TenantSession
from satupintu.tenants.models import Tenant
from tests.conftest import app_client, csrf_of, in_tenant, run, sign_in
from tests.storage.conftest import Backend
from tests.storage.test_storage import JPEG, MB, PDF, PNG
SECRET = "test-secret-key-that-is-long-enough-0123456789"
NIK = "3510011708850001"  # a man born 17-08-1985 in Banyuwangi
PHONE = "0812-3456-7809"


def new_application(url: str, *, name: str = "Budi Santoso") -> str:
    """A fresh application in Banyuwangi for a service with at least two requirements; its number."""

    async def work() -> str:
        async with in_tenant(url, "banyuwangi") as session:
            tenant = await session.get(Tenant, session.info["tenant_id"])
            service = await session.scalar(select(TenantService).where(TenantService.enabled.is_(True))
                                           .order_by(TenantService.id))
            service.requirements, service.requirements_en = ["KTP-el", "Kartu Keluarga"], ["ID card", "Family card"]
            made = await applications.submit(session, tenant, service.code, NIK, name, phone=PHONE,
                                             secret_key=SECRET)
            return made.tracking_number

    return run(work())



def documents_of(url: str, number: str) -> list[ApplicationDocument]:
    async def work() -> list[ApplicationDocument]:
        async with in_tenant(url, "banyuwangi") as session:
            application = await session.scalar(select(Application).where(Application.tracking_number == number))
            return list((await session.scalars(select(ApplicationDocument).where(
                ApplicationDocument.application_id == application.id).order_by(ApplicationDocument.position))).all())

    return run(work())


def upload(client, path: str, data: bytes, name: str = "scan.pdf", media_type: str = "application/pdf", **headers):
    return client.post(path, files={"file": (name, data, media_type)}, data={"_csrf_token": csrf_of(client)},
                       headers=headers, follow_redirects=False)


def test_staff_upload_view_and_replace_documents(database, backend: Backend, people) -> None:
    number = new_application(database.url)
    for client in app_client(database, **backend.env):
        assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
        page = client.get(f"/banyuwangi/permohonan/{number}/dokumen")
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        assert "KTP-el" in page.text and "Kartu Keluarga" in page.text

        done = upload(client, f"/banyuwangi/permohonan/{number}/dokumen/0", PDF)
        assert done.status_code == 303, done.text
        [first, second] = documents_of(database.url, number)
        assert first.status == DocumentStatus.UPLOADED and first.upload_key.endswith(".pdf")
        assert second.upload_key is None
        assert backend.stored() == [first.upload_key]

        page = client.get(f"/banyuwangi/permohonan/{number}/dokumen", headers={"Accept-Language": "id"})
        link = re.search(r'href="(/banyuwangi/berkas/[^"]+)"', page.text).group(1).replace("&amp;", "&")
        assert first.upload_key.split("/")[1] in link and "nama=ktp-el" in link
        served = client.get(link)
        assert served.status_code == 200 and served.content == PDF
        assert served.headers["content-type"] == "application/pdf"
        assert served.headers["content-disposition"] == 'attachment; filename="ktp-el.pdf"'

        # a photo sent as "dokumen.pdf" is kept as what its content is
        assert upload(client, f"/banyuwangi/permohonan/{number}/dokumen/1", JPEG, "dokumen.pdf").status_code == 303
        # replacing a file deletes the old one
        assert upload(client, f"/banyuwangi/permohonan/{number}/dokumen/0", PNG, "ktp.png", "image/png").status_code == 303
        [first_again, second] = documents_of(database.url, number)
        assert first_again.upload_key.endswith(".png") and second.upload_key.endswith(".jpg")
        assert backend.stored() == sorted([first_again.upload_key, second.upload_key])

        async def audited() -> list[AuditEntry]:
            async with in_tenant(database.url, "banyuwangi") as session:
                return list((await session.scalars(select(AuditEntry).where(
                    AuditEntry.entity == "application_document"))).all())

        entries = run(audited())
        assert len(entries) == 3 and {e.entity_key for e in entries} == {f"{number} #1", f"{number} #2"}
        assert all(NIK not in json.dumps([e.before, e.after]) for e in entries)


def test_a_replaced_file_is_deleted_only_after_the_commit(database, backend: Backend, people) -> None:
    """A replacement whose commit fails keeps the file the database still names, and serves it."""
    number = new_application(database.url)
    path = f"/banyuwangi/permohonan/{number}/dokumen/0"

    def note_the_replacement(session, _context) -> None:
        if any(isinstance(row, ApplicationDocument) for row in session.dirty):
            session.info["replaced"] = True

    def fail_the_replacement(session) -> None:
        if session.info.pop("replaced", False):
            raise RuntimeError("the database went away")

    for client in app_client(database, **backend.env):
        assert sign_in(client, people["operator_a"], "banyuwangi").status_code == 303
        assert upload(client, path, PDF).status_code == 303
        [first, _] = documents_of(database.url, number)
        event.listen(TenantSession, "after_flush", note_the_replacement)
        event.listen(TenantSession, "before_commit", fail_the_replacement)
        try:
            assert upload(client, path, PNG, "ktp.png", "image/png").status_code == 500, "never a success"
        finally:
            event.remove(TenantSession, "before_commit", fail_the_replacement)
            event.remove(TenantSession, "after_flush", note_the_replacement)
        [kept, _] = documents_of(database.url, number)
        assert kept.upload_key == first.upload_key and first.upload_key in backend.stored()
        page = client.get(f"/banyuwangi/permohonan/{number}/dokumen")
        link = re.search(r'href="(/banyuwangi/berkas/[^"]+)"', page.text).group(1).replace("&amp;", "&")
        assert client.get(link).content == PDF

        assert upload(client, path, PNG, "ktp.png", "image/png").status_code == 303
        [replaced, _] = documents_of(database.url, number)
        assert replaced.upload_key.endswith(".png") and replaced.upload_key in backend.stored()
        assert first.upload_key not in backend.stored()


def test_refused_files_change_nothing_and_say_why(database, backend: Backend, people) -> None:
    number = new_application(database.url)
    for client in app_client(database, SATUPINTU_UPLOAD_MAX_MB="1", **backend.env):
        assert sign_in(client, people["operator_a"], "banyuwangi").status_code == 303
        path = f"/banyuwangi/permohonan/{number}/dokumen/0"
        too_large = upload(client, path, PDF + bytes(MB), **{"Accept-Language": "id"})
        assert too_large.status_code == 422
        assert "Berkas lebih besar dari 1 MB" in too_large.text and 'aria-invalid="true"' in too_large.text
        wrong = upload(client, path, b"<html><script>alert(1)</script></html>", "surat.pdf", "application/pdf",
                       **{"Accept-Language": "en"})
        assert wrong.status_code == 422
        assert "Only PDF, JPEG or PNG files are accepted" in wrong.text
        empty = client.post(path, data={"_csrf_token": csrf_of(client)}, files={"other": ("x.txt", b"x", "text/plain")},
                            follow_redirects=False)
        assert empty.status_code == 422
        assert client.post(f"/banyuwangi/permohonan/{number}/dokumen/9", files={"file": ("a.pdf", PDF, "application/pdf")},
                           data={"_csrf_token": csrf_of(client)}).status_code == 404
        assert backend.stored() == []
        assert all(d.upload_key is None and d.status == DocumentStatus.TO_BRING for d in documents_of(database.url, number))


def test_another_regencys_staff_cannot_reach_the_documents(database, backend: Backend, people) -> None:
    number = new_application(database.url)
    for client in app_client(database, **backend.env):
        assert sign_in(client, people["admin_b"], "bangkalan").status_code == 303
        assert client.get(f"/banyuwangi/permohonan/{number}/dokumen").status_code in (403, 404)
        assert client.get(f"/bangkalan/permohonan/{number}/dokumen").status_code == 404
        assert upload(client, f"/bangkalan/permohonan/{number}/dokumen/0", PDF).status_code == 404
        assert backend.stored() == []


def test_a_citizen_proves_the_application_sees_downloads_and_uploads(database, backend: Backend, people) -> None:
    number = new_application(database.url)
    for client in app_client(database, **backend.env):
        data_path = f"/banyuwangi/lacak/{number}/data"
        assert f'href="{data_path}"' in client.get(f"/banyuwangi/lacak/{number}").text  # the status page leads there
        asked = client.get(data_path, headers={"Accept-Language": "id"})
        assert asked.status_code == 200 and asked.headers["cache-control"] == "no-store"
        assert "Budi" not in asked.text and NIK not in asked.text and 'name="proof"' in asked.text
        # without the proof: nothing to download or upload
        assert client.get(f"/banyuwangi/lacak/{number}/unduh", follow_redirects=False).status_code == 303
        assert upload(client, f"/banyuwangi/lacak/{number}/dokumen/0", PDF).status_code == 303
        assert backend.stored() == []

        token = csrf_of(client)
        for wrong in ("7810", "3510011708850002", "Budi", ""):
            refused = client.post(data_path, data={"_csrf_token": token, "proof": wrong}, follow_redirects=False,
                                  headers={"Accept-Language": "id"})
            assert refused.status_code == 422 and "Budi" not in refused.text
        assert "NIK" in refused.text
        proven = client.post(data_path, data={"_csrf_token": token, "proof": "7809"}, follow_redirects=False)
        assert proven.status_code == 303 and proven.headers["location"] == data_path
        assert NIK not in proven.headers["location"]

        held = client.get(data_path, headers={"Accept-Language": "id"})
        assert held.status_code == 200 and held.headers["cache-control"] == "no-store"
        assert NIK in held.text and "Budi Santoso" in held.text and "+6281234567809" in held.text
        assert "365" in held.text  # the retention period it will be kept for

        assert upload(client, f"/banyuwangi/lacak/{number}/dokumen/1", JPEG, "kk.jpg", "image/jpeg").status_code == 303
        too_large = upload(client, f"/banyuwangi/lacak/{number}/dokumen/0", PDF + bytes(5 * MB),
                           **{"Accept-Language": "en"})
        assert too_large.status_code == 422 and "larger than 5 MB" in too_large.text
        [first, second] = documents_of(database.url, number)
        assert first.upload_key is None and second.status == DocumentStatus.UPLOADED
        assert backend.stored() == [second.upload_key]

        download = client.get(f"/banyuwangi/lacak/{number}/unduh")
        assert download.status_code == 200 and download.headers["cache-control"] == "no-store"
        assert download.headers["content-disposition"] == f'attachment; filename="permohonan-{number}.json"'
        held_data = download.json()
        assert held_data["applicant"]["nik"] == NIK and held_data["applicant"]["name"] == "Budi Santoso"
        assert held_data["timeline"][0]["status"] == "submitted"
        assert held_data["documents"][0]["file"] is None
        file_link = held_data["documents"][1]["file"]
        assert file_link.startswith("http://testserver.local/banyuwangi/berkas/")
        assert client.get(file_link.removeprefix("http://testserver.local")).content == JPEG

    # the proof proves one application in one browser: another visitor is asked again
    for other in app_client(database, **backend.env):
        assert 'name="proof"' in other.get(f"/banyuwangi/lacak/{number}/data").text
        assert other.get(f"/bangkalan/lacak/{number}/data").status_code == 404

        # the upload and the download are in the regency's audit log, the citizen named by the tracking number only
        async def citizens() -> list[AuditEntry]:
            async with in_tenant(database.url, "banyuwangi") as session:
                return list((await session.scalars(select(AuditEntry).where(AuditEntry.actor_role == "citizen")
                                                   .order_by(AuditEntry.id))).all())

        entries = run(citizens())
        assert [(e.action, e.entity, e.entity_key) for e in entries] == [
            ("update", "application_document", f"{number} #2"), ("download", "application", number)]
        assert {e.actor for e in entries} == {f"citizen:{number}"}
        assert not any(secret in json.dumps([e.actor, e.before, e.after]) for e in entries for secret in (NIK, "Budi"))
        assert sign_in(other, people["admin_a"], "banyuwangi").status_code == 303
        log = other.get("/banyuwangi/admin/audit", params={"aktor": number.lower()}, headers={"Accept-Language": "id"})
        assert log.status_code == 200
        assert f"Warga (permohonan {number})" in log.text and f"Permohonan diunduh: {number}" in log.text
        assert NIK not in log.text and "Budi" not in log.text


def test_the_nik_also_proves_it_and_staff_verified_documents_stay(database, backend: Backend, capsys) -> None:
    number = new_application(database.url)
    for client in app_client(database, **backend.env):
        token = csrf_of(client)
        assert client.post(f"/banyuwangi/lacak/{number}/data", data={"_csrf_token": token, "proof": "3510 0117 0885 0001"},
                           follow_redirects=False).status_code == 303
        assert NIK in client.get(f"/banyuwangi/lacak/{number}/data").text

        async def verify() -> None:
            async with in_tenant(database.url, "banyuwangi") as session:
                document = (await session.scalars(select(ApplicationDocument).order_by(ApplicationDocument.id.desc()))).first()
                document.status = DocumentStatus.VERIFIED

        run(verify())
        refused = upload(client, f"/banyuwangi/lacak/{number}/dokumen/1", PDF, **{"Accept-Language": "en"})
        assert refused.status_code == 422 and "already verified" in refused.text
        assert backend.stored() == []
        assert client.get(f"/banyuwangi/lacak/{number}/unduh").json()["applicant"]["nik"] == NIK
    logged = capsys.readouterr()
    assert "request" in logged.out + logged.err  # the request log was captured ...
    assert NIK not in logged.out + logged.err and "3510 0117" not in logged.out + logged.err  # ... without the NIK
