"""Both storage backends for every storage test: a folder, and a real S3-compatible server (moto's
server mode on a free port, spoken to over HTTP by boto3 exactly as in production)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

S3_KEYS = {"SATUPINTU_S3_ACCESS_KEY_ID": "test-access-key", "SATUPINTU_S3_SECRET_ACCESS_KEY": "test-secret-key",
           "SATUPINTU_S3_REGION": "us-east-1"}


@dataclass
class Backend:
    kind: str
    env: dict[str, str]
    root: Path | None = None
    bucket: str | None = None
    client: object | None = None

    def stored(self) -> list[str]:
        """Every file the backend holds, as the storage keys (prefix removed)."""
        if self.root is not None:
            return sorted(p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file())
        listing = self.client.list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"].removeprefix("satupintu/dokumen/") for item in listing.get("Contents", []))


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(params=["folder", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "folder":
        root = tmp_path / "uploads"
        return Backend("folder", {"SATUPINTU_STORAGE_URL": root.as_uri()}, root=root)
    import boto3

    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = f"satupintu-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="test-access-key", aws_secret_access_key="test-secret-key")
    client.create_bucket(Bucket=bucket)
    env = {"SATUPINTU_STORAGE_URL": f"s3://{bucket}/satupintu/dokumen", "SATUPINTU_S3_ENDPOINT_URL": endpoint,
           **S3_KEYS}
    return Backend("s3", env, bucket=bucket, client=client)
