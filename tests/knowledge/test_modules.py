"""The knowledge-transfer modules are content people edit by hand: all of them validate, and a broken
one is reported with its file and line, never loaded half-right."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from satupintu.cli import main
from satupintu.datafiles import DataFileError
from satupintu.knowledge.modules import DEFAULT_MODULES_DIR, load_modules, render_markdown

GOOD = """---
slug: {slug}
title_id: "Judul {slug}"
title_en: "Title {slug}"
audience: [admin, operator]
duration_minutes: 10
prerequisites: {prerequisites}
summary_en: "A summary."
checklist:
  - "Langkah pertama"
quiz:
  - question: "Pertanyaan satu?"
    options: ["Salah", "Benar"]
    answer: 1
  - question: "Pertanyaan dua?"
    options: ["A", "B", "C"]
    answer: 0
    explanation: "Karena A."
---
## Isi

Paragraf pertama modul {slug}.
"""


def write(directory: Path, slug: str, prerequisites: str = "[]", text: str | None = None) -> Path:
    path = directory / f"{slug}.md"
    path.write_text(text if text is not None else GOOD.format(slug=slug, prerequisites=prerequisites), encoding="utf-8")
    return path


def test_all_shipped_modules_validate_and_prerequisites_come_first():
    modules = load_modules(DEFAULT_MODULES_DIR)
    assert len(modules) == 14
    order = list(modules)
    for slug, module in modules.items():
        assert module.body_html.startswith("<h2>") and module.intro
        assert all(order.index(p) < order.index(slug) for p in module.meta.prerequisites)


def test_a_good_directory_loads(tmp_path):
    write(tmp_path, "dasar")
    write(tmp_path, "lanjut", "[dasar]")
    modules = load_modules(tmp_path)
    assert list(modules) == ["dasar", "lanjut"]
    assert modules["dasar"].intro == "Paragraf pertama modul dasar."


def _problem(tmp_path, text: str) -> DataFileError:
    write(tmp_path, "rusak", text=text)
    with pytest.raises(DataFileError) as caught:
        load_modules(tmp_path)
    return caught.value


def _broken(replace: str, by: str) -> str:
    good = GOOD.format(slug="rusak", prerequisites="[]")
    assert replace in good
    return good.replace(replace, by, 1)


@pytest.mark.parametrize(("replace", "by", "line", "field", "words"), [
    ('audience: [admin, operator]', 'audience: [admin, operator', 6, None, "not valid YAML"),
    ('title_en: "Title rusak"\n', '', 2, "title_en", "required field is missing"),
    ('    answer: 1', '    answer: 2', 14, "quiz[0].answer", "index of an option"),
    ('    options: ["A", "B", "C"]', '    options: ["A"]', 16, "quiz[1].options", "2 to 6 options"),
    ('prerequisites: []', 'prerequisites: [tidak-ada]', 7, "prerequisites[0]", "no module 'tidak-ada'"),
    ('slug: rusak', 'slug: lain', 2, "slug", "must equal the file name"),
    ('audience: [admin, operator]', 'audience: [admin, bupati]', 5, "audience[1]", "'bupati' is not one of"),
    ('duration_minutes: 10', 'duration_minutes: 0', 6, "duration_minutes", "positive"),
    ('checklist:\n  - "Langkah pertama"', 'checklist: []', 9, "checklist", "at least one step"),
    ('duration_minutes: 10', 'duration_minutes: 10\ntitel_id: "typo"', 7, "titel_id", "unknown field"),
    ('    answer: 1', '    answer: "1"', 14, "quiz[0].answer", "Expected `int`"),
])
def test_malformed_modules_name_file_line_and_field(tmp_path, replace, by, line, field, words):
    error = _problem(tmp_path, _broken(replace, by))
    assert error.path.endswith("rusak.md")
    assert (error.line, error.field) == (line, field), str(error)
    assert words in str(error) and str(error).startswith(f"{error.path}:{line}: ")


def test_no_front_matter_and_no_body(tmp_path):
    assert _problem(tmp_path, "# Hanya judul\n").line == 1
    empty_body = GOOD.format(slug="rusak", prerequisites="[]").split("---\n## Isi")[0] + "---\n\n"
    error = _problem(tmp_path, empty_body)
    assert error.field == "body" and "no text" in str(error)


def test_a_prerequisite_cycle_is_named_with_its_file_and_line(tmp_path):
    write(tmp_path, "alpha", "[gamma]")
    write(tmp_path, "beta", "[alpha]")
    write(tmp_path, "gamma", "[beta]")
    with pytest.raises(DataFileError) as caught:
        load_modules(tmp_path)
    error = caught.value
    assert error.path.endswith(".md") and error.line == 7 and error.field.startswith("prerequisites")
    assert "cycle" in str(error) and "alpha" in str(error) and "gamma" in str(error)


def test_a_module_requiring_itself_is_refused(tmp_path):
    write(tmp_path, "sendiri", "[sendiri]")
    with pytest.raises(DataFileError, match=r"sendiri\.md:7: prerequisites\[0\]: a module cannot require itself"):
        load_modules(tmp_path)


def test_markdown_is_rendered_without_raw_html():
    html = render_markdown('Teks <script>alert(1)</script> dan [tautan](javascript:alert(1)) **tebal**')
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html and "<strong>tebal</strong>" in html


def test_cli_check_reports_valid_modules_and_a_broken_one(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["modules", "check"])
    assert result.exit_code == 0, result.output
    assert "14 modules valid" in result.output
    write(tmp_path, "rusak", text=_broken('    answer: 1', '    answer: 5'))
    broken = runner.invoke(main, ["modules", "check", "--directory", str(tmp_path)])
    assert broken.exit_code != 0 and "rusak.md:14: quiz[0].answer" in broken.output
