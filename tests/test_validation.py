"""One broken scenario per validation rule: each gives its own, precise error.

Every case starts from the canonical ``hard`` scenario as plain data, breaks
one thing, parses it back and validates it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

import apidebug_nb as adb
from apidebug_nb.model import validation
from apidebug_nb.scenarios.parse import scenario_from_dict


def issue(data: dict, issue_id: str) -> dict:
    return next(i for i in data["issues"] if i["id"] == issue_id)


def _duplicate_service(d):
    d["services"].append(dict(d["services"][0]))


def _duplicate_issue(d):
    d["issues"].append(dict(d["issues"][2]))


def _issue_on_unknown_service(d):
    issue(d, "hard.sync_mode")["service"] = "warehouse"


def _edge_to_unknown_service(d):
    d["edges"].append(["inventory_service", "warehouse"])


def _rule_reads_unknown_service(d):
    issue(d, "hard.sync_mode")["check"] = {"eq": ["warehouse.dispatch_mode", "async"]}


def _unknown_dependency(d):
    issue(d, "hard.sync_mode")["depends_on"] = ["hard.nope"]


def _declared_mask_differs(d):
    # nothing stops a request before the gateway's route check: no issue masks it
    issue(d, "hard.deprecated_url")["depends_on"] = ["hard.timeout"]


def _self_dependency(d):
    issue(d, "hard.sync_mode")["depends_on"] = ["hard.sync_mode"]


def _not_editable(d):
    i = issue(d, "hard.sync_mode")
    i["service"] = "shipping_service"


def _unknown_operator(d):
    issue(d, "hard.sync_mode")["check"] = {"equals": ["inventory_service.dispatch_mode", "async"]}


def _bad_regex(d):
    issue(d, "hard.sync_mode")["check"] = {"matches": ["inventory_service.dispatch_mode", "(a"]}


def _fix_through_a_number(d):
    issue(d, "hard.timeout")["reference_fix"] = {"timeout_s": {"value": 10}}


def _fix_too_small(d):
    issue(d, "hard.timeout")["reference_fix"] = {"timeout_s": 5}


def _fix_leaves_setting_missing(d):
    i = issue(d, "hard.timeout")
    i["check"] = {"ge": ["order_service.timeout_ms", 8000]}
    i["reference_fix"] = {"timeout_s": 10}


def _already_satisfied(d):
    issue(d, "hard.sync_mode")["check"] = {"present": "inventory_service.dispatch_mode"}


def _hint_gives_the_value(d):
    issue(d, "hard.timeout")["hints"]["contract"] = "Set the timeout to 10 seconds."


def _hint_gives_the_token(d):
    issue(d, "hard.expired_token")["hints"]["setting"] = "Use the key ord-key-7f3a9c."


def _empty_hint(d):
    issue(d, "hard.timeout")["hints"]["nudge"] = "  "


def _fixes_conflict(d):
    # applied after the timeout's fix, it shortens the timeout again
    issue(d, "hard.token_refresh")["reference_fix"]["timeout_s"] = 2


def _too_few_steps(d):
    d["max_steps"] = 9  # five issues need an inspection and a fix each


def _bad_clock(d):
    d["incident_start"] = "yesterday at nine"


def _end_of_time(d):
    d["incident_start"] = "9999-12-31T23:59:59"


def _issue_hop_not_an_edge(d):
    issue(d, "hard.sync_mode")["hop"] = ["inventory_service", "auth_service"]


def _flow_hop_not_an_edge(d):
    d["flows"][0]["hops"][3]["callee"] = "auth_service"


def _no_flow_carries_the_hop(d):
    d["flows"][0]["hops"].pop()  # inventory_service -> shipping_service


def _stage_never_reached(d):
    # a fault answers every order 404 before the gateway looks at the API version
    d["faults"] = [{"hop": ["order_service", "api_gateway"], "failure": "not_found", "share": 1.0}]


def _unknown_placeholder(d):
    issue(d, "hard.sync_mode")["detail"] = "queue {inventory_service.queue_name} not used"


def _call_cycle(d):
    d["edges"].append([d["edges"][0][1], d["edges"][0][0]])


def _self_call(d):
    d["edges"].append([d["edges"][0][0], d["edges"][0][0]])


# (rule, break the data, issue named (None: scenario-level), field named)
CASES: list[tuple[str, Callable[[dict], None], str | None, str]] = [
    ("duplicate-service", _duplicate_service, None, "services"),
    ("duplicate-issue", _duplicate_issue, "hard.sync_mode", "id"),
    ("unknown-service", _issue_on_unknown_service, "hard.sync_mode", "service"),
    ("unknown-service", _edge_to_unknown_service, None, "edges"),
    ("unknown-service", _rule_reads_unknown_service, "hard.sync_mode", "check"),
    ("unknown-dependency", _unknown_dependency, "hard.sync_mode", "depends_on"),
    ("dependency-cycle", _self_dependency, "hard.sync_mode", "depends_on"),
    ("not-editable", _not_editable, "hard.sync_mode", "service"),
    ("bad-rule", _unknown_operator, "hard.sync_mode", "check"),
    ("bad-rule", _bad_regex, "hard.sync_mode", "check"),
    ("bad-fix", _fix_through_a_number, "hard.timeout", "reference_fix"),
    ("fix-does-not-resolve", _fix_too_small, "hard.timeout", "reference_fix"),
    ("fix-does-not-resolve", _fix_leaves_setting_missing, "hard.timeout", "reference_fix"),
    ("already-satisfied", _already_satisfied, "hard.sync_mode", "check"),
    ("hint-leak", _hint_gives_the_value, "hard.timeout", "hints.contract"),
    ("hint-leak", _hint_gives_the_token, "hard.expired_token", "hints.setting"),
    ("hint-leak", _empty_hint, "hard.timeout", "hints.nudge"),
    ("unknown-edge", _issue_hop_not_an_edge, "hard.sync_mode", "hop"),
    ("unknown-edge", _flow_hop_not_an_edge, None, "flows[0].hops[3]"),
    ("no-flow", _no_flow_carries_the_hop, "hard.sync_mode", "hop"),
    ("unreached-stage", _stage_never_reached, "hard.deprecated_url", "failure"),
    ("wrong-mask", _declared_mask_differs, "hard.deprecated_url", "depends_on"),
    ("unknown-placeholder", _unknown_placeholder, "hard.sync_mode", "detail"),
    ("fixes-conflict", _fixes_conflict, "hard.timeout", "reference_fix"),
    ("too-few-steps", _too_few_steps, None, "max_steps"),
    ("bad-clock", _bad_clock, None, "incident_start"),
    ("bad-clock", _end_of_time, None, "incident_start"),
    ("call-cycle", _call_cycle, None, "edges"),
    ("call-cycle", _self_call, None, "edges"),
]


def broken_scenario(breaker: Callable[[dict], None]) -> adb.Scenario:
    data = adb.load_scenario("hard").to_dict()
    breaker(data)
    return scenario_from_dict(data, source="hard")


@pytest.mark.parametrize(
    ("rule", "breaker", "issue_id", "field"), CASES, ids=[c[1].__name__.strip("_") for c in CASES]
)
def test_each_rule_gives_its_own_error(rule, breaker, issue_id, field):
    sc = broken_scenario(breaker)
    with pytest.raises(adb.ScenarioError) as info:
        adb.validate_scenario(sc)
    err = info.value
    message = str(err)
    assert err.rule == rule, message
    assert err.scenario == "hard" and "scenario 'hard'" in message
    assert err.field == field and f"field {field!r}" in message
    assert err.issue == issue_id
    if issue_id is not None:
        assert f"issue {issue_id!r}" in message
    # after the "where", a reason of its own
    assert len(message.split(": ", 1)[1]) > 20, message


def test_every_documented_rule_has_a_case():
    documented = set(re.findall(r"``([a-z]+(?:-[a-z]+)+)``", validation.__doc__ or ""))
    assert documented == {case[0] for case in CASES}


def test_the_unbroken_data_validates():
    # so each case above fails because of its one change, not the round trip
    assert adb.validate_scenario(broken_scenario(lambda d: None)).id == "hard"


@pytest.mark.parametrize("task", adb.TASKS)
def test_round_trip_through_plain_data(task):
    sc = adb.load_scenario(task, seed=42)
    again = scenario_from_dict(sc.to_dict())
    assert again.to_dict() == sc.to_dict()
    assert again.content_hash() == sc.content_hash()


def test_messages_say_what_is_valid():
    with pytest.raises(adb.ScenarioError, match="services are: order_service, api_gateway"):
        adb.validate_scenario(broken_scenario(_issue_on_unknown_service))
    with pytest.raises(adb.ScenarioError, match="issues are: hard.deprecated_url"):
        adb.validate_scenario(broken_scenario(_unknown_dependency))
    with pytest.raises(adb.ScenarioError, match="operators are: eq, ne"):
        adb.validate_scenario(broken_scenario(_unknown_operator))
    with pytest.raises(adb.ScenarioError, match="ISO date-time"):
        adb.validate_scenario(broken_scenario(_bad_clock))
    with pytest.raises(adb.ScenarioError, match=r"answer value 10\b"):
        adb.validate_scenario(broken_scenario(_hint_gives_the_value))


@pytest.mark.parametrize(
    ("breaker", "issue_id", "field"),
    [
        (lambda d: issue(d, "hard.timeout").update(colour="red"), "hard.timeout", "colour"),
        (lambda d: issue(d, "hard.timeout").pop("check"), "hard.timeout", "check"),
        (lambda d: issue(d, "hard.timeout").update(category="speed"), "hard.timeout", "category"),
        (lambda d: issue(d, "hard.timeout").update(hop=["order_service"]), "hard.timeout", "hop"),
        (lambda d: issue(d, "hard.timeout").update(failure="slow"), "hard.timeout", "failure"),
        (lambda d: d["flows"][0].update(requests=0), None, "flows[0].requests"),
        (lambda d: d.update(max_steps="forty"), None, "max_steps"),
    ],
)
def test_shape_errors_name_source_issue_and_field(breaker, issue_id, field):
    data = adb.load_scenario("hard").to_dict()
    breaker(data)
    with pytest.raises(adb.ScenarioError) as info:
        scenario_from_dict(data, source="lab3.yaml")
    err = info.value
    assert err.scenario == "lab3.yaml" and "scenario 'lab3.yaml'" in str(err)
    assert err.issue == issue_id and err.field == field and f"field {field!r}" in str(err)


def test_an_unknown_failure_kind_names_the_kinds():
    data = adb.load_scenario("hard").to_dict()
    issue(data, "hard.timeout")["failure"] = "slow"
    with pytest.raises(
        adb.ScenarioError, match="unknown failure kind 'slow'; kinds: pile_up"
    ) as info:
        scenario_from_dict(data, source="lab3.yaml")
    assert info.value.rule == "unknown-failure"


@pytest.mark.parametrize("old_field", ["symptoms", "cascade"])
def test_a_format_1_scenario_says_what_changed(old_field):
    data = adb.load_scenario("hard").to_dict()
    del data["format"]
    issue(data, "hard.timeout")[old_field] = []
    with pytest.raises(adb.ScenarioError, match="format 1 is no longer supported") as info:
        scenario_from_dict(data, source="lab3.yaml")
    assert info.value.rule == "old-format" and info.value.field == "format"
