"""Reading the project's reviewable data files (TOML) into typed structs.

A civil servant or reviewer edits these files by hand, so a mistake must be reported as
``file:line: field: what is wrong``, never as a traceback.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from satupintu.forms import has_control

T = TypeVar("T")


class DataFileError(ValueError):
    """A data file is malformed; ``str()`` names the file, the line and the field."""

    def __init__(self, path: Path | str, line: int | None, field: str | None, problem: str):
        self.path, self.line, self.field, self.problem = str(path), line, field, problem
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {field + ': ' if field else ''}{problem}")


_PATH_TOKEN = re.compile(r"\.([A-Za-z_][\w-]*)|\[(\d+)\]")


def _parse_path(path: str) -> list[str | int]:
    return [name if name else int(index) for name, index in _PATH_TOKEN.findall(path)]


def locate(text: str, path: list[str | int]) -> int | None:
    """Best-effort line number of a msgspec error path such as ``$.services[3].cost``."""
    lines = text.splitlines()
    start, table = 0, ""
    i = 0
    while i < len(path):
        token = path[i]
        if isinstance(token, str) and i + 1 < len(path) and isinstance(path[i + 1], str):
            # a [table] header such as [policies] or [services]: continue below it
            name = f"{table}.{token}" if table else token
            header = re.compile(rf"^\s*\[\s*{re.escape(name)}\s*\]")
            found = next((n for n in range(start, len(lines)) if header.match(lines[n])), None)
            if found is not None:
                start, table = found, name
                i += 1
                continue
        if isinstance(token, str) and i + 1 < len(path) and isinstance(path[i + 1], int):
            table = f"{table}.{token}" if table else token
            header = re.compile(rf"^\s*\[\[\s*{re.escape(table)}\s*\]\]")
            seen = -1
            for n in range(start, len(lines)):
                if header.match(lines[n]):
                    seen += 1
                    if seen == path[i + 1]:
                        start = n
                        break
            else:
                return start + 1 if start else None
            i += 2
            continue
        if isinstance(token, str):
            key = re.compile(rf"^\s*{re.escape(token)}\s*=")
            for n in range(start, len(lines)):
                if n > start and lines[n].lstrip().startswith("["):
                    break
                if key.match(lines[n]):
                    return n + 1
            return start + 1
        i += 1
    return start + 1


def field_name(path: list[str | int]) -> str:
    out = ""
    for token in path:
        out += f"[{token}]" if isinstance(token, int) else (f".{token}" if out else token)
    return out


def load_toml(path: Path, type_: type[T]) -> T:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataFileError(path, None, None, f"cannot read the file ({exc.strerror})") from exc
    text = raw.decode("utf-8", errors="replace")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise DataFileError(path, int(match.group(1)) if match else None, None, f"not valid TOML ({exc})") from exc
    return convert(data, type_, path, text)


def _control_characters(data: Any, where: list[str | int]) -> list[str | int] | None:
    """The path of the first key or text that carries a NUL byte or another control character."""
    if isinstance(data, str):
        return where if has_control(data) else None
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        if isinstance(key, str) and has_control(key):
            return where
        found = _control_characters(value, [*where, key])
        if found is not None:
            return found
    return None


def convert(data: Any, type_: type[T], path: Path | str, text: str = "") -> T:
    bad = _control_characters(data, [])
    if bad is not None:
        raise DataFileError(path, locate(text, bad) if text else None, field_name(bad) or None,
                            "contains a NUL byte or another control character")
    try:
        return msgspec.convert(data, type_, strict=True)
    except msgspec.ValidationError as exc:
        message = str(exc)
        problem, _, where = message.partition(" - at `")
        tokens = _parse_path(where.rstrip("`")) if where else []
        if problem.startswith("Object missing required field"):
            missing = problem.split("`")[1]
            tokens.append(missing)
            problem = "required field is missing"
        return_line = locate(text, tokens) if text else None
        raise DataFileError(path, return_line, field_name(tokens) or None, problem) from exc
