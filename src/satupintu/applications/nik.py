"""The NIK (Nomor Induk Kependudukan): 16 digits PPRRSSDDMMYYXXXX.

``stdnum.id.nik`` strips separators and reads the birth date (DDMMYY, 40 added to the day for
women; the year's century is its guess, 1900s first). Its own region check uses stdnum's bundled
place list, which is not the official one; the region prefix (PPRR: province and kabupaten/kota) is
checked here against the list the platform ships (``tenants/regions``, Kepmendagri 2025). Every
refusal names what is wrong in the reader's language and never repeats the number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from stdnum.exceptions import ValidationError
from stdnum.id import nik as stdnum_nik

from satupintu.i18n import gettext as _
from satupintu.tenants.regions import Region, regions


class BadNik(ValueError):
    """The number is not a valid NIK; the message says why, in the reader's language."""


@dataclass(frozen=True)
class Nik:
    number: str
    region: Region
    birth_date: date
    female: bool

    def __repr__(self) -> str:  # never the number in clear, also not in a traceback
        return f"Nik({mask(self.number)!r})"


def validate(value: str) -> Nik:
    """The NIK's parts, or BadNik: wrong length or characters, an unknown region, no such birth date."""
    number = stdnum_nik.compact(value or "")
    if not number.isascii() or not number.isdigit():
        raise BadNik(_("A NIK has only digits (16 of them)."))
    if len(number) != 16:
        raise BadNik(_("A NIK has 16 digits; this one has %(n)d.") % {"n": len(number)})
    region = regions().get(f"{number[:2]}.{number[2:4]}")
    if region is None:
        raise BadNik(_("The first four digits of this NIK are not a kabupaten or kota of Indonesia."))
    try:
        born = stdnum_nik.get_birth_date(number)
    except ValidationError:
        raise BadNik(_("Digits 7 to 12 of this NIK are not a birth date (women add 40 to the day).")) from None
    return Nik(number, region, born, int(number[6:8]) > 40)


def mask(number: str) -> str:
    """What staff lists show: the region and the last two digits (3510••••••••••01)."""
    return f"{number[:4]}{'•' * 10}{number[-2:]}" if len(number) == 16 else "•" * 16
