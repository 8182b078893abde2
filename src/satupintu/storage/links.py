"""Signed, expiring links to stored files: the only way a file leaves storage.

A link is ``/{slug}/berkas/<random>.<type>?berlaku=<unix time>&nama=<download name>&tanda=<signature>``.
The signature is an HMAC-SHA256, with a key derived from ``SATUPINTU_SECRET_KEY`` for this purpose
alone, over the regency's id, the whole key, the expiry and the download name. The regency is not
in the link's file part: the serving route puts the id of the regency in the URL in front of it,
so a link made for one regency opened under another one's address names another key, and its
signature does not match. Whoever holds a valid link may fetch the file until it expires (15
minutes by default): links are made for a signed-in officer or a citizen who proved who they are,
on a page that is itself never cached.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from satupintu.storage import KEY_RE
from satupintu.storage.uploads import BY_EXTENSION, FileType

LINK_SECONDS = 15 * 60
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")


class LinkRefused(Exception):
    """The link cannot be served: ``status`` 403 (not signed for this file and regency), 410 (expired)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


@dataclass(frozen=True)
class Checked:
    key: str
    kind: FileType
    filename: str


def _mac(secret_key: str, tenant_id: int, key: str, expires: int, name: str) -> str:
    derived = hashlib.sha256(b"satupintu-file-link:" + secret_key.encode()).digest()
    message = f"{tenant_id}\n{key}\n{expires}\n{name}".encode()
    digest = hmac.new(derived, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def download_name(label: str) -> str:
    """A file name safe in any header and on any disk: lower-case ASCII letters, digits and dashes."""
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:60].strip("-")
    return slug or "dokumen"


def file_path(secret_key: str, slug: str, tenant_id: int, key: str, *, label: str = "dokumen",
              now: float | None = None, seconds: int = LINK_SECONDS) -> str:
    """The path of a signed link to ``key`` (a key of ``tenant_id``), valid for ``seconds``."""
    match = KEY_RE.match(key)
    if match is None or int(match.group(1)) != tenant_id:
        raise ValueError("a link is made only for one of the regency's own keys")
    expires = int(now if now is not None else time.time()) + seconds
    name = download_name(label)
    query = urlencode({"berlaku": expires, "nama": name, "tanda": _mac(secret_key, tenant_id, key, expires, name)})
    return f"/{slug}/berkas/{key.split('/', 1)[1]}?{query}"


def check(secret_key: str, tenant_id: int, file: str, *, expires: str, name: str, signature: str,
          now: float | None = None) -> Checked:
    """The key, type and download name a link names, or LinkRefused. The signature is checked before
    the expiry, so an altered expiry is refused as altered."""
    key = f"{tenant_id}/{file}"
    match = KEY_RE.match(key)
    if match is None or not expires.isdigit() or len(expires) > 12 or not NAME_RE.match(name):
        raise LinkRefused(403)
    if not hmac.compare_digest(_mac(secret_key, tenant_id, key, int(expires), name).encode(), signature.encode()):
        raise LinkRefused(403)
    if int(expires) < (now if now is not None else time.time()):
        raise LinkRefused(410)
    kind = BY_EXTENSION[match.group(3)]
    return Checked(key=key, kind=kind, filename=f"{name}.{kind.extension}")
