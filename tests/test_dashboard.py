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
from apidebug_nb.views.graph_text import graph_text
from apidebug_nb.views.panels import image_html

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
            assert graph.value == image_html(
                graph_png(ep, action.service), graph_text(ep, action.service), "the service graph"
            )
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
    again = {"adb-btn-again-same", "adb-btn-again-new"}
    for w in widgets(dash.widget):
        if isinstance(w, W.Button):
            assert w.disabled != bool(again & set(w._dom_classes)), w.description
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
    click(dash, "adb-btn-confirm")
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
    first, rest = data["text/plain"].split("\n", 1)
    assert first == "Run this cell to start the dashboard. Until then, its state in words:"
    assert rest == dash.render_text()
    assert "application/vnd.jupyter.widget-view+json" in data


# -- a dashboard that never misleads ---------------------------------------------------------


def confirm_box(dash: Dashboard) -> W.Widget:
    return by_class(dash, "adb-confirm")


def test_reveal_asks_first_and_cancel_costs_nothing():
    dash = Dashboard("easy")
    click(dash, "adb-btn-reveal")
    assert dash.pending == "reveal" and dash.episode.steps == 0
    assert confirm_box(dash).layout.display == "flex"
    assert by_class(dash, "adb-btn-confirm").description == "Yes, reveal"
    assert "cannot be undone" in by_class(dash, "adb-confirm-text").value
    click(dash, "adb-btn-cancel")
    assert dash.pending is None and dash.episode.steps == 0
    assert confirm_box(dash).layout.display == "none"
    assert "no step was used" in by_class(dash, "adb-message").value
    click(dash, "adb-btn-reveal")
    click(dash, "adb-btn-confirm")
    assert [a.kind for a in dash.episode.actions] == ["reveal"]
    assert "Revealed:" in by_class(dash, "adb-message").value
    assert confirm_box(dash).layout.display == "none"


def test_finish_asks_first_and_another_action_withdraws_the_question():
    dash = Dashboard("easy")
    click(dash, "adb-btn-finish")
    assert dash.pending == "finish"
    assert by_class(dash, "adb-finish").layout.display == "none"
    click(dash, "adb-btn-logs")  # doing something else is a "no"
    assert dash.pending is None and confirm_box(dash).layout.display == "none"
    assert dash.episode.steps == 1
    click(dash, "adb-btn-finish")
    assert by_class(dash, "adb-btn-confirm").description == "Yes, finish and grade"
    click(dash, "adb-btn-confirm")
    assert by_class(dash, "adb-finish").layout.display == "flex"
    assert "finished early and graded at step 1" in by_class(dash, "adb-header").value


def test_start_again_on_the_same_incident_or_the_next_variant():
    dash = Dashboard("easy")
    same, new = by_class(dash, "adb-btn-again-same"), by_class(dash, "adb-btn-again-new")
    dash.inspect_logs("payment_client")
    dash.finish()
    assert not same.disabled and not new.disabled
    click(dash, "adb-btn-again-same")
    assert dash.episode.scenario.id == "easy" and dash.episode.steps == 0
    assert by_class(dash, "adb-finish").layout.display == "none"
    assert not by_class(dash, "adb-btn-logs").disabled and not editor(dash).disabled
    assert "status: in progress" in by_class(dash, "adb-header").value
    assert dash.inspect_logs("payment_client") is not None  # it plays again
    dash.finish()
    click(dash, "adb-btn-again-new")
    assert dash.episode.scenario.id == "easy-1" and dash.episode.steps == 0
    dash.start_again(new_variant=True)
    assert dash.episode.scenario.id == "easy-2"


def test_start_again_keeps_saving_to_the_same_file(tmp_path):
    path = tmp_path / "progress.json"
    dash = Dashboard("easy", autosave=path)
    dash.inspect_logs("payment_client")
    dash.finish()
    dash.start_again()
    assert json.loads(path.read_text())["actions"] == []
    dash.hint()
    assert len(json.loads(path.read_text())["actions"]) == 1


def test_a_scenario_outside_the_tasks_has_no_new_variant():
    dash = Dashboard(adb.generate_scenario(2, 1, seed=2))
    dash.finish()
    assert by_class(dash, "adb-btn-again-new").disabled
    with pytest.raises(ValueError, match="not a built-in task"):
        dash.start_again(new_variant=True)
    assert dash.episode.scenario.id == "generated-2x1-2"
    dash.start_again()
    assert dash.episode.steps == 0


def test_config_panel_says_when_a_fix_changed_the_config_since():
    dash = Dashboard("easy")
    dash.inspect_config("payment_client")
    assert "As of step" not in by_class(dash, "adb-config").value
    dash.submit_fix("payment_client", {"timeout": 9})
    config = html_module.unescape(by_class(dash, "adb-config").value)
    assert "As of step 1: the config changed since (step 2). Show config again to see it." in config
    dash.inspect_config("payment_client")
    assert "As of step" not in by_class(dash, "adb-config").value


def test_config_of_one_service_beside_the_selection_of_another_says_so():
    dash = Dashboard("easy")
    dash.inspect_config("payment_gateway")
    dash.select("payment_client")
    assert "Not the selected service (payment_client)." in by_class(dash, "adb-config").value
    assert "The logs beside" not in by_class(dash, "adb-config").value


def test_config_beside_the_logs_of_another_service_says_so():
    dash = Dashboard("easy")
    dash.inspect_config("payment_gateway")
    dash.inspect_logs("payment_client")
    config = by_class(dash, "adb-config").value
    assert "The logs beside are of payment_client." in config
    dash.inspect_logs("payment_gateway")
    assert "The logs beside" not in by_class(dash, "adb-config").value


def test_log_and_endpoint_panels_say_they_show_an_older_look():
    dash = Dashboard("easy")
    dash.inspect_logs("payment_client")
    dash.inspect_endpoint("payment_client")
    logs = html_module.unescape(by_class(dash, "adb-logs").value)
    assert "As of step 1: new lines since. Inspect logs again to read them." in logs
    assert "As of step" not in by_class(dash, "adb-response").value
    dash.submit_fix("payment_client", {"timeout": 9})
    response = html_module.unescape(by_class(dash, "adb-response").value)
    assert "As of step 2: a config changed since (step 3)." in response


def test_fix_editor_names_its_target_and_refuses_external_services():
    dash = Dashboard("easy")
    fix_editor = editor(dash)
    assert fix_editor.target == "payment_client" and fix_editor.submit_enabled
    assert fix_editor.target_text() == "Fix for: payment_client"
    dash.select("payment_gateway")
    assert fix_editor.target == "payment_gateway" and not fix_editor.submit_enabled
    assert fix_editor.blocked_reason == (
        "payment_gateway is external: its config is the contract, read only. "
        "Pick one of your services to fix."
    )
    # A submit that was already on its way when the picker changed costs nothing either.
    submit_form(dash, "timeout", "30")
    assert dash.episode.steps == 0
    assert "payment_gateway is external" in by_class(dash, "adb-message").value
    dash.select("payment_client")
    assert fix_editor.blocked_reason == "" and fix_editor.submit_enabled


def test_a_json_error_is_quoted_with_a_caret_under_the_spot():
    dash = Dashboard("easy")
    submit_form(dash, patch='{"timeout": 30 "retries": 2}')
    message = by_class(dash, "adb-message").value
    assert "Expecting &#x27;,&#x27; delimiter at line 1 column 16" in message
    caret = message.split("<pre class='adb-caret'")[1].split(">", 1)[1].split("</pre>")[0]
    assert caret == "{&quot;timeout&quot;: 30 &quot;retries&quot;: 2}\n               ^"
    assert dash.episode.steps == 0


def test_the_live_graph_carries_its_text_twin_as_alt_text():
    dash = Dashboard("easy")
    value = by_class(dash, "adb-graph").value
    alt = html_module.unescape(value.split('alt="')[1].split('"')[0])
    assert alt == graph_text(dash.episode, "payment_client")
    assert alt.startswith("Service health: 0 of 2 problems fixed")


def test_finish_chart_greys_process_credit_the_fix_gate_zeroes():
    from apidebug_nb.views.grade_plot import grade_rows, plot_grade

    dash = Dashboard("easy")
    dash.inspect_logs("payment_client")
    dash.finish()
    grade = dash.episode.grade()
    assert grade.dimensions["fix"] == 0.0 and grade.score == 0.0
    rows = {label.split()[0]: (value, sentence) for label, value, sentence, _ in grade_rows(grade)}
    for name in ("strategy", "diagnosis", "efficiency"):
        assert rows[name] == (
            None,
            "not earned: process credit counts only once something is fixed",
        )
    assert rows["fix"][0] == 0.0 and rows["total"][0] == 0.0
    ax = plot_grade(grade)
    widths = {p.get_gid(): p.get_width() for p in ax.patches if p.get_gid()}
    assert widths["bar:strategy"] == widths["bar:efficiency"] == widths["bar:total"] == 0.0


def test_grade_text_has_its_own_line_height():
    dash = Dashboard("easy")
    dash.finish()
    value = by_class(dash, "adb-grade-text").value
    assert value.startswith("<div style='line-height:1.35'><pre")
    assert "line-height:1.35;margin:0" in value
