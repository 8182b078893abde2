"""What a regency's slug may look like, and the first path segments the platform keeps for itself.

Packs, onboarding and request routing all check slugs against these, so this module imports
nothing of the application.
"""

from __future__ import annotations

import re

SLUG_PATTERN = r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$"
SLUG_RE = re.compile(SLUG_PATTERN)
RESERVED_SLUGS = frozenset({
    "admin", "api", "bahasa", "healthz", "readyz", "static", "kementerian", "onboarding", "masuk",
    "keluar", "login", "logout", "daftar", "undangan", "auth", "schema", "platform", "replikasi", "inovasi", "favicon.ico", "robots.txt",
})
