"""What an upload must be before anything is stored: not empty, within the size limit
(``SATUPINTU_UPLOAD_MAX_MB``, 5 MB by default), and a PDF, JPEG or PNG by its content (its first
bytes), whatever its name says. A refusal says why in the reader's language; nothing is kept."""

from __future__ import annotations

from dataclasses import dataclass

from satupintu.config import MAX_UPLOAD_MB
from satupintu.i18n import gettext as _

UPLOAD_BODY_LIMIT = (MAX_UPLOAD_MB + 1) * 1024 * 1024
"""A route's request body limit for uploads: room above the largest file a deployment may allow, so
a file somewhat too large gets our explanation (from the configured limit), not a bare 413."""


@dataclass(frozen=True)
class FileType:
    name: str
    media_type: str
    extension: str
    magic: bytes


PDF = FileType("PDF", "application/pdf", "pdf", b"%PDF-")
JPEG = FileType("JPEG", "image/jpeg", "jpg", b"\xff\xd8\xff")
PNG = FileType("PNG", "image/png", "png", b"\x89PNG\r\n\x1a\n")
TYPES = (PDF, JPEG, PNG)
PHOTOS = (JPEG, PNG)
"""What a photo may be (a complaint's): a PDF is a document, not a photo."""
BY_EXTENSION = {kind.extension: kind for kind in TYPES}
ACCEPT = ",".join(["application/pdf", "image/jpeg", "image/png", ".pdf", ".jpg", ".jpeg", ".png"])
"""For the file input's ``accept``: a hint to the phone's picker only; the content decides."""
ACCEPT_PHOTOS = ",".join(["image/jpeg", "image/png", ".jpg", ".jpeg", ".png"])


class UploadRefused(ValueError):
    """The file was not kept; the message says why, in the reader's language."""


def megabytes(limit: int) -> str:
    return f"{limit / (1024 * 1024):g} MB"


def sniff(data: bytes) -> FileType | None:
    return next((kind for kind in TYPES if data.startswith(kind.magic)), None)


def check(data: bytes, limit: int, kinds: tuple[FileType, ...] = TYPES) -> FileType:
    """The file's type (one of ``kinds``), or UploadRefused. ``data`` may hold one byte more than
    ``limit``: that is how a caller reading at most ``limit + 1`` bytes learns that a file is too large."""
    if not data:
        raise UploadRefused(_("The file is empty. Choose the document again."))
    if len(data) > limit:
        raise UploadRefused(_("The file is larger than %(limit)s. Send a smaller scan or photo "
                              "(for example at a lower resolution).") % {"limit": megabytes(limit)})
    kind = sniff(data)
    if kinds == PHOTOS and kind not in PHOTOS:
        raise UploadRefused(_("Only JPEG or PNG photos are accepted, and this file is neither (its content "
                              "was checked, not its name)."))
    if kind is None or kind not in kinds:
        raise UploadRefused(_("Only PDF, JPEG or PNG files are accepted, and this file is none of them "
                              "(its content was checked, not its name)."))
    return kind
