"""CSV and XLSX files of a table, cell for cell what the page shows (numbers stay numbers).

CSV is written with a byte-order mark, so spreadsheet programs set to Indonesian open it as
UTF-8 ("Kabupaten Pasangkayu" stays readable) and with ',' between columns and '.' for decimals,
the form every statistics tool reads. Text that a spreadsheet would run as a formula (=, +, -, @, a
tab or a carriage return at its start, or at the start of any part after a ',', ';', tab or line
break, where a spreadsheet set to another delimiter splits the cell) gets an apostrophe first.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

_FORMULA = re.compile(r"(^|[,;\t\r\n])([ \"']*)(?=[=+\-@\t\r])")


def _safe(value: Any) -> Any:
    if isinstance(value, str):
        return _FORMULA.sub(lambda m: f"{m.group(1)}{m.group(2)}'", value)
    return value


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_safe(h) for h in headers])
    for row in rows:
        writer.writerow(["" if v is None else _safe(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], *, bold_last: bool = False) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append([_safe(h) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    count = 1
    for row in rows:
        sheet.append([_safe(v) for v in row])
        count += 1
    if bold_last and count > 1:
        for cell in sheet[count]:
            cell.font = Font(bold=True)
    sheet.freeze_panes = "B2"
    for index, name in enumerate(headers, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(10, min(40, len(name) + 2))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
