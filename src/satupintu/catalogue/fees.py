"""Whether a service's fee and its note tell the same story.

A citizen reads the cost ("Gratis" when it is 0) and the note beside it. A note that names an
amount beside a cost of 0 ("Gratis", then "PNBP Rp350.000") or that says "free" beside a fee is a
lie one of them tells, and it also skews the ministry's share of free services. The shared
catalogue check, pack loading and the console's service form all ask this one function.
"""

from __future__ import annotations

import re

from satupintu.i18n import N_

_AMOUNT = re.compile(
    r"\b(?:Rp|IDR)\.?\s?[1-9]"  # Rp350.000, Rp 50.000, IDR 350,000 (but not "Rp0")
    r"|\b[1-9][\d.,]*\s*(?:rupiah|ribu|juta|miliar)\b",  # 25 juta, 600 ribu rupiah
    re.IGNORECASE,
)
_FREE = re.compile(
    r"\bgratis\b|\bcuma-cuma\b|\btidak berbayar\b"
    r"|\b(?:tanpa|bebas|tidak (?:dipungut|dikenakan|dikenai|ada|memungut)) biaya\b"
    r"|\bfree of charge\b|\bno (?:fee|charge)\b|\bis free\b|^free\b",
    re.IGNORECASE,
)

ZERO_WITH_AMOUNT = N_("The cost is 0 (shown as free) but the note names an amount: enter the fee as the cost.")
FEE_SAID_FREE = N_("The note says the service is free but the cost is not 0.")


def names_amount(note: str) -> bool:
    return bool(_AMOUNT.search(note))


def says_free(note: str) -> bool:
    return bool(_FREE.search(note))


def fee_problem(cost: int, *notes: str) -> str | None:
    """The message id of what contradicts, or None; ``notes`` are the note in each language."""
    if cost == 0 and any(names_amount(note) for note in notes):
        return ZERO_WITH_AMOUNT
    if cost > 0 and any(says_free(note) for note in notes):
        return FEE_SAID_FREE
    return None
