"""A photo with a complaint, over HTTP on folder storage: a JPEG or PNG is kept under a key of the
regency (never a public address), staff see it through a signed, expiring link that another regency's
address refuses, the public status page and Open311 only say nothing or that one is attached, a file
too large or of another kind is refused with nothing created or stored, and the sweep erases the photo
once the complaint is closed."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import func, select

from satupintu.complaints.models import Complaint
from satupintu.storage import FolderStorage
from tests.complaints.conftest import in_tenant, sweep
from tests.conftest import app_client, csrf_of, run, sign_in
from tests.storage.test_storage import JPEG, MB, PDF, PNG


def _complaints(url: str) -> list[Complaint]:
    async def work(session, _tenant):
        return list((await session.scalars(select(Complaint).order_by(Complaint.id))).all())
    return run(in_tenant(url, "banyuwangi", work))


def _stored(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _complain(client, photo: tuple[str, bytes, str] | None, path: str = "/banyuwangi/pengaduan", **fields):
    data = {"_csrf_token": csrf_of(client), "category": "sarana",
            "description": "Toilet difabel terkunci sejak pagi, lihat foto.", **fields}
    return client.post(path, data=data, files={"photo": photo} if photo else None, follow_redirects=False,
                       headers={"Accept-Language": "id"})


def test_a_photo_is_kept_shown_to_staff_only_and_erased_when_closed(database, tmp_path, people):
    root = tmp_path / "uploads"
    for client in app_client(database, SATUPINTU_STORAGE_URL=root.as_uri()):
        assert 'enctype="multipart/form-data"' in client.get("/banyuwangi/pengaduan").text
        sent = _complain(client, ("toilet.jpeg", JPEG, "image/jpeg"))
        assert sent.status_code == 303, sent.text
        tracking = sent.headers["location"].split("/")[-1].split("?")[0]
        [complaint] = [c for c in _complaints(database.url) if c.tracking == tracking]
        tenant_id = complaint.tenant_id
        assert re.fullmatch(rf"{tenant_id}/[A-Za-z0-9_-]{{32}}\.jpg", complaint.photo_key)
        assert complaint.media_url is None and _stored(root) == [complaint.photo_key]

        public = client.get(f"/banyuwangi/pengaduan/{tracking}", headers={"Accept-Language": "id"})
        assert "Foto terlampir" in public.text and "/berkas/" not in public.text
        open311 = client.get(f"/banyuwangi/open311/v2/requests/{tracking}.json").text
        assert "berkas" not in open311 and complaint.photo_key.split("/")[1] not in open311

        assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
        page = client.get(f"/banyuwangi/admin/pengaduan/{tracking}")
        link = re.search(r'href="(/banyuwangi/berkas/[^"]+)"', page.text).group(1).replace("&amp;", "&")
        served = client.get(link)
        assert served.status_code == 200 and served.content == JPEG
        assert served.headers["content-type"] == "image/jpeg" and served.headers["cache-control"] == "no-store"
        assert client.get(link.replace("/banyuwangi/", "/bangkalan/", 1)).status_code == 403

        # an officer records a complaint from the box with a PNG
        recorded = _complain(client, ("kotak.png", PNG, "image/png"), "/banyuwangi/admin/pengaduan/baru",
                             channel="box")
        assert recorded.status_code == 303, recorded.text
        assert _complaints(database.url)[-1].photo_key.endswith(".png")

        closed = client.post(f"/banyuwangi/admin/pengaduan/{tracking}/tutup", data={"_csrf_token": csrf_of(client)},
                             follow_redirects=False)
        assert closed.status_code == 303
        assert "/berkas/" not in client.get(f"/banyuwangi/admin/pengaduan/{tracking}").text
        assert complaint.photo_key in _stored(root)  # deleted after the closing committed, by the sweep
        assert run(sweep(database.url, storage=FolderStorage(root))).photos_erased == 1
        assert run(sweep(database.url, storage=FolderStorage(root))).photos_erased == 0
        assert complaint.photo_key not in _stored(root) and len(_stored(root)) == 1  # the open one stays
        assert [c.photo_key for c in _complaints(database.url) if c.tracking == tracking] == [None]
        assert client.get(link).status_code == 404


def test_a_photo_too_large_or_not_a_photo_is_refused_and_nothing_is_created(database, tmp_path):
    root = tmp_path / "uploads"
    for client in app_client(database, SATUPINTU_STORAGE_URL=root.as_uri(), SATUPINTU_UPLOAD_MAX_MB="1"):
        before = len(_complaints(database.url))
        too_large = _complain(client, ("besar.jpg", JPEG + bytes(MB), "image/jpeg"))
        assert too_large.status_code == 422 and "Berkas lebih besar dari 1 MB" in too_large.text
        assert 'aria-invalid="true"' in too_large.text and "Toilet difabel" in too_large.text  # the form is kept
        for name, data in (("surat.pdf", PDF), ("foto.jpg", b"<html><script>alert(1)</script></html>")):
            refused = _complain(client, (name, data, "image/jpeg"))
            assert refused.status_code == 422 and "Hanya foto JPEG atau PNG" in refused.text, refused.text
        assert len(_complaints(database.url)) == before
        assert not root.exists() or _stored(root) == []

        # without a photo, and posted as a plain form, a complaint is still taken
        assert _complain(client, None).status_code == 303

        async def photos(session, _tenant):
            return await session.scalar(select(func.count()).select_from(Complaint).where(
                Complaint.photo_key.is_not(None)))
        assert run(in_tenant(database.url, "banyuwangi", photos)) == 0
