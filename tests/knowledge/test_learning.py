"""Learning through the real interface: staff take a module, the quiz is scored and recorded, a
certificate exists only after passing, and the admin sees the team's progress."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import text

from satupintu.db import make_engine
from satupintu.knowledge import service
from satupintu.knowledge.modules import shipped_modules
from tests.conftest import csrf_of, run, sign_in

MODULE = "akta-4-in-1-bidan"


def shown_options(client, slug: str = MODULE) -> tuple[str, dict[str, list[str]]]:
    """The attempt the page was drawn for and each question's options in the order shown."""
    page = client.get(f"/banyuwangi/belajar/{slug}").text
    attempt = re.search(r'name="attempt" value="(\d+)"', page).group(1)
    shown: dict[str, list[str]] = {}
    for name, _position, label in re.findall(
            r'name="(q\d+)" value="(\d+)"[^>]*>\s*<label[^>]*>([^<]*)</label>', page):
        shown.setdefault(name, []).append(unescape(label))
    return attempt, shown


def right_answers(client, slug: str = MODULE) -> dict[str, str]:
    """The right option of each question, as the position the page shows it at (options are shuffled)."""
    attempt, shown = shown_options(client, slug)
    answers = {"attempt": attempt}
    for i, q in enumerate(shipped_modules()[slug].meta.quiz):
        answers[f"q{i}"] = str(shown[f"q{i}"].index(q.options[q.answer]))
    return answers


def wrong_answers(client, slug: str = MODULE, wrong: int = 1) -> dict[str, str]:
    answers = right_answers(client, slug)
    for i in range(wrong):
        options = len(shipped_modules()[slug].meta.quiz[i].options)
        answers[f"q{i}"] = str((int(answers[f"q{i}"]) + 1) % options)
    return answers


async def _rows(url: str, sql: str, **params) -> list[tuple]:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return [tuple(r) for r in (await connection.execute(text(sql), params)).all()]
    finally:
        await engine.dispose()


def progress_rows(client, email: str) -> list[tuple]:
    return run(_rows(client.database.owner_url,
                     "SELECT p.module_slug, p.attempts, p.best_score, p.last_score, p.completed_at IS NOT NULL "
                     "FROM module_progress p JOIN staff_accounts s ON s.id = p.staff_id AND s.tenant_id = p.tenant_id "
                     "WHERE s.email = :e ORDER BY p.module_slug", e=email))


def attempts_of(client, email: str) -> list[tuple]:
    return run(_rows(client.database.owner_url,
                     "SELECT a.score, a.passed FROM quiz_attempts a JOIN staff_accounts s ON s.id = a.staff_id "
                     "AND s.tenant_id = a.tenant_id WHERE s.email = :e ORDER BY a.id", e=email))


@pytest.fixture
def operator(client, people):
    assert sign_in(client, people["operator_a"], "banyuwangi").status_code == 303
    client.token = csrf_of(client)
    client.email = people["operator_a"]
    return client


def post(client, path, **data):
    return client.post(path, data={"_csrf_token": client.token, **data}, follow_redirects=False)


# -- scoring rules --------------------------------------------------------------------------------

def test_scoring_unit():
    module = shipped_modules()[MODULE]
    right = [q.answer for q in module.meta.quiz]
    result = service.score_quiz(module, right)
    assert (result.correct, result.total, result.score, result.passed, result.wrong) == (4, 4, 100, True, ())
    one_wrong = [(right[0] + 1) % len(module.meta.quiz[0].options), *right[1:]]
    result = service.score_quiz(module, one_wrong)
    assert (result.score, result.passed, result.wrong) == (75, False, (0,))
    with pytest.raises(ValueError):
        service.score_quiz(module, right[:-1])


def test_pass_mark_is_eighty_percent_without_rounding_up():
    assert service.QuizResult(correct=4, total=5, wrong=(4,)).passed
    assert not service.QuizResult(correct=7, total=9, wrong=(0, 1)).passed  # 77.7 %
    assert service.QuizResult(correct=7, total=9, wrong=(0, 1)).score == 77


def test_verification_code_is_stable_across_time_zone_awareness():
    import datetime as dt

    aware = dt.datetime(2026, 11, 22, 7, 30, 5, 123456, tzinfo=dt.UTC)
    naive = aware.replace(tzinfo=None)
    code = service.verification_code("rahasia", 1, 2, MODULE, aware)
    assert code == service.verification_code("rahasia", 1, 2, MODULE, naive)
    assert re.fullmatch(r"[0-9A-F]{4}(-[0-9A-F]{4}){3}", code)
    assert code != service.verification_code("rahasia-lain", 1, 2, MODULE, aware)
    assert code != service.verification_code("rahasia", 1, 3, MODULE, aware)


# -- through HTTP ---------------------------------------------------------------------------------

def test_module_list_filters_by_audience_and_shows_progress(operator):
    page = operator.get("/banyuwangi/belajar/")
    assert page.status_code == 200 and 'lang="id"' in page.text and "<main" in page.text
    assert page.text.count('class="module-card"') == 14
    assert "Belum dimulai" in page.text and "Anda telah menyelesaikan 0 dari 14 modul." in page.text
    operators = operator.get("/banyuwangi/belajar/?peran=operator")
    expected = sum(1 for m in shipped_modules().values() if "operator" in m.meta.audience)
    assert operators.text.count('class="module-card"') == expected < 14
    assert operator.get("/banyuwangi/belajar/?peran=bupati").text.count('class="module-card"') == 14


def test_failing_then_passing_records_attempts_best_score_and_completion(operator):
    page = operator.get(f"/banyuwangi/belajar/{MODULE}")
    assert page.status_code == 200 and "Layanan 4 in 1 Kelahiran lewat Bidan" in page.text
    assert page.text.count('type="radio"') == 16 and '<fieldset class="question' in page.text
    assert operator.get(f"/banyuwangi/belajar/{MODULE}/sertifikat").status_code == 404

    failed = post(operator, f"/banyuwangi/belajar/{MODULE}/kuis", **wrong_answers(operator))
    assert failed.status_code == 200
    assert "Belum lulus" in failed.text and "Belum tepat." in failed.text
    assert "Bidan menginput data di Android" not in failed.text  # explanations only after passing
    assert progress_rows(operator, operator.email) == [(MODULE, 1, 75, 75, False)]
    assert operator.get(f"/banyuwangi/belajar/{MODULE}/sertifikat").status_code == 404

    passed = post(operator, f"/banyuwangi/belajar/{MODULE}/kuis", **right_answers(operator))
    assert passed.status_code == 200 and "Lulus!" in passed.text and "Bidan menginput data di Android" in passed.text
    again = post(operator, f"/banyuwangi/belajar/{MODULE}/kuis", **wrong_answers(operator, wrong=2))
    assert again.status_code == 200
    assert progress_rows(operator, operator.email) == [(MODULE, 3, 100, 50, True)]
    assert attempts_of(operator, operator.email) == [(75, False), (100, True), (50, False)]
    listing = operator.get("/banyuwangi/belajar/")
    assert "Selesai" in listing.text and "Anda telah menyelesaikan 1 dari 14 modul." in listing.text


def test_certificate_is_printable_and_its_code_verifies(operator):
    assert post(operator, f"/banyuwangi/belajar/{MODULE}/kuis", **right_answers(operator)).status_code == 200
    assert post(operator, f"/banyuwangi/belajar/{MODULE}/sertifikat", full_name="Siti Loket").status_code == 303
    page = operator.get(f"/banyuwangi/belajar/{MODULE}/sertifikat")
    assert page.status_code == 200
    code = re.search(r'class="cert-code">([0-9A-F-]{19})<', page.text).group(1)
    assert "Sertifikat Penyelesaian" in page.text and "Siti Loket" in page.text  # the name the person confirmed
    assert "Kabupaten Banyuwangi" in page.text and "Layanan 4 in 1 Kelahiran lewat Bidan" in page.text
    stylesheet = re.search(r'href="(/static/satupintu\.[0-9a-f]{10}\.css)"', page.text).group(1)
    css = operator.get(stylesheet).text
    assert "@media print" in css and "@page" in css
    assert "style=" not in page.text.split("<main", 1)[1]  # the CSP forbids inline styles

    operator.cookies.clear()
    verified = operator.get(f"/banyuwangi/sertifikat?kode={code.lower().replace('-', '')}")
    assert verified.status_code == 200 and "Sertifikat sah." in verified.text and "Siti Loket" in verified.text
    forged = operator.get("/banyuwangi/sertifikat?kode=0000-0000-0000-0000")
    assert forged.status_code == 200 and "Tidak ada sertifikat" in forged.text
    elsewhere = operator.get(f"/bangkalan/sertifikat?kode={code}")
    assert "Tidak ada sertifikat" in elsewhere.text  # a code is only valid in its own regency


def test_the_certificate_carries_the_full_name_the_person_confirmed(operator):
    assert post(operator, f"/banyuwangi/belajar/{MODULE}/kuis", **right_answers(operator)).status_code == 200
    asked = operator.get(f"/banyuwangi/belajar/{MODULE}/sertifikat")
    assert asked.status_code == 200 and "cert-code" not in asked.text  # no certificate before the name is confirmed
    assert re.search(r'name="full_name" type="text" value="Loket"', asked.text)  # the account's label, to correct

    for bad in ("", "   ", "x" * 121, "Siti\x00Aminah"):
        refused = post(operator, f"/banyuwangi/belajar/{MODULE}/sertifikat", full_name=bad)
        assert refused.status_code == 422 and 'role="alert"' in refused.text, bad
    assert run(_rows(operator.database.owner_url, "SELECT full_name FROM staff_accounts WHERE email = :e",
                     e=operator.email)) == [(None,)]

    saved = post(operator, f"/banyuwangi/belajar/{MODULE}/sertifikat", full_name="Dr. Siti Aminah, S.Kom.")
    assert saved.status_code == 303 and saved.headers["location"] == f"/banyuwangi/belajar/{MODULE}/sertifikat"
    page = operator.get(saved.headers["location"]).text
    assert '<p class="cert-name">Dr. Siti Aminah, S.Kom.</p>' in page and 'role="status"' in page
    assert run(_rows(operator.database.owner_url, "SELECT full_name, name FROM staff_accounts WHERE email = :e",
                     e=operator.email)) == [("Dr. Siti Aminah, S.Kom.", "Loket")]  # the account's label is untouched

    correcting = operator.get(f"/banyuwangi/belajar/{MODULE}/sertifikat?ubah=1").text
    assert 'value="Dr. Siti Aminah, S.Kom."' in correcting and "cert-code" not in correcting
    assert post(operator, f"/banyuwangi/belajar/{MODULE}/sertifikat", full_name="Siti Aminah").status_code == 303
    assert '<p class="cert-name">Siti Aminah</p>' in operator.get(f"/banyuwangi/belajar/{MODULE}/sertifikat").text
    assert post(operator, "/banyuwangi/belajar/modul-tidak-ada/sertifikat", full_name="X").status_code == 404


def test_incomplete_or_invalid_answers_are_explained_and_change_nothing(operator):
    for answers in ({}, {"q0": "1"}, {"q0": "9", "q1": "1", "q2": "1", "q3": "1"},
                    {"q0": "x", "q1": "1", "q2": "1", "q3": "1"}, {"q0": "-1", "q1": "1", "q2": "1", "q3": "1"}):
        response = post(operator, f"/banyuwangi/belajar/{MODULE}/kuis", **answers)
        assert response.status_code == 422, answers
        assert re.search(r"Pertanyaan \d: pilih salah satu jawaban\.", response.text), answers
        assert 'role="alert"' in response.text, answers
        targets = re.findall(r'href="#(f-q\d+)"', response.text)
        assert targets and all(f'id="{t}"' in response.text for t in targets), answers
    assert progress_rows(operator, operator.email) == [] and attempts_of(operator, operator.email) == []


def test_checklist_is_saved_and_out_of_range_ticks_are_ignored(operator):
    response = post(operator, f"/banyuwangi/belajar/{MODULE}/daftar-periksa", c0="on", c2="on", c99="on")
    assert response.status_code == 303
    page = operator.get(f"/banyuwangi/belajar/{MODULE}")
    assert page.text.count("checked") == 2
    assert run(_rows(operator.database.owner_url, "SELECT checklist_done FROM module_progress p JOIN staff_accounts s "
                     "ON s.id = p.staff_id WHERE s.email = :e", e=operator.email))[0][0] in ([0, 2], "[0, 2]")


def test_unknown_module_and_missing_csrf(operator):
    assert operator.get("/banyuwangi/belajar/tidak-ada").status_code == 404
    assert post(operator, "/banyuwangi/belajar/tidak-ada/kuis", q0="1").status_code == 404
    no_token = operator.post(f"/banyuwangi/belajar/{MODULE}/kuis", data=right_answers(operator), follow_redirects=False)
    assert no_token.status_code == 403 and progress_rows(operator, operator.email) == []


def test_the_admin_sees_the_team_and_operators_cannot(client, people):
    assert sign_in(client, people["operator_a"], "banyuwangi").status_code == 303
    client.token = csrf_of(client)
    assert post(client, f"/banyuwangi/belajar/{MODULE}/kuis", **right_answers(client)).status_code == 200
    assert client.get("/banyuwangi/admin/pelatihan").status_code == 403
    client.cookies.clear()

    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    page = client.get("/banyuwangi/admin/pelatihan")
    assert page.status_code == 200 and "Loket" in page.text and "Kepala MPP Kabupaten Banyuwangi" in page.text
    assert "Kepala MPP Kabupaten Bangkalan" not in page.text
    staff_id = re.search(r'/banyuwangi/admin/pelatihan/(\d+)">Loket<', page.text).group(1)
    detail = client.get(f"/banyuwangi/admin/pelatihan/{staff_id}")
    assert detail.status_code == 200 and "Selesai pada" in detail.text
    assert client.get("/banyuwangi/belajar/").status_code == 200  # admins learn too


def test_learning_is_for_signed_in_staff_of_that_regency_only(client, people):
    assert client.get(f"/banyuwangi/belajar/{MODULE}", follow_redirects=False).status_code in (401, 403)
    assert sign_in(client, people["admin_a"], "banyuwangi").status_code == 303
    client.token = csrf_of(client)
    for path in ("/bangkalan/belajar/", f"/bangkalan/belajar/{MODULE}", f"/bangkalan/belajar/{MODULE}/sertifikat"):
        assert client.get(path).status_code == 403, path
    for path in (f"/bangkalan/belajar/{MODULE}/kuis", f"/bangkalan/belajar/{MODULE}/daftar-periksa"):
        assert post(client, path, c0="on", **right_answers(client)).status_code == 403, path
    assert progress_rows(client, people["admin_a"]) == []
    assert run(_rows(client.database.owner_url, "SELECT count(*) FROM module_progress")) == [(4,)]  # the seeds only
    client.cookies.clear()
    assert sign_in(client, people["ministry"]).status_code == 303
    assert client.get("/banyuwangi/belajar/").status_code == 403


def test_quiz_options_are_shuffled_per_attempt_and_scored_by_what_was_shown(operator):
    first_attempt, first = shown_options(operator)
    stale = right_answers(operator)  # a second tab, drawn for the same attempt
    assert post(operator, f"/banyuwangi/belajar/{MODULE}/kuis", **wrong_answers(operator)).status_code == 200
    orders = [first]
    for _ in range(3):
        attempt, shown = shown_options(operator)
        orders.append(shown)
        assert post(operator, f"/banyuwangi/belajar/{MODULE}/kuis", **wrong_answers(operator)).status_code == 200
    assert attempt != first_attempt and any(order != first for order in orders[1:]), "each attempt reshuffles"
    assert all(sorted(order[q]) == sorted(first[q]) for order in orders for q in first), "the same options"
    late = post(operator, f"/banyuwangi/belajar/{MODULE}/kuis", **stale)
    assert late.status_code == 200 and "Lulus!" in late.text, "positions are read in the order they were shown"
    assert attempts_of(operator, operator.email)[-1] == (100, True)


def test_shuffled_orders_spread_the_right_answers_over_the_positions():
    questions = [q for module in shipped_modules().values() for q in module.meta.quiz]
    second = sum(q.answer == 1 for q in questions)
    assert second * 2 > len(questions), "the files put most right answers second: shuffling matters"
    shown_at: list[int] = []
    for staff_id in range(1, 6):
        for slug, module in shipped_modules().items():
            orders = service.option_order("rahasia-uji", 1, staff_id, slug, 0, [len(q.options) for q in module.meta.quiz])
            assert orders == service.option_order("rahasia-uji", 1, staff_id, slug, 0,
                                                  [len(q.options) for q in module.meta.quiz]), "remembered"
            for q, order in zip(module.meta.quiz, orders, strict=True):
                assert sorted(order) == list(range(len(q.options)))
                shown_at.append(order.index(q.answer))
    assert max(shown_at.count(p) for p in set(shown_at)) * 2 < len(shown_at), "no position gives the answer away"
