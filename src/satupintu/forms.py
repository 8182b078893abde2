"""Reading HTML form input: every field checked, every problem named in the reader's language.

Handlers collect the values with these helpers; if anything is wrong they raise ``Invalid`` with
a message per field, the page is shown again with those messages (status 422), and the request's
transaction rolls back, so bad input changes nothing. Every value is refused when it carries a NUL
byte or another control character (PostgreSQL cannot store NUL; the others only ever hide text), and
dates are bounded, so no reader's value reaches the database or date arithmetic out of range.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from satupintu.i18n import gettext as _

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Characters no field may carry; tab and line breaks stay allowed (text areas)."""
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2100, 12, 31)


def has_control(value: str) -> bool:
    return CONTROL.search(value) is not None
GROUPED = re.compile(r"-?\d{1,3}([. ]\d{3})+")


class Invalid(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class Form:
    def __init__(self, data: dict[str, Any] | None):
        self.data = data if isinstance(data, dict) else {}
        self.errors: dict[str, str] = {}

    def fail(self, name: str, message: str) -> None:
        """Record a field's first problem (a refused character outranks what follows from it)."""
        self.errors.setdefault(name, message)

    def _clean(self, name: str, value: str) -> str:
        if has_control(value):
            self.fail(name, _("This field contains characters that are not allowed."))
            return ""
        return value

    def raw(self, name: str) -> str:
        value = self.data.get(name, "")
        if isinstance(value, list):
            value = value[-1] if value else ""
        return self._clean(name, value) if isinstance(value, str) else ""

    def text(self, name: str, *, required: bool = False, max_length: int = 200, pattern: str | None = None,
             pattern_message: str = "") -> str:
        value = self.raw(name).strip()
        if required and not value:
            self.fail(name, _("This field is required."))
        elif len(value) > max_length:
            self.fail(name, _("At most %(n)d characters.") % {"n": max_length})
        elif value and pattern and not re.fullmatch(pattern, value):
            self.fail(name, pattern_message or _("This value has the wrong format."))
        return value

    def integer(self, name: str, *, minimum: int = 0, maximum: int = 1_000_000_000, required: bool = True) -> int | None:
        value = self.raw(name).strip()
        if GROUPED.fullmatch(value):  # "30.000" or "30 000": thousands written the Indonesian way
            value = re.sub(r"[. ]", "", value)
        if not value:
            if required:
                self.fail(name, _("This field is required."))
            return None
        if not re.fullmatch(r"-?\d{1,12}", value):
            self.fail(name, _("Enter a whole number."))
            return None
        number = int(value)
        if not minimum <= number <= maximum:
            self.fail(name, _("Enter a number from %(lo)s to %(hi)s.") % {"lo": minimum, "hi": maximum})
            return None
        return number

    def choice(self, name: str, choices: dict[str, Any] | list[str] | tuple[str, ...], *, required: bool = True) -> str:
        value = self.raw(name).strip()
        if not value and not required:
            return ""
        if value not in choices:
            self.fail(name, _("Choose one of the options."))
        return value

    def many(self, name: str) -> list[str]:
        value = self.data.get(name, [])
        items = value if isinstance(value, list) else [value]
        return [self._clean(name, item).strip() for item in items if isinstance(item, str) and item.strip()][:200]

    def flag(self, name: str) -> bool:
        return self.raw(name) in {"on", "1", "true", "ya"}

    def lines(self, name: str, *, max_lines: int = 30, max_length: int = 300) -> list[str]:
        items = [line.strip() for line in self.raw(name).splitlines() if line.strip()]
        if len(items) > max_lines:
            self.fail(name, _("At most %(n)d lines.") % {"n": max_lines})
        elif any(len(item) > max_length for item in items):
            self.fail(name, _("Each line may have at most %(n)d characters.") % {"n": max_length})
        return items

    def day(self, name: str, *, required: bool = True) -> date | None:
        value = self.raw(name).strip()
        if not value:
            if required:
                self.fail(name, _("This field is required."))
            return None
        try:
            day = date.fromisoformat(value)
        except ValueError:
            self.fail(name, _("Enter a date as YYYY-MM-DD."))
            return None
        if not FIRST_DAY <= day <= LAST_DAY:
            self.fail(name, _("Enter a date from %(lo)s to %(hi)s.") % {"lo": FIRST_DAY.isoformat(),
                                                                         "hi": LAST_DAY.isoformat()})
            return None
        return day

    def check(self) -> None:
        if self.errors:
            raise Invalid(self.errors)
