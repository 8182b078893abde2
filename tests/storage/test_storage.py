"""Stored files on both backends (a folder and a real S3-compatible server): kept under per-regency
random keys, checked by size and content before anything is kept, and served only through a signed,
expiring link of the regency in the URL."""

from __future__ import annotations

import re
import time

import pytest

from satupintu import i18n
from satupintu.config import ConfigError, Settings
from satupintu.storage import KEY_RE, FolderStorage, S3Storage, keep, open_storage
from satupintu.storage import links
from satupintu.storage.uploads import UploadRefused
from tests.conftest import app_client, in_tenant, run
from tests.storage.conftest import Backend

SECRET = "test-secret-key-that-is-long-enough-0123456789"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64)
MB = 1024 * 1024


def settings(backend: Backend, **env: str) -> Settings:
    return Settings.from_env({"SATUPINTU_SECRET_KEY": SECRET, **backend.env, **env})


def test_the_url_chooses_the_backend(backend: Backend) -> None:
    storage = open_storage(settings(backend))
    assert isinstance(storage, FolderStorage if backend.kind == "folder" else S3Storage)


def test_files_are_kept_under_random_keys_of_their_regency(backend: Backend) -> None:
    storage = open_storage(settings(backend))

    async def scenario() -> None:
        kept = {}
        for data, extension in ((PDF, "pdf"), (PNG, "png"), (JPEG, "jpg")):
            key, kind = await keep(storage, 7, data, 5 * MB)
            assert KEY_RE.match(key) and key.startswith("7/") and key.endswith(f".{extension}")
            assert kind.extension == extension
            kept[key] = data
        again, _ = await keep(storage, 7, PDF, 5 * MB)
        assert again not in kept  # the same file twice: two keys, nothing guessable from the content
        assert sorted([*kept, again]) == backend.stored()
        for key, data in kept.items():
            assert await storage.get(key) == data
        first = next(iter(kept))
        await storage.delete(first)
        await storage.delete(first)  # erasing twice is harmless
        assert await storage.get(first) is None
        assert first not in backend.stored()

    run(scenario())


@pytest.mark.parametrize("key", ["../secret.pdf", "7/../../etc/passwd", "/7/" + "a" * 32 + ".pdf",
                                 "7/" + "a" * 32 + ".html", "0/" + "a" * 32 + ".pdf", "7/short.pdf"])
def test_only_the_applications_own_keys_are_touched(backend: Backend, key: str) -> None:
    storage = open_storage(settings(backend))

    async def scenario() -> None:
        with pytest.raises(ValueError):
            await storage.get(key)
        with pytest.raises(ValueError):
            await storage.delete(key)

    run(scenario())


@pytest.mark.parametrize(("data", "message"), [
    (PDF + bytes(MB), "lebih besar dari 1 mb"),
    (b"", "kosong"),
    (b"<html><script>alert(1)</script></html>", "hanya berkas pdf, jpeg atau png"),
    (b"GIF89a" + bytes(32), "hanya berkas pdf, jpeg atau png"),
    (b"MZ\x90\x00" + bytes(32), "hanya berkas pdf, jpeg atau png"),
    (b" %PDF-1.4 not at the start", "hanya berkas pdf, jpeg atau png"),
])
def test_refused_uploads_say_why_and_keep_nothing(backend: Backend, data: bytes, message: str) -> None:
    configured = settings(backend, SATUPINTU_UPLOAD_MAX_MB="1")
    storage = open_storage(configured)
    token = i18n.current_locale.set("id")
    try:
        with pytest.raises(UploadRefused) as refused:
            run(keep(storage, 7, data, configured.upload_max_bytes))
    finally:
        i18n.current_locale.reset(token)
    assert message in str(refused.value).lower()
    assert backend.stored() == []


def test_a_file_of_exactly_the_limit_is_kept(backend: Backend) -> None:
    configured = settings(backend, SATUPINTU_UPLOAD_MAX_MB="1")
    data = PDF + bytes(configured.upload_max_bytes - len(PDF))
    key, _ = run(keep(open_storage(configured), 7, data, configured.upload_max_bytes))
    assert backend.stored() == [key]


@pytest.mark.parametrize(("env", "complaint"), [
    ({"SATUPINTU_STORAGE_URL": "ftp://files/x"}, "file:///a/folder or s3://bucket/prefix"),
    ({"SATUPINTU_STORAGE_URL": "file://relative/uploads"}, "absolute folder"),
    ({"SATUPINTU_STORAGE_URL": "s3:///prefix"}, "must name a bucket"),
    ({"SATUPINTU_S3_ENDPOINT_URL": "minio:9000"}, "http(s)://"),
    ({"SATUPINTU_S3_ACCESS_KEY_ID": "only-the-id"}, "go together"),
    ({"SATUPINTU_UPLOAD_MAX_MB": "five"}, "whole number"),
    ({"SATUPINTU_UPLOAD_MAX_MB": "0"}, "between 1 and 50"),
])
def test_storage_settings_are_checked(env: dict[str, str], complaint: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(complaint)):
        Settings.from_env({"SATUPINTU_SECRET_KEY": SECRET, **env})


def test_default_storage_is_a_folder_under_var() -> None:
    configured = Settings.from_env({"SATUPINTU_SECRET_KEY": SECRET})
    assert configured.storage_url.startswith("file:///") and configured.storage_url.endswith("/var/uploads")
    assert configured.upload_max_bytes == 5 * MB


# -- serving through signed links, over HTTP ---------------------------------------------------------------


def _tenant_id(url: str, slug: str) -> int:
    async def read() -> int:
        async with in_tenant(url, slug) as session:
            return session.info["tenant_id"]

    return run(read())


def test_files_are_served_only_through_a_valid_link_of_their_regency(database, backend: Backend) -> None:
    for client in app_client(database, **backend.env):
        storage = client.litestar_app.state.storage
        banyuwangi = _tenant_id(database.url, "banyuwangi")
        key, _ = run(keep(storage, banyuwangi, PDF, 5 * MB))
        path = links.file_path(SECRET, "banyuwangi", banyuwangi, key, label="Akta Kelahiran (anak)")
        assert "banyuwangi/berkas/" in path and str(banyuwangi) + "/" not in path.split("?")[0]

        served = client.get(path)
        assert served.status_code == 200
        assert served.content == PDF
        assert served.headers["content-type"] == "application/pdf"
        assert served.headers["content-disposition"] == 'attachment; filename="akta-kelahiran-anak.pdf"'
        assert served.headers["cache-control"] == "no-store"
        assert served.headers["x-content-type-options"] == "nosniff"

        # another regency's address: the same file part names another regency's key
        other = client.get(path.replace("/banyuwangi/", "/purbalingga/"), headers={"Accept-Language": "id"})
        assert other.status_code == 403
        assert "Tautan ini tidak berlaku" in other.text and PDF not in other.content
        # a link that Purbalingga made for its own key of the same name is no key of Banyuwangi's either
        purbalingga = _tenant_id(database.url, "purbalingga")
        forged = links.file_path(SECRET, "purbalingga", purbalingga, f"{purbalingga}/{key.split('/')[1]}")
        assert client.get(forged.replace("/purbalingga/", "/banyuwangi/")).status_code == 403
        # altered: the signature, the expiry, the download name, the file
        expires = re.search(r"berlaku=(\d+)", path).group(1)
        for altered in (path[:-2] + ("AA" if not path.endswith("AA") else "BB"),
                        path.replace(f"berlaku={expires}", f"berlaku={int(expires) + 3600}"),
                        path.replace("nama=akta-kelahiran-anak", "nama=akta"),
                        path.replace(".pdf?", ".png?"),
                        path.split("&tanda=")[0],
                        path.split("?")[0]):
            refused = client.get(altered, headers={"Accept-Language": "en"})
            assert refused.status_code == 403, altered
            assert "This link is not valid" in refused.text
        # expired: a link made 16 minutes ago
        old = links.file_path(SECRET, "banyuwangi", banyuwangi, key, now=time.time() - 16 * 60)
        expired = client.get(old, headers={"Accept-Language": "id"})
        assert expired.status_code == 410
        assert "Tautan ini sudah kedaluwarsa" in expired.text
        assert expired.headers["cache-control"] == "no-store"
        # a link signed with another deployment's key
        assert client.get(links.file_path("x" * 40, "banyuwangi", banyuwangi, key)).status_code == 403
        # erased: the link is still signed, but nothing is kept any more
        run(storage.delete(key))
        gone = client.get(path, headers={"Accept-Language": "en"})
        assert gone.status_code == 404 and "Document not found" in gone.text


def test_a_link_is_made_only_for_the_regencys_own_key() -> None:
    with pytest.raises(ValueError):
        links.file_path(SECRET, "banyuwangi", 1, "2/" + "a" * 32 + ".pdf")
    with pytest.raises(ValueError):
        links.file_path(SECRET, "banyuwangi", 1, "1/../x.pdf")
