"""Scenario files: loading, validation errors with file/line/issue/field, examples, round trips."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import apidebug_nb as adb
from apidebug_nb.errors import ScenarioError
from apidebug_nb.instructor.generator import generate_scenario
from apidebug_nb.instructor.scenario_files import (
    dump_scenario_file,
    example_files,
    load_scenario_file,
    scenario_to_yaml,
)

BROKEN = Path(__file__).parent / "broken_scenarios"
MARKER = "# <- error"

# file -> (rule, fragment of the message). Each file is _valid_base.yaml with one
# change (its first line says which); the fragment is what an author must read.
EXPECTED = {
    "already_satisfied.yaml": ("already-satisfied", "already passes on the broken config"),
    "bad_clock.yaml": ("bad-clock", "'yesterday at nine' is not an ISO date-time"),
    "bad_edge.yaml": ("shape", "an edge is [caller, callee], got ['stock_service']"),
    "bad_log_level.yaml": ("shape", "unknown log level 'FATAL'; levels: DEBUG, INFO, WARN, ERROR"),
    "bad_requests.yaml": ("shape", "requests (per step) must be from 1 to 10,000, got 0"),
    "bad_regex.yaml": ("bad-rule", "bad regex 'https://stock.example/(v2'"),
    "bad_rule_operator.yaml": ("bad-rule", "unknown rule operator 'one_of'"),
    "binary_value.yaml": (
        "shape",
        "field 'services[2].config.engine': a value of type bytes is not a JSON value",
    ),
    "duplicate_issue.yaml": ("duplicate-issue", "issue id is used twice"),
    "duplicate_key.yaml": ("duplicate-key", "the key 'max_steps' appears twice"),
    "duplicate_service.yaml": ("duplicate-service", "service 'stock_service' is defined twice"),
    "empty.yaml": ("shape", "the file is empty"),
    "empty_fix.yaml": ("bad-fix", "not a valid patch: the fix is empty"),
    "empty_hint.yaml": ("hint-leak", "every hint level needs text"),
    "fix_does_not_resolve.yaml": (
        "fix-does-not-resolve",
        "the reference fix does not satisfy the issue's own check",
    ),
    "fixes_conflict.yaml": ("fixes-conflict", "the reference fix of 'content_type' undoes it"),
    "hint_leaks_number.yaml": ("hint-leak", "gives away the answer value 10"),
    "hint_leaks_string.yaml": ("hint-leak", "gives away the answer value 'application/json'"),
    "hostile_apply_tag.yaml": ("unsafe-yaml", "tag !!python/object/apply:os.system is not allowed"),
    "hostile_name_tag.yaml": ("unsafe-yaml", "tag !!python/name:os.system is not allowed"),
    "hostile_object_new.yaml": (
        "unsafe-yaml",
        "tag !!python/object/new:subprocess.Popen is not allowed",
    ),
    "max_steps_not_integer.yaml": ("shape", "must be an integer, got 'twelve'"),
    "missing_hint_level.yaml": ("shape", "hints is missing required field 'contract'"),
    "missing_issues.yaml": ("shape", "missing required field 'issues'"),
    "nan_number.yaml": (
        "shape",
        "max_processing_ms': nan is not a usable number: numbers must be finite",
    ),
    "no_flow.yaml": (
        "no-flow",
        "no flow sends requests over shop_api -> stock_service, so this problem could never show",
    ),
    "not_editable.yaml": (
        "not-editable",
        "the fix belongs to 'stock_service', which is not editable",
    ),
    "not_utf8.yaml": ("unreadable", "not UTF-8"),
    "old_format.yaml": ("old-format", "format 1 is no longer supported: evidence is now derived"),
    "self_dependency.yaml": ("dependency-cycle", "an issue cannot depend on itself"),
    "toml_syntax.toml": ("toml-syntax", "TOML syntax error"),
    "toml_unknown_service.toml": ("unknown-service", "unknown service 'shop'"),
    "too_few_steps.yaml": ("too-few-steps", "max_steps 4 is below the 6 steps"),
    "top_is_list.yaml": ("shape", "a scenario must be a mapping, got list"),
    "unknown_category.yaml": ("shape", "unknown category 'security'"),
    "unknown_dependency.yaml": ("unknown-dependency", "depends on unknown issue 'uri'"),
    "unknown_edge.yaml": (
        "unknown-edge",
        "hop shop_api -> warehouse_db is not an edge of the call graph",
    ),
    "unknown_edge_service.yaml": ("unknown-service", "names unknown service 'warehouse'"),
    "unknown_failure.yaml": ("unknown-failure", "unknown failure kind 'too_slow'; kinds: pile_up"),
    "unknown_file_type.txt": ("file-type", "unknown file type '.txt'"),
    "unknown_issue_service.yaml": ("unknown-service", "unknown service 'shop'; services are:"),
    "unknown_placeholder.yaml": (
        "unknown-placeholder",
        "placeholder {shop_api.base_uri} names no setting in the configs",
    ),
    "unknown_rule_service.yaml": ("unknown-service", "the rule reads 'stock.base_url'"),
    "unknown_top_field.yaml": ("shape", "unknown field 'max_step' in a scenario; valid fields:"),
    "unreached_stage.yaml": (
        "unreached-stage",
        "no request reaches the gone check on shop_api -> stock_service",
    ),
    "wrong_mask.yaml": (
        "wrong-mask",
        "declared depends_on [content_type], but the pipeline masks it behind: nothing",
    ),
    "yaml_syntax.yaml": ("yaml-syntax", "YAML syntax error"),
    "yes_no_key.yaml": (
        "shape",
        "services[2].config': key True is not a string (JSON keys are strings; YAML",
    ),
}


def _marked_line(path: Path) -> int | None:
    lines = path.read_bytes().decode("latin-1").splitlines()
    return next((n for n, text in enumerate(lines, 1) if text.rstrip().endswith(MARKER)), None)


def test_the_table_covers_every_broken_file():
    files = {p.name for p in BROKEN.iterdir() if not p.name.startswith("_")}
    assert files == set(EXPECTED)
    assert len(files) >= 25


def test_the_base_of_the_broken_files_is_valid_in_yaml_and_toml():
    yaml_sc = load_scenario_file(BROKEN / "_valid_base.yaml")
    toml_sc = load_scenario_file(BROKEN / "_valid_base.toml")
    assert yaml_sc.content_hash() == toml_sc.content_hash()
    assert _solved_by_oracle(yaml_sc) == 1.0


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_file_gives_its_precise_error(name):
    rule, fragment = EXPECTED[name]
    path = BROKEN / name
    with pytest.raises(ScenarioError) as info:
        load_scenario_file(path)
    exc = info.value
    assert exc.rule == rule
    assert fragment in str(exc)
    assert exc.scenario == name and str(exc).startswith(f"scenario {name!r}")
    expected_line = _marked_line(path)
    if expected_line is not None:
        assert exc.line == expected_line
        assert f"line {expected_line}" in str(exc)
    if exc.issue is not None:
        assert f"issue {exc.issue!r}" in str(exc)
    if exc.field is not None:
        assert f"field {exc.field!r}" in str(exc)


def test_hostile_yaml_is_refused_and_never_runs(tmp_path):
    witness = tmp_path / "pwned"
    path = tmp_path / "evil.yaml"
    path.write_text(f'id: !!python/object/apply:os.system ["touch {witness}"]\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario_file(path)
    assert info.value.rule == "unsafe-yaml" and info.value.line == 1
    assert not witness.exists()


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ScenarioError, match="cannot read the file") as info:
        load_scenario_file(tmp_path / "nope.yaml")
    assert info.value.rule == "unreadable"


def test_unquoted_yaml_timestamp_is_read_as_text(tmp_path):
    text = (BROKEN / "_valid_base.yaml").read_text()
    path = tmp_path / "dates.yaml"
    path.write_text(text.replace('"2026-03-14T09:00:00"', "2026-03-14T09:00:00"))
    assert load_scenario_file(path).incident_start == "2026-03-14T09:00:00"


def test_toml_without_a_parser_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tomllib", None)  # as on Python 3.10 ...
    monkeypatch.setitem(sys.modules, "tomli", None)  # ... without the backport
    with pytest.raises(ScenarioError, match="pip install tomli"):
        load_scenario_file(BROKEN / "_valid_base.toml")


# -- the shipped examples ------------------------------------------------------------------


def _solved_by_oracle(sc: adb.Scenario) -> float:
    ep = adb.Episode(sc)
    ep.reset()
    for action in adb.oracle_actions(sc):
        ep.step(action)
    assert ep.terminated
    return ep.grade().score


def test_two_examples_ship():
    assert [p.name for p in example_files()] == ["cdn_cache.yaml", "oauth_token_exchange.yaml"]


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.name)
def test_example_validates_and_the_reference_solver_scores_one(path):
    sc = load_scenario_file(path)
    assert _solved_by_oracle(sc) == 1.0
    assert any(i.depends_on for i in sc.issues), "an example should teach masking"
    assert any(not sc.service(s).editable for s in sc.services)


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.name)
def test_example_is_not_a_copy_of_a_builtin(path):
    sc = load_scenario_file(path)
    builtin_services = set()
    builtin_issues = set()
    for task in adb.TASKS:
        builtin_services |= set(adb.load_scenario(task).services)
        builtin_issues |= {i.id for i in adb.task_pool(task)}
    assert not set(sc.services) & builtin_services
    assert not set(sc.issue_ids) & builtin_issues


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.name)
def test_example_start_up_logs_quote_real_values_not_placeholders(path):
    sc = load_scenario_file(path)
    assert all("{" not in line.text for line in sc.base_logs)


# -- writing scenario files -----------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(task=st.sampled_from(adb.TASKS), seed=st.one_of(st.none(), st.integers(0, 10_000)))
def test_builtin_scenarios_round_trip_through_yaml(tmp_path_factory, task, seed):
    sc = adb.load_scenario(task, seed)
    path = dump_scenario_file(sc, tmp_path_factory.mktemp("rt") / "s.yaml")
    assert load_scenario_file(path).content_hash() == sc.content_hash()


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_generated_scenario_round_trips(tmp_path, suffix):
    sc = generate_scenario(12, 9, seed=4)
    back = load_scenario_file(dump_scenario_file(sc, tmp_path / f"g{suffix}"))
    assert back.content_hash() == sc.content_hash()


def test_example_files_are_stable_under_dump_and_load(tmp_path):
    for path in example_files():
        sc = load_scenario_file(path)
        again = load_scenario_file(dump_scenario_file(sc, tmp_path / path.name))
        assert again.content_hash() == sc.content_hash()


def test_yaml_dump_leaves_out_defaults_but_keeps_what_an_author_needs():
    text = scenario_to_yaml(load_scenario_file(example_files()[0]))
    assert "task:" not in text and "pool:" not in text
    for key in ("id:", "services:", "edges:", "issues:", "check:", "reference_fix:", "hints:"):
        assert key in text


def test_dumping_to_toml_is_refused_clearly(tmp_path):
    with pytest.raises(ValueError, match=r"written as \.yaml, \.yml or \.json"):
        dump_scenario_file(adb.load_scenario("easy"), tmp_path / "x.toml")
