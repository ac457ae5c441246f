"""Every contract of the catalogue follows DESIGN section 1, as property tests.

The catalogue is every built-in task (``adb.TASKS``, so incidents added later
are covered without editing this file), canonical and seeded, plus the
example scenario files. For every issue of every variant:

* the reference fix's numeric settings are two-sided: 0, a negative value and
  100 times the reference never satisfy the contract, and some other value
  does (the reference is not the only answer);
* media types, auth schemes, header names and content codings in a fix are
  compared as HTTP compares them: case variants and media-type parameters
  satisfy the contract too;
* no credential in a fix is copied from a service nobody can edit;
* every status and header the simulated traffic carries matches the table of
  DESIGN section 1 (401 with WWW-Authenticate, 429/503 with Retry-After, …).

The same properties hold for generated systems (``generate_scenario(12, 6,
seed)``): their templates follow the same contract model.

The full sweeps (seeds 0..199 of the catalogue, 0..49 of the generator) are
marked ``slow``; the canonical episode and a few seeds run in the fast suite.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

import apidebug_nb as adb
from apidebug_nb.instructor.generator import generate_scenario
from apidebug_nb.instructor.scenario_files import example_files, load_scenario_file
from apidebug_nb.merge_patch import apply_merge_patch
from apidebug_nb.model.http_compare import retry_after_seconds
from apidebug_nb.model.pipeline import FAILURES
from apidebug_nb.model.rules import holds
from apidebug_nb.model.simulation import Simulation
from apidebug_nb.model.validation import leaked_value
from apidebug_nb.scenarios.records import thaw

FAST_SEEDS = (None, 0, 1, 2, 3)
ALL_SEEDS = tuple(range(200))
EXAMPLES = tuple(example_files())
GENERATED_FAST = (0, 1, 2, 3)
GENERATED_ALL = tuple(range(50))

Path = tuple[Any, ...]


# -- helpers -------------------------------------------------------------------------


def _variants(seeds: tuple[int | None, ...]) -> list[tuple[str, int | None]]:
    return [(task, seed) for task in adb.TASKS for seed in seeds]


def _scenarios(seeds: tuple[int | None, ...]) -> Iterator[Any]:
    """Every built-in task at these seeds, then the example files."""
    for task, seed in _variants(seeds):
        yield adb.load_scenario(task, seed)
    for path in EXAMPLES:
        yield load_scenario_file(path)


def _generated(seeds: tuple[int, ...]) -> Iterator[Any]:
    """Generated systems of 12 services with 6 broken contracts."""
    for seed in seeds:
        yield generate_scenario(12, 6, seed)


def _fixed_except(sc: Any, issue: Any) -> dict[str, Any]:
    """Every config with every *other* issue's reference fix applied."""
    configs = sc.configs()
    for other in sc.issue_records:
        if other.id != issue.id:
            configs[other.service] = apply_merge_patch(
                configs[other.service], thaw(other.reference_fix)
            )
    return configs


def _resolves(sc: Any, issue: Any, fix: Any) -> bool:
    configs = _fixed_except(sc, issue)
    configs[issue.service] = apply_merge_patch(configs[issue.service], fix)
    return holds(issue.check, configs)


def _leaves(value: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(value, list):
        for n, v in enumerate(value):
            yield from _leaves(v, path + (n,))
    else:
        yield path, value


def _replace(value: Any, path: Path, new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: (_replace(v, rest, new) if k == head else v) for k, v in value.items()}
    return [(_replace(v, rest, new) if n == head else v) for n, v in enumerate(value)]


def _rename_key(value: Any, path: Path, new_key: str) -> Any:
    """``value`` with the dict key at ``path`` (a key path) renamed."""
    if len(path) == 1:
        return {(new_key if k == path[0] else k): v for k, v in value.items()}
    return {k: (_rename_key(v, path[1:], new_key) if k == path[0] else v) for k, v in value.items()}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _issues(scenarios: Iterator[Any]) -> Iterator[tuple[Any, Any, Any]]:
    """(scenario, issue, reference fix as plain data) for every issue of every scenario."""
    for sc in scenarios:
        for issue in sc.issue_records:
            yield sc, issue, thaw(issue.reference_fix)


# -- numeric settings are two-sided -------------------------------------------------


def _numeric_problems(scenarios: Iterator[Any]) -> list[str]:
    problems = []
    for sc, issue, fix in _issues(scenarios):
        assert _resolves(sc, issue, fix), f"{sc.id}: {issue.id}'s reference fix does not resolve"
        for path, value in _leaves(fix):
            if not _is_number(value):
                continue
            for wrong in (0, -abs(value) or -1, value * 100):
                if _resolves(sc, issue, _replace(fix, path, wrong)):
                    problems.append(f"{sc.id}: {issue.id} accepts {path} = {wrong}")
            if any(isinstance(p, int) for p in path):
                continue  # a list member (a status to retry on) may be the only answer
            others = [value + 1, value - 1, value * 1.1, value * 0.9, value * 2, value / 2]
            if isinstance(value, int):
                others = [round(x) for x in others]
            others = [x for x in others if x != value]
            if not any(_resolves(sc, issue, _replace(fix, path, x)) for x in others):
                problems.append(f"{sc.id}: {issue.id} accepts only {path} = {value}")
    return problems


def test_numeric_settings_are_two_sided_canonical_and_examples():
    assert _numeric_problems(_scenarios(FAST_SEEDS)) == []


@pytest.mark.slow
def test_numeric_settings_are_two_sided_in_every_variant():
    assert _numeric_problems(_scenarios(ALL_SEEDS)) == []


def test_numeric_settings_are_two_sided_in_generated_systems():
    assert _numeric_problems(_generated(GENERATED_FAST)) == []


@pytest.mark.slow
def test_numeric_settings_are_two_sided_in_every_generated_system():
    assert _numeric_problems(_generated(GENERATED_ALL)) == []


def test_the_harmful_values_of_the_issue_are_refused_by_hand():
    """The cases the review found accepted, one by one (literal values)."""
    easy = adb.load_scenario("easy", None)
    hard = adb.load_scenario("hard", None)
    medium = adb.load_scenario("medium", None)
    timeout = adb.task_pool("easy")
    timeout_issue = next(i for i in timeout if i.id == "easy.timeout")
    assert not _resolves(easy, timeout_issue, {"timeout": 86400})
    rate = next(i for i in medium.issue_records if i.id == "medium.rate_limit")
    assert not _resolves(medium, rate, {"send_rate_per_s": 0})
    retry = next(i for i in medium.issue_records if i.id == "medium.retry_policy")
    good = thaw(retry.reference_fix)
    storm = {"retry": {**good["retry"], "max_retries": 1000, "backoff_s": 0.001}}
    assert not _resolves(medium, retry, storm)
    constant = {"retry": {**good["retry"], "multiplier": 1}}
    assert not _resolves(medium, retry, constant)  # constant backoff is not exponential
    # the broken policy waits nothing, never grows and has no jitter: the old answer
    # (more retries, a 2 s wait, 429 retried) leaves it a constant backoff
    assert medium.service("webhook_sender").config["retry"]["multiplier"] == 1
    old = {"retry": {"max_retries": 3, "backoff_s": 2, "retry_on": [429, 502, 503]}}
    assert not _resolves(medium, retry, old)
    no_retry_after = {"retry": {**good["retry"], "honour_retry_after": False}}
    assert not _resolves(medium, retry, no_retry_after)
    breaker = next(i for i in adb.task_pool("hard") if i.id == "hard.circuit_breaker")
    assert not _resolves(
        hard, breaker, {"circuit_breaker": {"enabled": True, "failure_threshold": 10**9}}
    )


def _loosened(path: str, service: str, change: dict[str, Any]) -> list[str]:
    """Issues of an example that an edit of the provider side leaves or makes broken."""
    sc = next(load_scenario_file(p) for p in EXAMPLES if p.name == path)
    configs = sc.configs()
    for issue in sc.issue_records:
        configs[issue.service] = apply_merge_patch(
            configs[issue.service], thaw(issue.reference_fix)
        )
    assert all(holds(i.check, configs) for i in sc.issue_records)  # all fixed first
    configs[service] = apply_merge_patch(configs[service], change)
    return sorted(i.id for i in sc.issue_records if not holds(i.check, configs))


def test_loosening_the_provider_side_of_an_example_is_a_regression():
    cdn, oauth = "cdn_cache.yaml", "oauth_token_exchange.yaml"
    assert _loosened(cdn, "storefront_origin", {"vary_header": "Host"}) == ["cdn.cache_key"]
    assert _loosened(cdn, "storefront_origin", {"max_age_s": 86400}) == ["cdn.stale_ttl"]
    assert _loosened(oauth, "profile_api", {"jwt": {"audience": "profile-service"}}) == [
        "oauth.audience"
    ]
    assert _loosened(oauth, "profile_api", {"required_scope": "openid"}) == ["oauth.scope"]


# -- HTTP compared as HTTP compares it ------------------------------------------------

_MEDIA_TYPE = re.compile(r"^[A-Za-z]+/[A-Za-z0-9.+\-]+$")
_AUTH = re.compile(r"^(Bearer|Basic|Digest) (\S+)$")


def _http_variants(fix: Any) -> Iterator[tuple[str, Any]]:
    """(what, fix variant) for every media type, auth scheme, header name and coding."""
    for path, value in _leaves(fix):
        keys = [p for p in path if isinstance(p, str)]
        last = keys[-1].lower() if keys else ""
        in_headers = len(path) >= 2 and str(path[-2]).lower() == "headers"
        if in_headers:
            for name in (path[-1].lower(), path[-1].upper()):
                yield f"header name {name}", _rename_key(fix, path, name)
        if not isinstance(value, str):
            continue
        if _MEDIA_TYPE.match(value):
            for v in (value.upper(), value.title(), f"{value}; charset=utf-8", f"{value};q=1"):
                yield f"media type {v}", _replace(fix, path, v)
        if m := _AUTH.match(value):
            for scheme in (m.group(1).lower(), m.group(1).upper()):
                yield f"auth scheme {scheme}", _replace(fix, path, f"{scheme} {m.group(2)}")
        header_value = last == "header" or last.endswith("_header") or last.endswith("headers")
        if header_value and not in_headers:
            for v in (value.lower(), value.upper()):
                yield f"header name {v}", _replace(fix, path, v)
        if "encoding" in last or last == "compression":
            yield f"content coding {value.upper()}", _replace(fix, path, value.upper())


def _case_problems(scenarios: Iterator[Any]) -> tuple[list[str], int]:
    problems, seen = [], 0
    for sc, issue, fix in _issues(scenarios):
        for what, variant in _http_variants(fix):
            seen += 1
            if not _resolves(sc, issue, variant):
                problems.append(f"{sc.id}: {issue.id} refuses {what}")
    return problems, seen


def test_case_variants_and_parameters_resolve_canonical_and_examples():
    problems, seen = _case_problems(_scenarios(FAST_SEEDS))
    assert problems == []
    assert seen >= 20  # the catalogue does set media types, schemes and header names


@pytest.mark.slow
def test_case_variants_and_parameters_resolve_in_every_variant():
    problems, _ = _case_problems(_scenarios(ALL_SEEDS))
    assert problems == []


def test_case_variants_and_parameters_resolve_in_generated_systems():
    problems, seen = _case_problems(_generated(GENERATED_FAST))
    assert problems == []
    assert seen >= 10  # generated fixes set media types, codings and header names


@pytest.mark.slow
def test_case_variants_and_parameters_resolve_in_every_generated_system():
    problems, _ = _case_problems(_generated(GENERATED_ALL))
    assert problems == []


def test_case_variants_by_hand():
    easy = adb.load_scenario("easy", None)  # missing_auth and content_type
    auth, ctype = easy.issue_records
    key = easy.service("payment_client").config["api_key"]
    assert key == "sk_live_51hq7xa9"
    assert _resolves(easy, auth, {"headers": {"authorization": f"bearer {key}"}})
    assert not _resolves(easy, auth, {"headers": {"authorization": f"bearer {key.upper()}"}})
    for value in ("application/JSON", "application/json; charset=utf-8", "Application/Json"):
        assert _resolves(easy, ctype, {"headers": {"content-type": value}}), value
    assert not _resolves(easy, ctype, {"headers": {"content-type": "application/jsonp"}})


# -- credentials are never copied from the provider -----------------------------------

_CREDENTIAL_NAME = re.compile(
    r"(token|secret|password|passwd|signature|authorization|api_?key|private_?key|credential)s?$"
)
_PUBLIC_SUFFIX = ("_id", "_ids", "_ref", "_url", "_header", "_method", "_methods", "_scheme")


def _credentials(fix: Any) -> Iterator[str]:
    for path, value in _leaves(fix):
        if not isinstance(value, str) or not value.strip():
            continue
        name = next((str(p).lower() for p in reversed(path) if isinstance(p, str)), "")
        if name.endswith(_PUBLIC_SUFFIX):
            continue
        if _CREDENTIAL_NAME.search(name) or name == "key" or _AUTH.match(value):
            yield value
            if m := _AUTH.match(value):
                yield m.group(2)


def _copied(scenarios: Iterator[Any]) -> tuple[list[str], int]:
    problems, seen = [], 0
    for sc, issue, fix in _issues(scenarios):
        for secret in _credentials(fix):
            seen += 1
            for svc in sc.service_records:
                if svc.editable:
                    continue
                for path, value in _leaves(thaw(svc.config)):
                    if isinstance(value, str) and secret in value:
                        problems.append(f"{sc.id}: {issue.id}'s {secret!r} is in {svc.name}{path}")
    return problems, seen


def test_no_credential_is_copied_from_a_provider_canonical_and_examples():
    problems, seen = _copied(_scenarios(FAST_SEEDS))
    assert problems == []
    assert seen >= 3  # the check does find the credentials of the fixes


@pytest.mark.slow
def test_no_credential_is_copied_from_a_provider_in_every_variant():
    problems, _ = _copied(_scenarios(ALL_SEEDS))
    assert problems == []


def _secrets_held(scenarios: Iterator[Any]) -> list[str]:
    """Credential-like values anywhere in a generated system: none, fix or config."""
    problems = []
    for sc in scenarios:
        problems += _copied(iter([sc]))[0]
        for svc in sc.service_records:
            problems += [f"{sc.id}: {svc.name} holds {s!r}" for s in _credentials(thaw(svc.config))]
        for issue in sc.issue_records:
            held = list(_credentials(thaw(issue.reference_fix)))
            problems += [f"{sc.id}: {issue.id}'s fix sets {s!r}" for s in held]
    return problems


def test_generated_systems_name_keys_by_id_and_hold_no_secret():
    """Providers publish key ids, issuer and audience; a fix is the client's key reference."""
    assert _secrets_held(_generated(GENERATED_FAST)) == []
    for sc in _generated(GENERATED_FAST):
        configs = sc.configs()
        for issue in sc.issue_records:
            if issue.failure in ("invalid_token", "invalid_signature"):
                caller, callee = issue.hop
                block = thaw(issue.reference_fix)["upstreams"][callee]
                contract = configs[callee]["auth" if "auth" in block else "signing"]
                key_id = (block.get("auth") or block["signing"])["key_id"]
                assert key_id in contract["accepted_key_ids"], (sc.id, issue.id)


@pytest.mark.slow
def test_every_generated_system_holds_no_secret():
    assert _secrets_held(_generated(GENERATED_ALL)) == []


def test_the_credential_detector_sees_what_it_must():
    fix = {
        "headers": {"Authorization": "Bearer abc123"},
        "signing": {"secret": "whsec_1", "key_id": "whk_1", "header": "X-Signature"},
        "auth": {"token": "tok_1", "client_secret_ref": "vault://x"},
        "api_key": "sk_1",
    }
    assert sorted(_credentials(fix)) == ["Bearer abc123", "abc123", "sk_1", "tok_1", "whsec_1"]


# -- statuses and headers read from the simulated traffic ---------------------------


def _table_problems(sc: Any) -> tuple[list[str], set[int | None]]:
    """Check every failing answer of every hop against DESIGN section 1's table."""
    sim = Simulation.of(sc)
    problems: list[str] = []
    statuses: set[int | None] = set()
    states = [sc.configs()] + [_fixed_except(sc, i) for i in sc.issue_records]
    for configs in states:
        traffic = sim.traffic(sim.resolved_set(configs), configs)
        for m, groups in zip(sim.models, traffic.groups, strict=True):
            for g in groups:
                for r in g.results:
                    if r.failure is None or r.failure == "upstream":
                        continue
                    where = f"{sc.id} {m.flow.hops[r.hop].edge} {r.failure}"
                    statuses.add(r.status)
                    problems += [f"{where}: {p}" for p in _answer_problems(sim, m, r, configs)]
    return problems, statuses


def _answer_problems(sim: Any, m: Any, r: Any, configs: Any) -> Iterator[str]:
    f = FAILURES[r.failure]
    headers = sim.renderer.headers(m, r, configs)
    names = {k.lower(): v for k, v in headers.items()}
    status = r.status
    for name, value in headers.items():
        if "{" in value or not value.strip():
            yield f"header {name} is not filled in: {value!r}"
    if status is None:
        if not sim.renderer.error(m, r, configs):
            yield "no answer and no error text"
        return
    if f.wrong_outcome:
        if not 200 <= status < 300:
            yield f"a wrong outcome answers {status}, not a 2xx"
        return
    auth = names.get("www-authenticate", "")
    if status == 401:
        if not auth:
            yield "401 without WWW-Authenticate"
        elif r.failure == "missing_credentials" and "error=" in auth:
            yield "401 for missing credentials names an error"
        elif (
            r.failure in ("invalid_token", "expired_token") and 'error="invalid_token"' not in auth
        ):
            yield "401 for a bad token lacks error=invalid_token"
    if status == 403 and f.stage == "authenticate" and 'error="insufficient_scope"' not in auth:
        yield "403 lacks WWW-Authenticate error=insufficient_scope"
    if status == 405 and not names.get("allow"):
        yield "405 without Allow"
    if status in (429, 503):
        after = names.get("retry-after")
        if after is None or retry_after_seconds(after) is None:
            yield f"{status} without a valid Retry-After: {after!r}"
    if status == 415 and not (names.get("accept") or names.get("accept-encoding")):
        yield "415 without Accept or Accept-Encoding"
    if (status == 410) != (r.failure == "gone"):
        yield "410 is for a retired version, and a retired version answers 410"
    if f.stage == "route" and status < 400 and not ({"deprecation", "sunset"} <= set(names)):
        yield "a deprecated version answers without Deprecation and Sunset"
    if f.stage == "negotiate" and "encoding" in r.failure and status != 415:
        yield f"an undecodable content coding answers {status}, not 415"


def _table(scenarios: Iterator[Any]) -> tuple[list[str], set[int | None]]:
    problems: list[str] = []
    statuses: set[int | None] = set()
    for sc in scenarios:
        p, s = _table_problems(sc)
        problems += p
        statuses |= s
    return problems, statuses


def test_statuses_and_headers_follow_the_table_canonical_and_examples():
    problems, statuses = _table(_scenarios(FAST_SEEDS))
    assert problems == []
    # the sweep did meet the statuses the table speaks of
    assert {None, 201, 401, 403, 404, 405, 410, 415, 429, 503} <= statuses


@pytest.mark.slow
def test_statuses_and_headers_follow_the_table_in_every_variant():
    problems, _ = _table(_scenarios(ALL_SEEDS))
    assert problems == []


def test_statuses_and_headers_follow_the_table_in_generated_systems():
    problems, statuses = _table(_generated(GENERATED_FAST))
    assert problems == []
    assert {None, 201, 401, 410, 415, 429} <= statuses


@pytest.mark.slow
def test_statuses_and_headers_follow_the_table_in_every_generated_system():
    problems, _ = _table(_generated(GENERATED_ALL))
    assert problems == []


def _hint_leaks(scenarios: Iterator[Any]) -> list[str]:
    problems = []
    for sc, issue, fix in _issues(scenarios):
        for level, text in zip(("nudge", "setting", "contract"), issue.hints.levels(), strict=True):
            if (value := leaked_value(text, fix)) is not None:
                problems.append(f"{sc.id}: {issue.id}'s {level} hint names {value!r}")
    return problems


def test_hints_never_name_the_answer_value():
    assert _hint_leaks(_scenarios(FAST_SEEDS)) == []
    assert _hint_leaks(_generated(GENERATED_FAST)) == []


@pytest.mark.slow
def test_hints_never_name_the_answer_value_in_any_generated_system():
    assert _hint_leaks(_generated(GENERATED_ALL)) == []


def test_retired_is_not_called_deprecated():
    for sc in (*_scenarios(FAST_SEEDS), *_generated(GENERATED_FAST)):
        for issue in sc.issue_records:
            if issue.failure == "gone":
                assert "deprecated" not in issue.title.lower(), (sc.id, issue.id)
                assert "retired" in issue.explanation.lower(), (sc.id, issue.id)
                assert "deprecated" not in issue.hints.contract.lower(), (sc.id, issue.id)
        for svc in sc.service_records:
            assert "deprecated_base_urls" not in svc.config, (sc.id, svc.name)


# -- the recast answers, read from an episode's evidence ------------------------------


def _only_broken(sc: Any, issue_id: str) -> adb.Episode:
    """An episode of ``sc`` with every issue but ``issue_id`` fixed by its reference fix."""
    ep = adb.Episode(sc)
    ep.reset()
    for issue in sc.issue_records:
        if issue.id != issue_id:
            ep.step(adb.Action.submit_fix(issue.service, thaw(issue.reference_fix)))
    assert ep.issue_status()[issue_id] == "active"
    return ep


def _first(task: str, issue_id: str) -> Any:
    return next(
        sc for sc in (adb.load_scenario(task, n) for n in range(200)) if issue_id in sc.issue_ids
    )


def _failing_span(ep: adb.Episode, service: str) -> dict[str, Any]:
    obs = ep.step(adb.Action.inspect_endpoint(service))[0]
    spans = [s for p in obs.probes for s in p["trace"] if s["failing"]]
    assert spans, obs.probes
    return spans[0]


def test_gzip_the_receiver_cannot_decode_answers_415_with_accept_encoding():
    ep = _only_broken(_first("medium", "medium.gzip"), "medium.gzip")
    span = _failing_span(ep, "webhook_receiver")
    assert (span["status"], span["headers"]) == (415, {"Accept-Encoding": "identity"})


def test_missing_credentials_answer_401_with_a_challenge_and_no_error():
    ep = _only_broken(adb.load_scenario("easy"), "easy.missing_auth")
    span = _failing_span(ep, "payment_gateway")
    assert (span["status"], span["headers"]) == (
        401,
        {"WWW-Authenticate": 'Bearer realm="payment_gateway"'},
    )


def test_a_missing_scope_answers_403_insufficient_scope():
    sc = load_scenario_file(next(p for p in EXAMPLES if p.name == "oauth_token_exchange.yaml"))
    ep = _only_broken(sc, "oauth.scope")
    span = _failing_span(ep, "profile_api")
    assert (span["status"], span["headers"]) == (
        403,
        {"WWW-Authenticate": 'Bearer realm="profile_api", error="insufficient_scope"'},
    )


def test_no_idempotency_key_is_a_silent_second_201_never_a_409():
    ep = _only_broken(_first("hard", "hard.idempotency"), "hard.idempotency")
    ep.step(adb.Action.inspect_config("inventory_service"))  # a step of traffic passes
    logs = ep.step(adb.Action.inspect_logs("inventory_service"))[0].logs
    twice = [line for line in logs if "applied twice" in line]
    assert twice and all(" WARN " in line and "POST /reservations 201" in line for line in twice)
    every = [
        line for s in ep.scenario.services for line in ep.step(adb.Action.inspect_logs(s))[0].logs
    ]
    assert not [line for line in every if " 409" in line]


def test_a_token_renewed_in_time_never_meets_a_401():
    sc = _first("hard", "hard.token_refresh")
    sim = Simulation.of(sc)
    issue = sc.issue("hard.token_refresh")
    for broken in (True, False):
        configs = _fixed_except(sc, issue)
        if not broken:
            configs["order_service"] = apply_merge_patch(
                configs["order_service"], thaw(issue.reference_fix)
            )
        traffic = sim.traffic(sim.resolved_set(configs), configs)
        counts: dict[Any, int] = {}
        for m, groups in zip(sim.models, traffic.groups, strict=True):
            for g in groups:
                for r in g.results:
                    if m.flow.hops[r.hop].edge == ("order_service", "api_gateway"):
                        counts[r.status] = counts.get(r.status, 0) + g.count
        if broken:  # 10 % of the 30 orders a step meet an expired token
            assert counts.get(401) == 3, counts
        else:
            assert 401 not in counts, counts


# -- generated systems, by hand -------------------------------------------------------


def test_a_generated_timeout_is_two_sided_by_hand():
    """generate_scenario(2, 1, seed=2): vendor_001 may take 4000 ms; edge_000 retries twice
    (waits 0.5 s and 1 s) within a deadline_s of 40. So the timeout must be at least
    4.8 s and 3 x timeout + 1.5 <= 40, i.e. at most 12.83 s."""
    sc = generate_scenario(2, 1, seed=2)
    (issue,) = sc.issue_records
    assert issue.id == "timeout.edge_000.vendor_001"
    configs = sc.configs()
    assert configs["vendor_001"]["max_processing_ms"] == 4000
    assert configs["edge_000"]["deadline_s"] == 40
    retry = configs["edge_000"]["upstreams"]["vendor_001"]["retry"]
    assert (retry["max_retries"], retry["backoff_s"], retry["multiplier"]) == (2, 0.5, 2)

    def timeout(t: Any) -> dict[str, Any]:
        return {"upstreams": {"vendor_001": {"timeout_s": t}}}

    for accepted in (5, 10, 12):
        assert _resolves(sc, issue, timeout(accepted)), accepted
    for refused in (0, -10, 4, 4.7, 13, 86400):
        assert not _resolves(sc, issue, timeout(refused)), refused
    # more retries eat the budget: 12 s with 3 retries is 48 s plus the waits
    more = {"upstreams": {"vendor_001": {"timeout_s": 12, "retry": {"max_retries": 3}}}}
    assert not _resolves(sc, issue, more)


def _generated_issue(template: str) -> tuple[Any, Any]:
    """The first generated 12x6 system with a problem of ``template``, and that problem."""
    for sc in _generated(GENERATED_ALL):
        for issue in sc.issue_records:
            if issue.id.split(".", 1)[0] == template:
                return sc, issue
    raise AssertionError(f"no {template} problem in seeds 0..49")


def _on_call(issue: Any, settings: dict[str, Any]) -> dict[str, Any]:
    return {"upstreams": {issue.hop[1]: settings}}


def test_generated_resilience_settings_refuse_harmful_values_by_hand():
    sc, issue = _generated_issue("retry")
    good = thaw(issue.reference_fix)["upstreams"][issue.hop[1]]["retry"]
    assert _resolves(sc, issue, _on_call(issue, {"retry": good}))
    refused = {
        "a retry storm": {**good, "max_retries": 1000, "backoff_s": 0.001},
        "a constant backoff": {**good, "multiplier": 1},
        "no jitter": {**good, "jitter": "none"},
        "Retry-After ignored": {**good, "honour_retry_after": False},
        "429 not retried": {**good, "retry_on": [503]},
        "a 400 retried": {**good, "retry_on": [400, 429, 503]},
        "the old answer": {"max_retries": 3, "backoff_s": 2, "retry_on": [429, 503]},
    }
    for what, retry in refused.items():
        assert not _resolves(sc, issue, _on_call(issue, {"retry": retry})), what

    sc, issue = _generated_issue("circuit_breaker")
    for threshold in (10**9, 1, 0):
        breaker = {"enabled": True, "failure_threshold": threshold, "reset_timeout_s": 30}
        assert not _resolves(sc, issue, _on_call(issue, {"breaker": breaker})), threshold
    breaker = {"enabled": True, "failure_threshold": 3, "reset_timeout_s": 60}
    assert _resolves(sc, issue, _on_call(issue, {"breaker": breaker}))

    sc, issue = _generated_issue("rate_limit")
    limit = sc.configs()[issue.hop[1]]["rate_limit_per_s"]
    for rate in (0, -5, limit + 1):
        assert not _resolves(sc, issue, _on_call(issue, {"send_rate_per_s": rate})), rate
    assert _resolves(sc, issue, _on_call(issue, {"send_rate_per_s": limit / 2}))


def test_generated_urls_keys_and_headers_compare_as_http_does_by_hand():
    sc, issue = _generated_issue("url_version")
    callee = issue.hop[1]
    provider = sc.configs()[callee]
    base = provider["base_url"]
    host = f"{callee}.internal"
    assert base.startswith(f"https://{host}/v")
    shouted = base.replace(f"https://{host}", f"HTTPS://{host.upper()}:443")
    assert _resolves(sc, issue, _on_call(issue, {"base_url": shouted}))
    assert not _resolves(sc, issue, _on_call(issue, {"base_url": base.replace("/v", "/V")}))
    retired = provider["retired_base_urls"][0]
    assert not _resolves(sc, issue, _on_call(issue, {"base_url": retired}))
    assert "deprecated_base_urls" not in provider

    sc, issue = _generated_issue("auth")
    auth = sc.configs()[issue.hop[1]]["auth"]
    assert set(auth) == {"scheme", "issuer", "audience", "accepted_key_ids", "retired_key_ids"}
    good = {"key_id": auth["accepted_key_ids"][0], "audience": auth["audience"]}
    assert _resolves(sc, issue, _on_call(issue, {"auth": good}))
    retired = {**good, "key_id": auth["retired_key_ids"][0]}
    assert not _resolves(sc, issue, _on_call(issue, {"auth": retired}))
    elsewhere = {**good, "audience": "https://elsewhere.internal"}
    assert not _resolves(sc, issue, _on_call(issue, {"auth": elsewhere}))

    sc, issue = _generated_issue("idempotency")
    header = sc.configs()[issue.hop[1]]["idempotency_header"]
    for variant in (header.lower(), header.upper()):
        assert _resolves(sc, issue, _on_call(issue, {"idempotency_header": variant}))
    assert not _resolves(sc, issue, _on_call(issue, {"idempotency_header": "X-Trace-Id"}))
