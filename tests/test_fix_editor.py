"""The fix editor applies exactly the texts that arrived with each submit, in any message order."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import apidebug_nb as adb
from apidebug_nb.views import fix_editor
from apidebug_nb.views.dashboard import Dashboard
from apidebug_nb.views.fix_editor import PART_CLASSES, FixEditor

JS = (Path(fix_editor.__file__).parent / "fix_editor.js").read_text(encoding="utf-8")


def recording_editor() -> tuple[FixEditor, list[tuple[str, str, str]]]:
    seen: list[tuple[str, str, str]] = []
    return FixEditor(on_submit=lambda *texts: seen.append(texts)), seen


texts = st.text(max_size=12)
submission = st.tuples(texts, texts, texts)


@settings(max_examples=60, deadline=None)
@given(st.lists(submission, min_size=1, max_size=6), st.randoms(use_true_random=False))
def test_each_submit_message_applies_the_texts_it_carried(submissions, rnd):
    editor, seen = recording_editor()
    for n, (key, value, patch) in enumerate(submissions, start=1):
        message = [("key", key), ("value", value), ("patch", patch), ("submits", n)]
        rnd.shuffle(message)  # the count may come first: observers run after every trait is set
        editor.set_state(dict(message))
    assert seen == submissions
    assert editor.handled == len(submissions)


def test_a_message_with_only_the_count_uses_the_texts_sent_before_it():
    # save_changes sends only what changed: an unchanged key is not repeated.
    editor, seen = recording_editor()
    editor.set_state({"key": "timeout_s", "value": "30", "submits": 1})
    editor.set_state({"value": "45", "submits": 2})
    assert seen == [("timeout_s", "30", ""), ("timeout_s", "45", "")]


def test_a_count_already_taken_is_not_applied_twice():
    editor, seen = recording_editor()
    editor.set_state({"key": "a", "submits": 1})
    editor.set_state({"key": "b", "submits": 1})  # e.g. a replayed echo of the same state
    assert seen == [("a", "", "")]
    editor.set_state({"key": "c", "submits": 0})
    assert seen == [("a", "", "")] and editor.handled == 1


def test_a_disabled_editor_acknowledges_but_applies_nothing():
    editor, seen = recording_editor()
    editor.disabled = True
    editor.press_submit(key="a", value="1")
    assert seen == [] and editor.submits == 0
    editor.set_state({"key": "a", "value": "1", "submits": 1})  # a press already in flight
    assert seen == [] and editor.handled == 1  # acknowledged, so the front end is not stuck


def test_press_submit_sets_only_the_texts_given():
    editor, seen = recording_editor()
    editor.press_submit(key="timeout_s", value="30")
    editor.press_submit(value="31")
    editor.press_submit(key="", value="", patch='{"timeout_s": 32}')
    assert seen == [("timeout_s", "30", ""), ("timeout_s", "31", ""), ("", "", '{"timeout_s": 32}')]


def test_the_front_end_sends_texts_and_count_in_one_save():
    press = JS[JS.index("function press()") :]
    press = press[: press.index("\n  }\n")]
    assert press.count("save_changes()") == 1
    sets = [m.start() for m in re.finditer(r'model\.set\("(key|value|patch|submits)"', press)]
    assert len(sets) == 4 and max(sets) < press.index("save_changes()")
    # A press while one is unacknowledged is ignored, never merged into the next message.
    assert "inFlight()" in press.split("model.set", 1)[0]


@pytest.mark.parametrize("css", PART_CLASSES)
def test_the_front_end_gives_every_part_its_stable_class(css):
    if css.startswith("adb-fix-"):  # a labelled row: field() names it adb-fix-<part>
        part = css.removeprefix("adb-fix-")
        assert "row.className = `adb-fix-row adb-fix-${part}`" in JS
        assert f'field(el, "{part}", model.get("{part}_label")' in JS
    else:
        assert f'className = "{css} ' in JS


def test_the_dashboard_applies_the_message_texts_and_says_why_bad_text_fails():
    dash = Dashboard("easy")
    ed = next(w for w in _walk(dash.widget) if isinstance(w, FixEditor))
    ed.set_state({"submits": 1, "key": "headers.Content-Type", "value": "application/json"})
    assert dash.episode.steps == 0 and "No step was used" in dash.render_text()
    ed.set_state({"submits": 2, "value": json.dumps("application/json")})
    assert list(dash.episode.actions) == [
        adb.Action.submit_fix("payment_client", {"headers.Content-Type": "application/json"})
    ]
    assert dash.episode.issue_status()["easy.content_type"] == "resolved"


HUGE_NUMBER_MESSAGE = (
    "a number of 5,000 digits is too large; numbers are at most 1,000,000,000,000,000 in size."
)
TOO_DEEP_MESSAGE = "the fix is nested more than 32 levels deep."


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (
            {"key": "timeout_s", "value": "9" * 5000, "patch": ""},
            "the value for timeout_s cannot be used: " + HUGE_NUMBER_MESSAGE,
        ),
        (
            {"key": "timeout_s", "value": "[" * 100000, "patch": ""},
            "the value for timeout_s cannot be used: " + TOO_DEEP_MESSAGE,
        ),
        (
            {"key": "", "value": "", "patch": "9" * 5000},
            "the patch cannot be used: " + HUGE_NUMBER_MESSAGE,
        ),
        (
            {"key": "", "value": "", "patch": "[" * 100000},
            "the patch cannot be used: " + TOO_DEEP_MESSAGE,
        ),
    ],
    ids=["value-5000-nines", "value-100000-brackets", "patch-5000-nines", "patch-100000-brackets"],
)
def test_text_outside_the_bounds_gets_a_message_from_the_click_and_costs_nothing(texts, expected):
    dash = Dashboard("easy")
    ed = next(w for w in _walk(dash.widget) if isinstance(w, FixEditor))
    before = dash.episode.transcript()
    ed.set_state({"submits": 1, **texts})  # as the browser's click message arrives
    assert ed.handled == 1
    assert dash._message == (expected + " No step was used.", "error")
    assert expected in dash.render_text()
    assert dash.episode.steps == 0 and dash.episode.actions == ()
    assert dash.episode.transcript() == before
    ed.set_state({"submits": 2, "key": "timeout_s", "value": "30", "patch": ""})
    assert dash.episode.actions == (adb.Action.submit_fix("payment_client", {"timeout_s": 30}),)


def test_after_finish_the_editor_is_locked_and_a_late_submit_changes_nothing():
    dash = Dashboard("easy")
    dash.finish()
    ed = next(w for w in _walk(dash.widget) if isinstance(w, FixEditor))
    assert ed.disabled
    ed.set_state({"submits": 1, "key": "timeout_s", "value": "30"})
    assert dash.episode.steps == 0


def _walk(root):
    yield root
    for child in getattr(root, "children", ()):
        yield from _walk(child)


def test_a_blocked_editor_sends_nothing_and_says_why():
    seen = []
    editor = FixEditor(on_submit=lambda *texts: seen.append(texts))
    editor.target = "payment_gateway"
    editor.blocked_reason = "payment_gateway is external."
    editor.press_submit(key="timeout", value="30")
    assert seen == [] and editor.submits == 0 and not editor.submit_enabled
    assert editor.target_text() == (
        "Fix for: payment_gateway. Submit is off: payment_gateway is external."
    )
    editor.blocked_reason = ""
    editor.press_submit(key="timeout", value="30")
    assert seen == [("timeout", "30", "")]


def test_the_placeholders_name_the_labs_keys_and_give_no_fix_away():
    editor = FixEditor()
    assert editor.key_placeholder == "e.g. timeout or headers.Authorization"
    fixes = {
        json.dumps(value)
        for task in adb.TASKS
        for seed in (None, 1, 2, 3)
        for issue in adb.load_scenario(task, seed).issues
        for value in _leaf_values(issue.reference_fix)
        if not isinstance(value, (bool, int))  # 30 or true are JSON forms, not answers
    }
    shown = editor.value_placeholder + editor.patch_placeholder
    assert [f for f in sorted(fixes) if f in shown] == []


def _leaf_values(value):
    if hasattr(value, "items"):
        for inner in value.values():
            yield from _leaf_values(inner)
    else:
        yield list(value) if isinstance(value, tuple) else value
