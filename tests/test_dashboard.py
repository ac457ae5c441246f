"""The dashboard, driven without a browser: clicks, values, autosave and resume."""

from __future__ import annotations

import html as html_module
import json

import ipywidgets as W
import pytest

import apidebug_nb as adb
from apidebug_nb.views.dashboard import Dashboard
from apidebug_nb.views.fix_editor import FixEditor
from apidebug_nb.views.graph_raster import graph_png

CSS_CLASSES = {
    "adb-dashboard",
    "adb-header",
    "adb-service-picker",
    "adb-btn-logs",
    "adb-btn-config",
    "adb-btn-endpoint",
    "adb-btn-hint",
    "adb-btn-reveal",
    "adb-btn-finish",
    "adb-fix-editor",
    "adb-logs",
    "adb-config",
    "adb-message",
    "adb-graph",
    "adb-hints",
    "adb-finish",
}
BUTTON_FOR = {
    "inspect_logs": "adb-btn-logs",
    "inspect_config": "adb-btn-config",
    "inspect_endpoint": "adb-btn-endpoint",
    "hint": "adb-btn-hint",
    "reveal": "adb-btn-reveal",
}


def widgets(root) -> list[W.Widget]:
    out = [root]
    for child in getattr(root, "children", ()):
        out += widgets(child)
    return out


def by_class(dash: Dashboard, css: str) -> W.Widget:
    found = [w for w in widgets(dash.widget) if css in getattr(w, "_dom_classes", ())]
    assert len(found) == 1, css
    return found[0]


def click(dash: Dashboard, css: str) -> None:
    by_class(dash, css).click()


def editor(dash: Dashboard) -> FixEditor:
    found = by_class(dash, "adb-fix-editor")
    assert isinstance(found, FixEditor)
    return found


def submit_form(dash: Dashboard, key: str = "", value: str = "", patch: str = "") -> None:
    """What a press of Submit sends: the three texts and the next count, in one message."""
    fix_editor = editor(dash)
    fix_editor.set_state(
        {"key": key, "value": value, "patch": patch, "submits": fix_editor.submits + 1}
    )


def test_every_stable_css_class_is_present_once():
    dash = Dashboard("hard")
    classes = [c for w in widgets(dash.widget) for c in getattr(w, "_dom_classes", ())]
    for css in CSS_CLASSES:
        assert classes.count(css) == 1, css


def test_every_control_is_labelled():
    dash = Dashboard("hard")
    for w in widgets(dash.widget):
        if isinstance(w, W.Button):
            assert w.description and w.tooltip
        if isinstance(w, (W.Dropdown, W.Text, W.Textarea)):
            assert w.description
    assert editor(dash).labels() == {
        "key": "Key path",
        "value": "JSON value",
        "patch": "or patch",
        "submit": "Submit fix",
    }
    assert editor(dash).submit_tooltip


def test_a_whole_hard_episode_through_clicks_and_values():
    dash = Dashboard("hard")
    ep = dash.episode
    oracle = adb.oracle_actions(ep.scenario)
    header = by_class(dash, "adb-header")
    logs = by_class(dash, "adb-logs")
    graph = by_class(dash, "adb-graph")
    finish = by_class(dash, "adb-finish")
    assert finish.layout.display == "none"
    assert "40 steps left" in header.value and "resolved 0/5" in header.value
    looked = 0
    for n, action in enumerate(oracle, start=1):
        by_class(dash, "adb-service-picker").value = action.service
        before = graph.value
        if action.kind == "submit_fix":
            submit_form(dash, patch=json.dumps(action.changes))
            # Every oracle fix resolves a problem: the picture must change.
            assert graph.value != before
            assert graph.value == graph_png(ep, action.service)
        else:
            click(dash, BUTTON_FOR[action.kind])
            obs = ep.observations[-1]
            if action.kind == "inspect_config":  # the reference solver reads each contract
                assert obs.config is not None and obs.logs == []
            else:
                assert obs.logs and all(
                    html_module.escape(line.split()[-1]) in logs.value for line in obs.logs
                )
                if action.service == "order_service":
                    looked += 1
                    if looked > 1:  # a later look marks what appeared since
                        assert "NEW" in logs.value
        assert ep.steps == n
        resolved = sum(s == "resolved" for s in ep.statuses.values())
        assert f"{40 - n} steps left" in header.value
        assert f"resolved {resolved}/5" in header.value
    assert list(ep.actions) == oracle and ep.terminated
    assert "solved" in header.value
    assert finish.layout.display != "none"
    assert ep.grade().score == 1.0
    explanations = by_class(dash, "adb-finish")
    html = " ".join(w.value for w in widgets(explanations) if isinstance(w, W.HTML))
    html = html_module.unescape(html)
    for issue in ep.scenario.issues:
        assert issue.title in html
    assert all(w.disabled for w in widgets(dash.widget) if isinstance(w, W.Button))
    assert editor(dash).disabled
    assert "Score: 1.00" in dash.render_text()


def test_key_path_and_json_value_form_applies_a_fix():
    dash = Dashboard("hard")
    dash.select("inventory_service")
    submit_form(dash, "dispatch_mode", '"async"')
    assert list(dash.episode.actions) == [
        adb.Action.submit_fix("inventory_service", {"dispatch_mode": "async"})
    ]
    assert dash.episode.issue_status()["hard.sync_mode"] == "resolved"


@pytest.mark.parametrize(
    ("key", "value", "patch", "expected"),
    [
        ("dispatch_mode", "async", "", "Text needs double quotes"),
        ("timeout_s", "{30", "", "not valid JSON"),
        ("", "", "{'timeout_s': 30}", "double quotes, not single quotes"),
        ("", "", "[1, 2]", "must be a JSON object"),
        ("", "", "", "nothing to submit"),
        ("timeout_s", "", "", "is empty"),
        ("timeout_s", "30", '{"timeout_s": 30}', "not both"),
    ],
)
def test_malformed_fix_input_costs_no_step_and_says_why(key, value, patch, expected):
    dash = Dashboard("hard")
    configs = json.dumps(dash.episode.configs, sort_keys=True)
    submit_form(dash, key, value, patch)
    assert dash.episode.steps == 0
    assert json.dumps(dash.episode.configs, sort_keys=True) == configs
    message = by_class(dash, "adb-message").value
    assert expected in message and "No step was used" in message


def test_programmatic_twins_accept_json_text_and_reject_bad_text_for_free():
    dash = Dashboard("hard")
    assert dash.submit_fix("order_service", '{"timeout_s": "x"') is None
    assert dash.episode.steps == 0
    obs = dash.submit_fix("inventory_service", '{"dispatch_mode": "async"}')
    assert obs is not None and dash.episode.steps == 1
    # order_service answers its client 502: the gateway refused the retired URL with 410
    probe = dash.inspect_endpoint("order_service")
    assert probe.response["status"] == 502 and probe.trace[-1]["status"] == 410
    assert dash.hint().message.startswith("Hint 1/3")
    assert "Revealed:" in dash.reveal().message
    assert "Hint 1/3" in by_class(dash, "adb-hints").value
    assert "HTTP 502" in by_class(dash, "adb-response").value  # with the 410 in its trace
    assert "410  &lt;-- fails here" in by_class(dash, "adb-response").value
    assert dash.inspect_config("api_gateway").config is not None
    assert "read only" in by_class(dash, "adb-config").value


def test_rejected_action_is_shown_as_a_problem_and_costs_a_step():
    dash = Dashboard("hard")
    dash.submit_fix("api_gateway", {"base_url": "x"})
    assert dash.episode.steps == 1
    message = by_class(dash, "adb-message").value
    assert "Problem:" in message and "not yours to change" in message


def test_select_marks_the_graph_and_rejects_unknown_services():
    dash = Dashboard("hard")
    graph = by_class(dash, "adb-graph")
    before = graph.value
    dash.select("shipping_service")
    assert dash.selected == "shipping_service" and graph.value != before
    assert dash.episode.steps == 0
    with pytest.raises(ValueError, match="unknown service 'nope'"):
        dash.select("nope")


def test_programming_errors_are_shown_and_raised(monkeypatch, caplog):
    dash = Dashboard("easy")

    def broken(action):
        raise RuntimeError("boom")

    monkeypatch.setattr(dash.episode, "step", broken)
    with pytest.raises(RuntimeError, match="boom"):
        dash.inspect_logs("payment_client")
    assert "Internal error: RuntimeError: boom" in by_class(dash, "adb-message").value
    by_class(dash, "adb-message").value = ""
    # A click re-raises too: ipywidgets hands it to the kernel's traceback display
    # (or, without a kernel, to the log), and the message area says what happened.
    click(dash, "adb-btn-logs")
    assert "Internal error: RuntimeError: boom" in by_class(dash, "adb-message").value
    assert "boom" in caplog.text


def test_finish_early_shows_the_grade_and_locks_the_dashboard():
    dash = Dashboard("easy")
    dash.inspect_logs("payment_client")
    click(dash, "adb-btn-finish")
    panel = by_class(dash, "adb-finish")
    assert panel.layout.display != "none"
    assert "finished early" in by_class(dash, "adb-header").value
    assert dash.inspect_logs("payment_client") is None and dash.episode.steps == 1
    assert "Score:" in dash.render_text()


def test_actions_after_the_end_are_refused_without_raising():
    dash = Dashboard("easy")
    for action in adb.oracle_actions(dash.episode.scenario):
        dash.episode.step(action)
    assert dash.hint() is None
    assert "over" in by_class(dash, "adb-message").value


def test_autosave_then_resume_rebuilds_the_identical_state(tmp_path):
    path = tmp_path / "progress.json"
    dash = Dashboard("hard", autosave=path, learner_id="ada")
    oracle = adb.oracle_actions(dash.episode.scenario)
    dash.inspect_endpoint("order_service")
    dash.submit_fix("order_service", "{oops")  # no step, nothing saved
    for action in oracle[:5]:
        if action.kind == "submit_fix":
            dash.submit_fix(action.service, action.changes)
        else:
            dash.inspect_logs(action.service)
        saved = json.loads(path.read_text())
        assert len(saved["actions"]) == dash.episode.steps
    assert sorted(p.name for p in tmp_path.iterdir()) == ["progress.json"]  # no temp files left

    again = Dashboard.resume(path)
    a, b = dash.episode, again.episode
    assert [o.to_dict() for o in a.observations] == [o.to_dict() for o in b.observations]
    assert a.grade().to_dict() == b.grade().to_dict()
    assert a.transcript()["actions"] == b.transcript()["actions"]
    assert b.learner_id == "ada"
    assert again.render_text() == dash.render_text()
    assert by_class(again, "adb-logs").value == by_class(dash, "adb-logs").value
    assert by_class(again, "adb-graph").value == by_class(dash, "adb-graph").value
    assert adb.verify(json.loads(path.read_text())).ok
    # The resumed dashboard keeps saving to the same file.
    again.hint()
    assert len(json.loads(path.read_text())["actions"]) == a.steps + 1


def test_resume_explains_a_missing_or_corrupt_file(tmp_path):
    with pytest.raises(adb.TranscriptError, match="does not exist"):
        Dashboard.resume(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "apidebug-nb-transcript", "actions": [')
    with pytest.raises(adb.TranscriptError, match="not valid JSON"):
        Dashboard.resume(bad)


def test_constructor_accepts_a_scenario_or_a_task_name_only():
    sc = adb.load_scenario("medium", seed=3)
    assert Dashboard(sc).episode.scenario is sc
    assert Dashboard("medium", seed=3).episode.scenario.content_hash() == sc.content_hash()
    with pytest.raises(adb.UnknownTaskError):
        Dashboard("impossible")
    with pytest.raises(TypeError, match="Scenario or a task name"):
        Dashboard(42)


def test_displays_as_its_root_widget_and_lazily_from_the_package():
    dash = adb.Dashboard("easy")
    bundle = dash._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == dash.widget.model_id


def test_render_text_is_deterministic_and_says_health_in_words():
    one, two = Dashboard("hard"), Dashboard("hard")
    assert one.render_text() == two.render_text()
    text = one.render_text()
    assert "✗ order_service" in text and "error" in text
    assert "! shipping_service" in text and "degraded" in text
    assert "Alerts:" in text and "POST /orders failing with 410" in text


def test_plain_text_form_of_the_displayed_dashboard_is_its_text_twin():
    dash = adb.Dashboard("easy")
    bundle = dash._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert data["text/plain"] == dash.render_text()
    assert "application/vnd.jupyter.widget-view+json" in data
