"""Reading the knowledge-transfer modules: Markdown files with YAML front matter.

The modules are content that civil servants and reviewers edit by hand, like the catalogue, so a
mistake must come back as ``file:line: field: problem`` (a :class:`DataFileError`) rather than a
traceback or, worse, a quiz whose right answer does not exist. Lines are found from the YAML
node marks, so they point at the offending value even in nested lists.

Modules are platform content (no tenant_id): every regency reads the same files, and only each
staff member's progress is stored, in their own tenant.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import msgspec
import yaml
from markdown_it import MarkdownIt

from satupintu.config import PROJECT_ROOT
from satupintu.datafiles import DataFileError, field_name

DEFAULT_MODULES_DIR = PROJECT_ROOT / "onboarding" / "modules"
AUDIENCES = ("pimpinan", "admin", "operator")
PASS_MARK = 80  # percent of quiz questions answered correctly
MIN_OPTIONS, MAX_OPTIONS = 2, 6
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
FRONT_MATTER_START = 2  # the YAML begins on the file's second line, after the opening ---


class QuizQuestion(msgspec.Struct, forbid_unknown_fields=True):
    question: str
    options: list[str]
    answer: int
    explanation: str = ""


class FrontMatter(msgspec.Struct, forbid_unknown_fields=True):
    slug: str
    title_id: str
    title_en: str
    audience: list[str]
    duration_minutes: int
    summary_en: str
    checklist: list[str]
    quiz: list[QuizQuestion]
    prerequisites: list[str] = []


@dataclass(frozen=True)
class Module:
    """A validated module, with its body already rendered to safe HTML."""

    meta: FrontMatter
    path: Path
    body_html: str
    intro: str  # the body's first paragraph, plain text: the Indonesian summary on list pages

    @property
    def slug(self) -> str:
        return self.meta.slug

    def title(self, locale: str) -> str:
        return self.meta.title_en if locale == "en" else self.meta.title_id

    def summary(self, locale: str) -> str:
        return self.meta.summary_en if locale == "en" else self.intro


_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def render_markdown(text: str) -> str:
    """Markdown to HTML with raw HTML disabled: a module can never inject markup or script."""
    return _markdown.render(text)


def _intro(body: str) -> str:
    for block in re.split(r"\n\s*\n", body):
        block = block.strip()
        if block and not block.startswith(("#", "-", "*", "|", ">", "1.", "_")):
            return re.sub(r"[*_`]", "", " ".join(block.split()))
    return ""


def _split(path: Path, text: str) -> tuple[str, str, int]:
    """Front matter, body, and the file line on which the body starts."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise DataFileError(path, 1, None, "the file must start with front matter between two '---' lines")
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "".join(lines[1:index]), "".join(lines[index + 1:]), index + 2
    raise DataFileError(path, 1, None, "the front matter is not closed by a '---' line")


def _node_line(root: yaml.Node | None, tokens: list[str | int]) -> int | None:
    """The front-matter line (1-based) of the value at ``tokens``, or of its nearest parent."""
    node, line = root, root.start_mark.line + 1 if root is not None else None
    for token in tokens:
        found = None
        if isinstance(node, yaml.MappingNode) and isinstance(token, str):
            found = next((value for key, value in node.value if key.value == token), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(token, int) and token < len(node.value):
            found = node.value[token]
        if found is None:
            break
        node, line = found, found.start_mark.line + 1
    return line


class _Problem(Exception):
    def __init__(self, tokens: list[str | int], message: str):
        super().__init__(message)
        self.tokens, self.message = tokens, message


def _check(meta: FrontMatter, stem: str) -> None:
    """The rules msgspec's types cannot say; raises at the first problem with its field path."""
    if not SLUG.match(meta.slug):
        raise _Problem(["slug"], "use lowercase letters, digits and hyphens")
    if meta.slug != stem:
        raise _Problem(["slug"], f"must equal the file name {stem!r}")
    for name in ("title_id", "title_en", "summary_en"):
        if not getattr(meta, name).strip():
            raise _Problem([name], "must not be empty")
    if not meta.audience:
        raise _Problem(["audience"], f"name at least one of {', '.join(AUDIENCES)}")
    for index, who in enumerate(meta.audience):
        if who not in AUDIENCES:
            raise _Problem(["audience", index], f"{who!r} is not one of {', '.join(AUDIENCES)}")
    if meta.duration_minutes <= 0:
        raise _Problem(["duration_minutes"], "must be a positive number of minutes")
    if not meta.checklist:
        raise _Problem(["checklist"], "name at least one step")
    for index, item in enumerate(meta.checklist):
        if not item.strip():
            raise _Problem(["checklist", index], "must not be empty")
    if not meta.quiz:
        raise _Problem(["quiz"], "ask at least one question")
    for index, question in enumerate(meta.quiz):
        if not question.question.strip():
            raise _Problem(["quiz", index, "question"], "must not be empty")
        if not MIN_OPTIONS <= len(question.options) <= MAX_OPTIONS:
            raise _Problem(["quiz", index, "options"],
                           f"give {MIN_OPTIONS} to {MAX_OPTIONS} options, not {len(question.options)}")
        if len(set(question.options)) != len(question.options):
            raise _Problem(["quiz", index, "options"], "two options are the same")
        if not 0 <= question.answer < len(question.options):
            raise _Problem(["quiz", index, "answer"],
                           f"must be the index of an option, 0 to {len(question.options) - 1} (counting from 0)")
    for index, slug in enumerate(meta.prerequisites):
        if slug == meta.slug:
            raise _Problem(["prerequisites", index], "a module cannot require itself")
        if meta.prerequisites.index(slug) != index:
            raise _Problem(["prerequisites", index], f"{slug!r} is listed twice")


def _fail(path: Path, root: yaml.Node | None, tokens: list[str | int], problem: str) -> DataFileError:
    line = _node_line(root, tokens)
    return DataFileError(path, line + FRONT_MATTER_START - 1 if line else None, field_name(tokens) or None, problem)


def _fields(exc: msgspec.ValidationError) -> tuple[list[str | int], str]:
    message = str(exc)
    problem, _, where = message.partition(" - at `")
    tokens: list[str | int] = [name if name else int(index)
                               for name, index in re.findall(r"\.([A-Za-z_][\w-]*)|\[(\d+)\]", where.rstrip("`"))]
    if problem.startswith("Object missing required field"):
        tokens.append(problem.split("`")[1])
        problem = "required field is missing"
    elif problem.startswith("Object contains unknown field"):
        tokens.append(problem.split("`")[1])
        problem = "unknown field (check the spelling)"
    return tokens, problem


def parse_module(path: Path) -> Module:
    """One file, checked on its own (prerequisites are checked across files by load_modules)."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise DataFileError(path, None, None, f"cannot read the file ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise DataFileError(path, None, None, "the file is not UTF-8 text") from exc
    front, body, body_line = _split(path, text)
    try:
        root = yaml.compose(front, Loader=yaml.SafeLoader)
        data = yaml.safe_load(front)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + FRONT_MATTER_START if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise DataFileError(path, line, None, f"not valid YAML ({reason})") from exc
    if not isinstance(data, dict):
        raise DataFileError(path, FRONT_MATTER_START, None, "the front matter must be a mapping of fields")
    try:
        meta = msgspec.convert(data, FrontMatter, strict=True)
    except msgspec.ValidationError as exc:
        tokens, problem = _fields(exc)
        raise _fail(path, root, tokens, problem) from exc
    try:
        _check(meta, path.stem)
    except _Problem as problem:
        raise _fail(path, root, problem.tokens, problem.message) from None
    if not body.strip():
        raise DataFileError(path, body_line, "body", "the module has no text after the front matter")
    return Module(meta=meta, path=path, body_html=render_markdown(body), intro=_intro(body))


def _prerequisite_problem(modules: dict[str, Module]) -> DataFileError | None:
    for slug in sorted(modules):
        module = modules[slug]
        for index, needed in enumerate(module.meta.prerequisites):
            if needed not in modules:
                return _located(module, ["prerequisites", index], f"no module {needed!r} exists")
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(slug: str, trail: list[str]) -> DataFileError | None:
        state[slug] = 1
        for index, needed in enumerate(modules[slug].meta.prerequisites):
            if state.get(needed) == 1:
                cycle = " -> ".join([*trail[trail.index(needed):], slug, needed]) if needed in trail else \
                    f"{slug} -> {needed}"
                return _located(modules[slug], ["prerequisites", index], f"prerequisites form a cycle: {cycle}")
            if needed not in state and (problem := visit(needed, [*trail, slug])):
                return problem
        state[slug] = 2
        return None

    for slug in sorted(modules):
        if slug not in state and (problem := visit(slug, [])):
            return problem
    return None


def _located(module: Module, tokens: list[str | int], problem: str) -> DataFileError:
    front, _body, _line = _split(module.path, module.path.read_text(encoding="utf-8"))
    return _fail(module.path, yaml.compose(front, Loader=yaml.SafeLoader), tokens, problem)


def load_modules(directory: Path | str = DEFAULT_MODULES_DIR) -> dict[str, Module]:
    """Every module of a directory, validated, in an order where prerequisites come first."""
    directory = Path(directory)
    paths = sorted(directory.glob("*.md"))
    if not paths:
        raise DataFileError(directory, None, None, "no module files (*.md) found")
    modules = {}
    for path in paths:
        module = parse_module(path)
        modules[module.slug] = module
    if problem := _prerequisite_problem(modules):
        raise problem
    ordered: dict[str, Module] = {}

    def place(slug: str) -> None:
        if slug in ordered:
            return
        for needed in modules[slug].meta.prerequisites:
            place(needed)
        ordered[slug] = modules[slug]

    for slug in sorted(modules, key=lambda s: (len(modules[s].meta.prerequisites), s)):
        place(slug)
    return ordered


@functools.cache
def shipped_modules() -> dict[str, Module]:
    """The modules the application serves, read once per process."""
    return load_modules(DEFAULT_MODULES_DIR)
