"""Evidence derived from traffic: the acceptance properties of the traffic model.

Every built-in task x seeds 0..199 (and the example files, and generated
scenarios) is played by a fixed script: look at everything, probe every
service, then apply the reference fixes one by one, looking again after each.
The properties are checked on what the learner saw.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

import apidebug_nb as adb
from apidebug_nb.grading.agents import play
from apidebug_nb.model.simulation import Simulation, computed_masks, reached_with_only
from apidebug_nb.scenarios.builder import flow, make_issue
from apidebug_nb.scenarios.builder import service as make_service
from apidebug_nb.scenarios.records import Scenario, thaw

# The main run includes it; the Python matrix in .ci/run leaves it out (plays 600 variants through every inspection).
pytestmark = pytest.mark.slow

LINE = re.compile(
    r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (DEBUG|INFO |WARN |ERROR) ([a-z_][\w-]*) (.*)$"
)
IDS = re.compile(r"^trace=([0-9a-f]{16}) req=([0-9a-f]{8}) (.*)$")
CALLER_STATUS = re.compile(r"^\S+ \S+ -> (\d{3}) ")
CALLEE_STATUS = re.compile(r"^\S+ \S+ (\d{3})[ :]")


def _scenarios():
    for task in adb.TASKS:
        for seed in range(200):
            yield adb.load_scenario(task, seed)


def _play(sc: Scenario):
    """Run the script; return the episode and every observation in order."""
    ep = adb.Episode(sc)
    obs, _ = ep.reset()
    seen = [obs]
    services = sc.services

    def look():
        for s in services:
            seen.append(ep.step(adb.Action.inspect_logs(s))[0])

    look()
    for s in services:
        seen.append(ep.step(adb.Action.inspect_endpoint(s))[0])
    look()
    sim = Simulation.of(sc)
    for iid in sim.order:
        issue = sim.issues[iid]
        obs = ep.step(adb.Action.submit_fix(issue.service, thaw(issue.reference_fix)))[0]
        seen.append(obs)
        if ep.done:
            break
        look()
    return ep, seen


@pytest.fixture(scope="module")
def played():
    """Every scenario played once (shared by the property tests below)."""
    budgeted = []
    for sc in _scenarios():
        sc = replace(sc, max_steps=10_000)  # the script looks far more than a learner would
        budgeted.append((sc, *_play(sc)))
    return budgeted


def _logs(seen):
    """service -> the successive logs shown for it."""
    out: dict[str, list[list[str]]] = {}
    for obs in seen:
        if obs.logs:
            out.setdefault(obs.service, []).append(obs.logs)
    return out


def test_logs_are_append_only(played):
    for sc, _, seen in played:
        for service, shown in _logs(seen).items():
            for before, after in zip(shown, shown[1:], strict=False):
                assert after[: len(before)] == before, (sc.id, service)


def test_every_line_is_timestamped_and_in_order(played):
    for sc, _, seen in played:
        for service, shown in _logs(seen).items():
            stamps = []
            for line in shown[-1]:
                m = LINE.match(line)
                assert m, (sc.id, line)
                assert m.group(3) == service, (sc.id, line)
                stamps.append(m.group(1))
            assert stamps == sorted(stamps), (sc.id, service)


def _attempts(ep, sc):
    """req id -> [(service, trace, event text)] over every service's full log."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for s in sc.services:
        for line in ep.log_lines(s):
            m = LINE.match(line)
            ids = IDS.match(m.group(4))
            if ids:
                out.setdefault(ids.group(2), []).append((s, ids.group(1), ids.group(3)))
    return out


def test_one_attempt_one_failure_and_one_trace(played):
    for sc, ep, _ in played:
        for req, lines in _attempts(ep, sc).items():
            traces = {t for _, t, _ in lines}
            assert len(traces) == 1, (sc.id, req, lines)
            statuses = set()
            for _, _, text in lines:
                if m := CALLER_STATUS.match(text):
                    statuses.add(m.group(1))
                elif "client_gone" in text:
                    continue  # the callee finished after its caller gave up: no answer arrived
                elif m := CALLEE_STATUS.match(text):
                    statuses.add(m.group(1))
            # the status the caller logs is the status the callee answered
            assert len(statuses) <= 1, (sc.id, req, lines)


def test_a_trace_reaches_every_hop_of_its_request(played):
    """A retry keeps its trace id; the trace shows on both ends of every hop it reached."""
    for sc, ep, _ in played:
        by_trace: dict[str, set[str]] = {}
        for lines in _attempts(ep, sc).values():
            for service, trace, _ in lines:
                by_trace.setdefault(trace, set()).add(service)
        for req, lines in _attempts(ep, sc).items():
            services = {s for s, _, _ in lines}
            texts = " ".join(t for _, _, t in lines)
            if "not sent" in texts or "connect:" in texts:
                continue  # a request that never left its caller has one end only
            assert len(services) == 2, (sc.id, req, lines)


def test_endpoint_request_id_is_in_the_inspected_services_log(played):
    for sc, ep, seen in played:
        for obs in seen:
            if obs.response is None or obs.response.get("request_id") is None:
                continue
            log = ep.log_lines(obs.service)
            assert any(f"req={obs.response['request_id']}" in line for line in log), (
                sc.id,
                obs.service,
            )


def _spans(played):
    for sc, _, seen in played:
        for obs in seen:
            for probe in obs.probes:
                yield sc, probe["response"], probe["trace"]


def test_headers_follow_http(played):
    counted = {401: 0, 429: 0, 503: 0, 415: 0, None: 0}
    for sc, response, trace in _spans(played):
        for span in [*trace, response]:
            status, headers = span["status"], span["headers"]
            if span is response and trace and trace[0]["status"] != status:
                continue  # the entry's own answer to a failure below (502/504) has no such header
            if status == 401:
                assert "WWW-Authenticate" in headers, (sc.id, span)
            if status in (429, 503):
                assert "Retry-After" in headers, (sc.id, span)
            if status == 415:
                assert {"Accept", "Accept-Encoding"} & set(headers), (sc.id, span)
            if status is None and span is not response:
                assert span["error"], (sc.id, span)
            if status in counted:
                counted[status] += 1
    # the script meets each of these in some variant
    assert all(n > 0 for s, n in counted.items() if s != 503), counted


def _chain(slow_ms: int) -> Scenario:
    """a -> b -> c, where c is slower than b's timeout: b sits between."""
    issue = make_issue(
        id="t.timeout",
        service="b",
        title="t",
        category="networking",
        severity="error",
        check={"ge": ["b.timeout", {"ref": "c.max_processing_ms", "factor": 0.001}]},
        fix={"timeout": 10},
        hop=("b", "c"),
        failure="timeout",
        explanation="x",
        hints=("x", "y", "z"),
    )
    return Scenario(
        id="chain",
        title="chain",
        description="",
        max_steps=10,
        service_records=(
            make_service("a", "", True, {"timeout": 30}),
            make_service("b", "", True, {"timeout": 2}),
            make_service("c", "", False, {"max_processing_ms": slow_ms, "p50_processing_ms": 100}),
        ),
        edges=(("a", "b"), ("b", "c")),
        issue_records=(issue,),
        flows=(flow("GET /x", "a", 10, ("a", "b", "GET", "/x"), ("b", "c", "GET", "/y")),),
    )


def test_a_client_timeout_has_no_status_and_the_service_between_answers_504():
    ep = adb.Episode(_chain(5000))
    ep.reset()
    obs = ep.step(adb.Action.inspect_endpoint("a"))[0]
    ab, bc = obs.trace
    assert (bc["status"], bc["error"]) == (None, "timed out after 2s")
    assert ab["status"] == 504
    assert obs.response["status"] == 502  # a, an application service, answers its client 502
    assert obs.health == {"a": "error", "b": "error", "c": "error"}


def test_masking_is_what_requests_reach_in_canonical_hard():
    sc = adb.load_scenario("hard")
    ep = adb.Episode(sc)
    ep.reset()
    assert ep.issue_status()["hard.timeout"] == "masked"
    assert ep.traffic.reached["hard.timeout"] == 0  # no request gets to the process stage
    assert ep.traffic.reached["hard.deprecated_url"] == 30
    ep.step(
        adb.Action.submit_fix("order_service", {"gateway_url": "https://gateway.internal/api/v2"})
    )
    assert ep.traffic.reached["hard.expired_token"] == 30
    assert ep.traffic.reached["hard.timeout"] == 0  # the gateway refuses the token first
    ep.step(adb.Action.submit_fix("order_service", {"auth": {"key_id": "ord-key-7f3a9c"}}))
    ep.step(adb.Action.submit_fix("inventory_service", {"dispatch_mode": "async"}))
    # now 90 % carry an unexpired token, and all of them reach processing
    assert ep.traffic.reached["hard.timeout"] == 27
    assert ep.issue_status()["hard.timeout"] == "active"
    assert computed_masks(sc)["hard.timeout"] == (
        "hard.deprecated_url",
        "hard.sync_mode",
        "hard.expired_token",
    )


def test_cascades_blame_the_right_end(played):
    for sc, ep, seen in played:
        sim = Simulation.of(sc)
        for obs in seen[:3]:
            health = obs.health
            for m, groups in zip(sim.models, ep.traffic.groups, strict=True):
                for g in groups:
                    for r in g.results:
                        if not r.failed:
                            continue
                        caller = m.flow.hops[r.hop].caller
                        assert health[caller] != "healthy" or obs is not seen[-1], sc.id
    ep = adb.Episode(adb.load_scenario("easy"))
    obs, _ = ep.reset()
    # the gateway answers the client's bad requests correctly: only the client is in error
    assert obs.health == {"payment_client": "error", "payment_gateway": "healthy"}


def test_every_caller_above_a_failing_hop_is_unhealthy(played):
    for sc, ep, _ in played:
        sim = Simulation.of(sc)
        traffic = sim.traffic(ep.resolved, ep.configs)
        health = sim.health(traffic)
        for m, groups in zip(sim.models, traffic.groups, strict=True):
            for g in groups:
                failed = [r for r in g.results if r.failed]
                if failed:
                    assert health[m.flow.entry] != "healthy", sc.id
                    for r in failed:
                        assert health[m.flow.hops[r.hop].caller] != "healthy", sc.id


def test_a_rate_limit_fails_a_share_and_the_log_counts_both_outcomes():
    ep = adb.Episode(adb.load_scenario("medium"))
    ep.reset()
    (key_id,) = ep.configs["webhook_receiver"]["signing"]["accepted_key_ids"]
    ep.step(adb.Action.submit_fix("webhook_sender", {"signing": {"key_id": key_id}}))
    assert ep.issue_status()["medium.rate_limit"] == "active"
    log = ep.step(adb.Action.inspect_logs("webhook_sender"))[0].logs
    after = [line for line in log if "09:06" in line or "09:07" in line]
    text = "\n".join(after)
    # 50/s against a limit of 20/s: 60 % of 60 events a step are throttled
    assert (
        "... 35 more like this in this step: POST /webhooks/incoming -> 429 Too Many Requests"
        in text
    )
    assert "-> 201 Created" in text


def test_masks_are_computed_for_every_task():
    assert computed_masks(adb.load_scenario("easy")) == {
        "easy.missing_auth": (),
        "easy.content_type": ("easy.missing_auth",),
    }
    assert reached_with_only(adb.load_scenario("easy"), []) == {
        "easy.missing_auth": 40,
        "easy.content_type": 40,
    }


def test_baseline_agent_reads_no_message():
    """Blanking every message changes nothing the baseline agent does."""

    class Blank:
        def __init__(self, sc):
            self.ep = adb.Episode(sc)

        def reset(self, **kw):
            obs, info = self.ep.reset(**kw)
            return replace(obs, message=""), info

        def step(self, action):
            obs, *rest = self.ep.step(action)
            return (replace(obs, message=""), *rest)

    for task in ("easy", "medium", "hard"):
        for seed in (None, 1, 2, 3, 4):
            sc = adb.load_scenario(task, seed)
            plain = play(adb.BaselineAgent(), sc)
            blank = play(adb.BaselineAgent(), Blank(sc)).ep
            assert [a.to_dict() for a in plain.actions] == [a.to_dict() for a in blank.actions]
            assert plain.terminated and blank.terminated  # it still solves every one
            assert plain.grade().score == blank.grade().score


def test_a_fix_resimulates_only_what_it_can_change_and_matches_a_full_run():
    from apidebug_nb.instructor.generator import generate_scenario

    scenarios = [adb.load_scenario(t, s) for t in adb.TASKS for s in range(30)]
    scenarios += [generate_scenario(60, 12, seed=s) for s in range(3)]
    for sc in scenarios:
        ep = adb.Episode(sc)
        ep.reset()
        for action in adb.oracle_actions(sc):
            ep.step(action)
            full = ep.sim.traffic(ep.resolved, ep.configs)
            assert full.groups == ep.traffic.groups, sc.id
            assert dict(full.reached) == dict(ep.traffic.reached), sc.id
            if ep.done:
                break
