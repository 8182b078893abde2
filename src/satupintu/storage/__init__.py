"""Where uploaded documents are kept: one interface, two backends chosen by ``SATUPINTU_STORAGE_URL``.

``file:///srv/satupintu/uploads`` (the default: ``var/uploads``) keeps each file in a folder, for one
machine or a volume every pod shares; ``s3://bucket/prefix`` keeps it in S3-compatible object storage
(AWS S3, MinIO, Ceph, a cloud's S3 API), reached at ``SATUPINTU_S3_ENDPOINT_URL`` with
``SATUPINTU_S3_*`` credentials. boto3 is synchronous, so its calls run in a worker thread.

A key is ``<tenant id>/<random>.<type>``: the regency's id first, then 32 random characters and the
extension of the type the content was checked to be (:mod:`satupintu.storage.uploads`). Nothing
personal is ever in a key (no name, NIK, or the file's own name), so keys may appear in links and
logs. Files are only served through a signed, expiring link (:mod:`satupintu.storage.links`).

A file the database stops pointing at (a replaced document) is deleted only once that change has
committed (:func:`discard_after_commit`): a transaction that fails keeps the file its rows still name.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.util import await_only

from satupintu.config import Settings
from satupintu.db import TenantSession
from satupintu.logs import get_logger
from satupintu.storage.uploads import TYPES, FileType

log = get_logger("satupintu.storage")

KEY_RE = re.compile(r"^([1-9][0-9]{0,9})/([A-Za-z0-9_-]{32})\.(pdf|jpg|png)$")
"""Every key the application makes, and the only keys any backend reads, writes or deletes."""


def new_key(tenant_id: int, kind: FileType) -> str:
    """A fresh key for one regency's file: unguessable, and nothing in it about the person."""
    return f"{tenant_id}/{secrets.token_urlsafe(24)}.{kind.extension}"


def key_tenant(key: str) -> int:
    """The regency a key belongs to (ValueError for anything that is not one of our keys)."""
    match = KEY_RE.match(key)
    if match is None:
        raise ValueError("not a storage key")
    return int(match.group(1))


class Storage(Protocol):
    """What the application needs from a place that keeps files."""

    async def put(self, key: str, data: bytes, kind: FileType) -> None:
        """Keep ``data`` under ``key`` (a key is never reused)."""

    async def get(self, key: str) -> bytes | None:
        """The file's bytes, or None when there is none under ``key``."""

    async def delete(self, key: str) -> None:
        """Remove the file; nothing happens when it is already gone (erasure may run twice)."""


class FolderStorage:
    """Files in a folder: ``<root>/<tenant id>/<random>.<type>``, readable by this user only.
    Each file is written beside its final name and renamed into place, so a reader never sees half
    of one."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        key_tenant(key)  # refuses anything but our keys: no "..", no absolute path
        return self.root / key

    async def put(self, key: str, data: bytes, kind: FileType) -> None:
        await asyncio.to_thread(self._put, self._path(key), data)

    @staticmethod
    def _put(path: Path, data: bytes) -> None:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise

    async def get(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            return None

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)


class S3Storage:
    """Objects in an S3-compatible bucket under a prefix, each with its checked Content-Type.
    One boto3 client per process (its clients are thread-safe), used from worker threads."""

    def __init__(self, bucket: str, prefix: str, client: object) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self.client = client

    def _name(self, key: str) -> str:
        key_tenant(key)
        return f"{self.prefix}{key}"

    async def put(self, key: str, data: bytes, kind: FileType) -> None:
        await asyncio.to_thread(self.client.put_object, Bucket=self.bucket, Key=self._name(key), Body=data,
                                ContentType=kind.media_type)

    async def get(self, key: str) -> bytes | None:
        return await asyncio.to_thread(self._get, self._name(key))

    def _get(self, name: str) -> bytes | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=name)
        except self.client.exceptions.NoSuchKey:
            return None
        with answer["Body"] as body:
            return body.read()

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=self._name(key))


def s3_client(settings: Settings) -> object:
    import boto3
    from botocore.config import Config

    s3 = settings.s3
    config = Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 3, "mode": "standard"},
                    s3={"addressing_style": "path" if s3.endpoint_url else "auto"})
    return boto3.session.Session().client(
        "s3", endpoint_url=s3.endpoint_url, region_name=s3.region, aws_access_key_id=s3.access_key_id,
        aws_secret_access_key=s3.secret_access_key, config=config)


def open_storage(settings: Settings) -> Storage:
    """The backend ``SATUPINTU_STORAGE_URL`` names (checked by Settings.from_env)."""
    parts = urlsplit(settings.storage_url)
    if parts.scheme == "s3":
        prefix = parts.path.strip("/")
        return S3Storage(parts.netloc, f"{prefix}/" if prefix else "", s3_client(settings))
    return FolderStorage(Path(unquote(parts.path)))


async def keep(storage: Storage, tenant_id: int, data: bytes, limit: int,
               kinds: tuple[FileType, ...] = TYPES) -> tuple[str, FileType]:
    """Check an upload (size, type by content, one of ``kinds``) and store it under a fresh key of the
    regency; a refusal (``uploads.UploadRefused``) stores nothing."""
    from satupintu.storage.uploads import check

    kind = check(data, limit, kinds)
    key = new_key(tenant_id, kind)
    await storage.put(key, data, kind)
    return key, kind


DISCARD = "storage_discard"
"""``session.info`` key: the (storage, key) pairs to delete once the session's transaction commits."""


def discard_after_commit(session: AsyncSession, storage: Storage, key: str) -> None:
    """Delete ``key`` once this session's transaction has committed, never before: if the commit
    fails, the rows that still name the file find it. A deletion that fails then is logged and leaves
    an orphaned file (no row names it), never a row without its file."""
    session.info.setdefault(DISCARD, []).append((storage, key))


@event.listens_for(TenantSession, "after_commit")
def _delete_discarded(session: Session) -> None:
    for storage, key in session.info.pop(DISCARD, None) or ():
        try:
            await_only(storage.delete(key))  # the async session's commit runs this in its greenlet
        except Exception as exc:  # noqa: BLE001 - what committed stays committed; the file is only orphaned
            log.warning("replaced file not deleted; it stays orphaned", key=key, error=type(exc).__name__)


@event.listens_for(TenantSession, "after_rollback")
def _keep_discarded(session: Session) -> None:
    session.info.pop(DISCARD, None)
