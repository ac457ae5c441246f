"""apidebug_nb.views.lab: the notebooks' text helpers (steps, self-checks, trial fixes)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import apidebug_nb as adb
from apidebug_nb.views.lab import Quiz, act, observation_text, show, try_fix

QUESTIONS = {
    "Q1": {
        "A": (False, "A retired URL answers 410."),
        "B": (True, "401 is about credentials."),
        "C": (False, "Timeouts are the caller giving up."),
    },
    "Q2": {"a": (True, "Lower case letters work too."), "b": (False, "No.")},
}


# -- Quiz ------------------------------------------------------------------------------


def test_every_option_explains_itself_and_says_whether_it_is_right():
    quiz = Quiz(QUESTIONS)
    for question, options in QUESTIONS.items():
        for letter, (correct, why) in options.items():
            text = quiz.feedback(question, letter)
            verdict = "Correct." if correct else "Not quite."
            assert text == f"{question} ({letter.upper()}): {verdict} {why}"


def test_check_prints_the_feedback(capsys):
    Quiz(QUESTIONS).check("Q1", "C")
    assert capsys.readouterr().out == "Q1 (C): Not quite. Timeouts are the caller giving up.\n"


@pytest.mark.parametrize("choice", ["b", " B ", "B\n"])
def test_answers_are_read_as_stripped_upper_case_letters(choice):
    assert Quiz(QUESTIONS).feedback("Q1", choice).startswith("Q1 (B): Correct.")


@given(st.text(max_size=5).filter(lambda t: t.strip().upper() not in {"", "A", "B", "C"}))
def test_an_unknown_option_names_the_valid_ones(choice):
    text = Quiz(QUESTIONS).feedback("Q1", choice)
    assert text.endswith("answer with one of A, B, C.")
    assert "Correct" not in text and "Not quite" not in text


def test_an_unknown_question_is_a_clear_error():
    with pytest.raises(KeyError, match="unknown question 'Q9'; questions are: Q1, Q2"):
        Quiz(QUESTIONS).feedback("Q9", "A")


def test_questions_keep_their_order():
    assert Quiz(QUESTIONS).questions == ["Q1", "Q2"]


@pytest.mark.parametrize(
    ("questions", "message"),
    [
        ({}, "non-empty dict"),
        ({"Q1": {}}, "'Q1': options must be a non-empty dict"),
        ({"Q1": {"A": (True, "x"), "a": (False, "y")}}, "option 'A' is given twice"),
        ({"Q1": {"A": ("yes", "x")}}, "option 'A': expected \\(correct: bool, why: str\\)"),
        ({"Q1": {"A": (True,)}}, "option 'A': expected"),
        ({"Q1": {"A": (False, "x"), "B": (False, "y")}}, "'Q1': no option is marked correct"),
    ],
)
def test_a_malformed_quiz_is_refused_with_the_place_at_fault(questions, message):
    with pytest.raises(ValueError, match=message):
        Quiz(questions)


def test_the_quiz_does_not_follow_later_edits_of_its_data():
    data = {"Q1": {"A": (True, "Yes.")}}
    quiz = Quiz(data)
    data["Q1"]["A"] = (False, "Changed.")
    assert quiz.feedback("Q1", "A") == "Q1 (A): Correct. Yes."


# -- show / act ------------------------------------------------------------------------


def test_act_takes_one_step_and_prints_what_it_revealed(capsys):
    ep = adb.Episode(adb.load_scenario("easy"))
    ep.reset()
    assert act(ep, adb.Action.inspect_config("payment_gateway")) is None
    obs = ep.observations[-1]
    assert ep.steps == 1
    out = capsys.readouterr().out
    assert out == observation_text(obs) + "\n"
    first, *rest = out.splitlines()
    assert first == f"[step 1, {obs.steps_left} left] {obs.message}"
    # The config is printed as indented JSON that parses back to the observed config.
    assert json.loads("\n".join(rest)) == obs.config
    assert all(line.startswith("    ") for line in rest)


def test_show_prints_logs_and_the_endpoint_answer(capsys):
    ep = adb.Episode(adb.load_scenario("easy"))
    ep.reset()
    logs = ep.step(adb.Action.inspect_logs("payment_client"))[0]
    answer = ep.step(adb.Action.inspect_endpoint("payment_client"))[0]
    show(logs)
    show(answer)
    lines = capsys.readouterr().out.splitlines()
    assert lines[1 : 1 + len(logs.logs)] == ["    " + line for line in logs.logs]
    assert lines[-3] == "    response: " + json.dumps(answer.response)
    assert lines[-2] == "    trace:"
    assert lines[-1].startswith("        payment_client -> payment_gateway  POST /payments  |")
    assert lines[-1].endswith(
        ' 401  WWW-Authenticate: Bearer realm="payment_gateway"  <-- fails here'
    )


def test_show_prints_the_same_text_in_every_run():
    def transcript() -> str:
        ep = adb.Episode(adb.load_scenario("hard", seed=3))
        obs, _ = ep.reset()
        texts = [observation_text(obs)]
        for action in adb.oracle_actions(ep.scenario):
            texts.append(observation_text(ep.step(action)[0]))
        return "\n".join(texts)

    assert transcript() == transcript()


# -- try_fix ---------------------------------------------------------------------------


def test_try_fix_reports_the_simulators_feedback(capsys):
    sc = adb.load_scenario("easy")
    fix = next(a for a in adb.oracle_actions(sc) if a.kind == "submit_fix")
    expected = adb.Episode(sc)
    expected.reset()
    obs = expected.step(fix)[0]
    try_fix("easy", fix.service, fix.changes)
    assert capsys.readouterr().out == (
        f"{obs.message}\nProblems fixed: {obs.resolved} of {obs.total}\n"
    )
    assert obs.resolved == 1  # the reference fix really fixes something: the test can tell


def test_try_fix_leaves_no_trace(capsys):
    sc = adb.load_scenario("easy")
    before = sc.content_hash()
    ep = adb.Episode(sc)
    ep.reset()
    ep.step(adb.Action.inspect_logs("payment_client"))
    state = (ep.steps, ep.issue_status(), [o.to_dict() for o in ep.observations])
    for fix in adb.oracle_actions(sc):
        if fix.kind == "submit_fix":
            try_fix("easy", fix.service, fix.changes)
            try_fix(sc, fix.service, fix.changes)
    capsys.readouterr()
    assert sc.content_hash() == before
    assert adb.load_scenario("easy").content_hash() == before
    assert (ep.steps, ep.issue_status(), [o.to_dict() for o in ep.observations]) == state
    # A fresh episode still starts from the broken incident.
    fresh = adb.Episode(adb.load_scenario("easy"))
    obs, _ = fresh.reset()
    assert obs.resolved == 0


def test_try_fix_on_a_seeded_variant_uses_that_variant(capsys):
    variant = adb.load_scenario("easy", seed=11)
    fix = next(a for a in adb.oracle_actions(variant) if a.kind == "submit_fix")
    try_fix("easy", fix.service, fix.changes, seed=11)
    seeded = capsys.readouterr().out
    try_fix(variant, fix.service, fix.changes)
    assert capsys.readouterr().out == seeded
    assert seeded.endswith(f"Problems fixed: 1 of {len(variant.issues)}\n")


def test_try_fix_reports_a_rejected_patch_as_feedback(capsys):
    try_fix("easy", "no_such_service", {"timeout": 30})
    out = capsys.readouterr().out
    assert "unknown service 'no_such_service'" in out and "payment_client" in out
    assert out.endswith("Problems fixed: 0 of 2\n")


def test_try_fix_refuses_a_seed_with_a_scenario():
    with pytest.raises(ValueError, match="seed selects a variant of a task name"):
        try_fix(adb.load_scenario("easy"), "payment_client", {"timeout": 30}, seed=1)


def test_try_fix_names_the_tasks_for_an_unknown_one():
    with pytest.raises(adb.UnknownTaskError, match="tasks are: easy, medium, hard"):
        try_fix("eazy", "payment_client", {"timeout": 30})


# -- packaging -------------------------------------------------------------------------


def test_the_helpers_are_exported_lazily():
    from apidebug_nb.views import figures, lab

    assert adb.Quiz is lab.Quiz and adb.try_fix is lab.try_fix
    assert adb.act is lab.act and adb.show is lab.show
    assert adb.picture is figures.picture
    assert {"Quiz", "act", "show", "try_fix", "picture"} <= set(adb.__all__)


# -- answer keys in the package, the walk-through behind its button ----------------------------


def test_an_empty_answer_asks_for_a_letter():
    assert Quiz(QUESTIONS).feedback("Q1", "  ") == (
        "Q1: no answer yet: put one of A, B, C between the quotes and run the cell again."
    )


def test_every_lesson_with_a_self_check_has_its_key_in_the_package():
    from pathlib import Path

    notebooks = Path(__file__).resolve().parent.parent / "notebooks" / "src"
    asked = sorted(
        p.stem for p in notebooks.glob("*.py") if "Quiz.for_lesson(" in p.read_text("utf-8")
    )
    assert asked == [
        "00_start_here",
        "01_easy_payment_gateway",
        "02_medium_webhook_chain",
        "03_hard_order_pipeline",
        "04_grading_and_agents",
        "05_instructor_guide",
    ]
    for lesson in asked:
        quiz = Quiz.for_lesson(lesson)
        assert quiz.questions == ["Q1", "Q2", "Q3"]
        for question in quiz.questions:
            # every option explains itself, right or wrong
            for letter in ("A", "B", "C"):
                text = quiz.feedback(question, letter)
                assert text.startswith(f"{question} ({letter}): ")
                assert len(text.split(": ", 1)[1]) > len("Not quite. ") + 10
    with pytest.raises(KeyError, match="no self-check for 'app'"):
        Quiz.for_lesson("app")


def test_the_walkthrough_is_hidden_until_pressed_and_hides_again():
    from apidebug_nb.views.walkthrough import Walkthrough

    walk = Walkthrough("easy", seed=4)
    assert walk._repr_mimebundle_()["text/plain"] == (
        'Walk-through of easy-4 (hidden): press "Show the walk-through" to see the '
        "reference solution."
    )
    assert "Bearer sk_live_464a8f7c" not in walk._repr_mimebundle_()["text/plain"]
    walk._button.click()
    assert walk.shown and walk._button.description == "Hide the walk-through"
    shown = walk.render_text()
    assert shown.startswith("Walk-through of easy-4: the reference solver's 5 steps")
    for issue in adb.load_scenario("easy", 4).issues:
        assert issue.title in shown
    assert '"Authorization": "Bearer sk_live_464a8f7c"' in shown.replace("'", '"')
    assert "Score: 1.00" in shown
    walk.toggle()
    assert not walk.shown and walk._body.value == ""
