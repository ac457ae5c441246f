"""Scripted agents that play an episode from its observations alone.

* :class:`BaselineAgent` reads configs (and, when stuck, hints) and compares
  each editable service's settings with the other services' contract keys
  using generic heuristics: a value missing from a callee's ``accepted_*`` /
  ``supported_*`` / ``valid_*`` list, a URL in a ``retired_*`` list, a
  timeout below a callee's ``max_*_ms``, a rate above a ``*limit*``, a bound
  below a ``min_*``, an empty secret, a resilience block switched off...
  Settings a caller keeps per dependency (``upstreams.<service>``) are
  compared with that service's config only.
* :class:`RandomPatchAgent` submits random patches (a floor to beat).
* :class:`InspectOnlyAgent` only looks, and so never scores.

:func:`play` runs an agent through an episode, handing it nothing but the
:class:`~apidebug_nb.episode.observation.Observation` of each step. The agents
never see the scenario object, its contract rules, its answers or its texts:
they could play a live system just the same.

>>> import apidebug_nb as adb
>>> ep = play(BaselineAgent(), adb.load_scenario("easy"))
>>> ep.terminated, ep.grade().score  # it reads more than a careful engineer needs
(True, 0.985)
"""

from __future__ import annotations

import copy
import json
import math
import random
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from apidebug_nb.episode.actions import Action
from apidebug_nb.episode.episode import Episode
from apidebug_nb.episode.observation import Observation
from apidebug_nb.merge_patch import apply_merge_patch, normalise_patch
from apidebug_nb.scenarios.records import Scenario

Path = tuple[str, ...]

# Fix order: what blocks every request first (address, credentials), then the
# request's shape, then load and timing, then resilience settings. A failure
# early on the path hides the ones behind it, so this order avoids fixing
# problems that cannot be seen yet.
ADDRESS, CREDENTIALS, FORMAT, LOAD, TIMING, RESILIENCE = range(6)

_LIST_CONTRACT = re.compile(r"^(accepted|supported|valid|allowed)_(\w+?)s$")
_DEPRECATED = re.compile(r"^(deprecated|retired|expired)_(\w+?)s$")
_TIMEOUT = re.compile(r"^(request_|read_)?timeout(_s|_ms|_seconds)?$")
_MAX_DURATION = re.compile(r"^max_\w*(processing|latency|response|duration)\w*_(ms|s)$")
_STATUS_IN_NAME = re.compile(r"(?<!\d)([1-5]\d\d)(?!\d)")
_SETTING_HINT = re.compile(r"The settings? (?:is|are under) ([A-Za-z_][\w.\-]*[\w\-])")
_CREDENTIAL_WORDS = ("token", "secret", "key", "auth", "password", "credential")
_POSITIVE_DEFAULTS = {"threshold": 5, "backoff": 2, "retries": 3, "attempts": 3}


class Agent(Protocol):
    """What :func:`play` needs from an agent."""

    def reset(self) -> None: ...

    def act(self, observation: Observation) -> Action: ...


class Env(Protocol):
    """What :func:`play` needs from an environment (an Episode or a wrapper)."""

    def reset(self) -> tuple[Observation, dict[str, Any]]: ...

    def step(self, action: Action) -> tuple[Observation, float, bool, bool, dict[str, Any]]: ...


def play(agent: Agent, scenario_or_episode: Scenario | Env) -> Any:
    """Run ``agent`` through one episode until it terminates or is truncated.

    The agent is given only observations: ``agent.act(obs)`` for each step,
    never the scenario, the episode or its ``info`` dicts.

    Args:
        agent: anything with ``reset()`` and ``act(observation) -> Action``.
        scenario_or_episode: a scenario (a fresh :class:`Episode` is made) or
            anything with Gymnasium-style ``reset()`` and ``step(action)``
            (an episode, or a wrapper around one); it is reset first.

    Returns:
        The episode (or the environment that was passed), finished.
    """
    env = (
        Episode(scenario_or_episode)
        if isinstance(scenario_or_episode, Scenario)
        else scenario_or_episode
    )
    agent.reset()
    obs, _ = env.reset()
    done = False
    while not done:
        obs, _, terminated, truncated, _ = env.step(agent.act(obs))
        done = terminated or truncated
    return env


# -- config helpers ------------------------------------------------------------------


def _leaves(config: Mapping[str, Any], prefix: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every (path, value) of a config whose value is not an object (lists are leaves)."""
    for key, value in config.items():
        if isinstance(value, Mapping):
            yield from _leaves(value, prefix + (key,))
        else:
            yield prefix + (key,), value


def _get(config: Mapping[str, Any], path: Path, default: Any = None) -> Any:
    node: Any = config
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return default
        node = node[part]
    return node


def _norm(name: str) -> str:
    return name.lower().replace("-", "_")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _patch_for(path: Path, value: Any) -> dict[str, Any]:
    patch: Any = value
    for part in reversed(path):
        patch = {part: patch}
    return patch


def _merge(into: dict[str, Any], patch: Mapping[str, Any]) -> None:
    for key, value in patch.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value)


def _round_up(value: float, step: int) -> int:
    return int(math.ceil(value / step) * step)


@dataclass(frozen=True)
class Candidate:
    """One setting the agent believes breaks a contract, and the value it proposes."""

    priority: int
    service: str
    path: Path
    value: Any


# -- heuristics: (caller config, contract config) -> candidates ----------------------


@dataclass(frozen=True)
class _Seen:
    """A config and its leaves, listed once per decision."""

    config: Mapping[str, Any]
    leaves: list[tuple[Path, Any]]


def _from_lists(svc: str, own: _Seen, contract: _Seen) -> Iterator[Candidate]:
    """A value not in the callee's accepted/supported/valid list -> its first entry;
    a value in the callee's retired/deprecated list -> the callee's current one.

    When several lists could hold one setting (``auth.accepted_key_ids`` and
    ``signing.accepted_key_ids`` for ``signing.key_id``), the one in a block of
    the setting's own block name is meant.
    """
    own_leaves = own.leaves
    # own setting -> (list path, list, stem) of each list it may belong to
    lists: dict[Path, list[tuple[Path, Any, str]]] = {}
    for cpath, cvalue in contract.leaves:
        name = _norm(cpath[-1])
        if not isinstance(cvalue, (list, tuple)) or not cvalue:
            continue
        if m := _LIST_CONTRACT.match(name):
            stem = m.group(2)
            for path, value in own_leaves:
                leaf = _norm(path[-1])
                if (leaf == stem or leaf.endswith("_" + stem)) and isinstance(value, str):
                    lists.setdefault(path, []).append((cpath, cvalue, stem))
        elif m := _DEPRECATED.match(name):
            current = _get(contract.config, cpath[:-1] + (m.group(2),))
            for path, value in own_leaves:
                if isinstance(value, str) and value in cvalue and isinstance(current, str):
                    is_address = "url" in m.group(2) or "path" in m.group(2)
                    yield Candidate(ADDRESS if is_address else CREDENTIALS, svc, path, current)
    for path, options in lists.items():
        if len(options) > 1 and len(path) > 1:
            block = _norm(path[-2])
            options = [o for o in options if len(o[0]) > 1 and _norm(o[0][-2]) == block] or options
        value = _get(own.config, path)
        for _, cvalue, stem in options:
            if value not in cvalue:
                priority = CREDENTIALS if any(w in stem for w in _CREDENTIAL_WORDS) else FORMAT
                yield Candidate(priority, svc, path, cvalue[0])


def _from_auth_scheme(svc: str, own: _Seen, contract: _Seen) -> Iterator[Candidate]:
    """A callee naming an auth scheme and a caller holding an API key: the
    caller must send ``Authorization: <scheme> <key>``."""
    scheme = contract.config.get("auth_scheme")
    key = own.config.get("api_key")
    headers = own.config.get("headers")
    if isinstance(scheme, str) and isinstance(key, str) and isinstance(headers, Mapping):
        wanted = f"{scheme} {key}"
        if headers.get("Authorization") != wanted:
            yield Candidate(CREDENTIALS, svc, ("headers", "Authorization"), wanted)


def _from_shared_values(svc: str, own: _Seen, contract: _Seen) -> Iterator[Candidate]:
    """An empty secret the callee holds at the same path; a request path that
    differs from the only path the callee listens on."""
    callee_paths = [
        v
        for p, v in contract.leaves
        if _norm(p[-1]).endswith("path") and isinstance(v, str) and v.startswith("/")
    ]
    for path, value in own.leaves:
        if value == "":
            theirs = _get(contract.config, path)
            if isinstance(theirs, str) and theirs:
                leaf = _norm(path[-1])
                credential = any(w in leaf for w in _CREDENTIAL_WORDS)
                yield Candidate(CREDENTIALS if credential else FORMAT, svc, path, theirs)
        leaf = _norm(path[-1])
        if (
            leaf.endswith("path")
            and isinstance(value, str)
            and value.startswith("/")
            and len(callee_paths) == 1
            and value != callee_paths[0]
        ):
            yield Candidate(ADDRESS, svc, path, callee_paths[0])


def _seconds(name: str, value: float) -> float:
    return value / 1000 if name.endswith("_ms") else value


def _from_limits(svc: str, own: _Seen, contract: _Seen) -> Iterator[Candidate]:
    """Rates above a callee's limit (same unit suffix), timeouts below a callee's
    maximum duration plus a fifth (minding _ms vs seconds), bounds below a callee's ``min_*``."""
    contract_leaves = [(p, v) for p, v in contract.leaves if _is_number(v)]
    for path, value in own.leaves:
        if not _is_number(value):
            continue
        leaf = _norm(path[-1])
        joined = "_".join(_norm(p) for p in path)
        for cpath, cvalue in contract_leaves:
            cname = _norm(cpath[-1])
            if "limit" in cname and "rate" in leaf:
                unit = cname.split("limit", 1)[1]
                if unit and leaf.endswith(unit) and value > cvalue:
                    yield Candidate(LOAD, svc, path, cvalue)
            elif _TIMEOUT.match(leaf) and _MAX_DURATION.match(cname):
                needed_s = _seconds(cname, cvalue)
                if _seconds(leaf, value) < needed_s * 1.2:  # the worst case plus a margin
                    good_s = _round_up(max(needed_s * 1.25, needed_s + 2), 5)
                    yield Candidate(
                        TIMING, svc, path, good_s * 1000 if leaf.endswith("_ms") else good_s
                    )
            elif cname.startswith("min_") and leaf != cname:  # the same name: its own contract
                rest = cname[4:]
                if (joined.endswith(rest) or leaf == "max_" + rest) and value < cvalue:
                    yield Candidate(RESILIENCE, svc, path, cvalue)


def _from_resilience(svc: str, own: _Seen, contract: _Seen) -> Iterator[Candidate]:
    """Resilience the callee asks for: retries on the statuses it names, and
    settings of a block it names (``idempotency_header`` -> ``idempotency.header``)."""
    own_config = own.config
    for cpath, cvalue in contract.leaves:
        cname = _norm(cpath[-1])
        if cvalue is True and "retry" in cname and (m := _STATUS_IN_NAME.search(cname)):
            status = int(m.group(1))
            for path, value in own.leaves:
                if (
                    "retry" in _norm(path[-1])
                    and isinstance(value, list)
                    and all(_is_number(v) for v in value)
                    and status not in value
                ):
                    yield Candidate(RESILIENCE, svc, path, sorted([*value, status]))
        if isinstance(cvalue, str) and len(cpath) == 1 and "_" in cname:
            block, field = cpath[0].split("_", 1)
            if (
                isinstance(own_config.get(block), Mapping)
                and own_config[block].get(field) != cvalue
            ):
                yield Candidate(RESILIENCE, svc, (block, field), cvalue)


def _switched_off(svc: str, own: _Seen) -> Iterator[Candidate]:
    """A block with ``enabled: false`` is switched on, with positive thresholds;
    a zero backoff or retry count becomes a sensible positive number; a backoff
    that does not grow or has no jitter gets both; ``honour_*: false`` is switched on."""
    for path, value in own.leaves:
        leaf = _norm(path[-1])
        if (leaf == "enabled" or leaf.startswith(("honour_", "honor_"))) and value is False:
            yield Candidate(RESILIENCE, svc, path, True)
        elif leaf == "multiplier" and _is_number(value) and value <= 1:
            yield Candidate(RESILIENCE, svc, path, 2)
        elif leaf == "jitter" and value in ("none", "", None, False):
            yield Candidate(RESILIENCE, svc, path, "full")
        elif _is_number(value) and value <= 0:
            for word, default in _POSITIVE_DEFAULTS.items():
                if word in leaf:
                    yield Candidate(RESILIENCE, svc, path, default)
                    break


def find_candidates(
    configs: Mapping[str, Mapping], editable: Mapping[str, bool]
) -> list[Candidate]:
    """Every heuristic's proposals for the editable services, against every other config.

    Args:
        configs: the configs seen so far (service -> config).
        editable: service -> whether the agent may change it.
    """
    seen = {s: _Seen(c, list(_leaves(c))) for s, c in configs.items()}
    out: list[Candidate] = []
    for svc, own in seen.items():
        if not editable.get(svc):
            continue
        out.extend(_switched_off(svc, own))
        blocks = _per_service_blocks(own.config, configs)
        for other, contract in seen.items():
            if other == svc:
                continue
            if blocks:  # settings kept per dependency are compared with that dependency only
                if other not in blocks:
                    continue
                prefix = blocks[other]
                mine = _Seen(
                    own.config, [(p, v) for p, v in own.leaves if p[: len(prefix)] == prefix]
                )
            else:
                mine = own
            for heuristic in (
                _from_lists,
                _from_auth_scheme,
                _from_shared_values,
                _from_limits,
                _from_resilience,
            ):
                out.extend(heuristic(svc, mine, contract))
    return out


def _per_service_blocks(config: Mapping[str, Any], configs: Mapping[str, Any]) -> dict[str, Path]:
    """Where a config keeps its settings for each service it calls, if it does.

    A block whose key names a known service (``upstreams.<service>``, one or
    two levels down) holds the settings for calls to that service.

    >>> _per_service_blocks({"upstreams": {"b": {"timeout_s": 5}}, "x": 1}, {"a": {}, "b": {}})
    {'b': ('upstreams', 'b')}
    """
    found: dict[str, Path] = {}
    for key, value in config.items():
        if not isinstance(value, Mapping):
            continue
        if key in configs:
            found[key] = (key,)
            continue
        for inner, block in value.items():
            if inner in configs and isinstance(block, Mapping):
                found[inner] = (key, inner)
    return found


# -- the agents ---------------------------------------------------------------------


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def _from_contract_text(
    setting: Path, text: str, configs: Mapping[str, Mapping], editable: Mapping[str, bool]
) -> list[Candidate]:
    """Read a contract sentence ("must be the auth server's token_endpoint",
    "must not exceed the origin's max_age_s") for the setting a hint named:
    find the other service's key the sentence mentions and derive a value."""
    svc, path = setting[0], setting[1:]
    if not editable.get(svc) or not path or svc not in configs:
        return []
    current = _get(configs[svc], path)
    words = _words(text)
    negated = bool(words & {"not", "never", "no"})
    best: tuple[tuple[int, int, int], Any, Path] | None = None
    for other, config in configs.items():
        if other == svc:
            continue
        service_named = int(_words(other.replace("_", " ")) <= words)
        for cpath, cvalue in _leaves(config):
            tokens = _words(" ".join(cpath[-2:]).replace("_", " "))
            leaf_tokens = _words(cpath[-1].replace("_", " "))
            if not leaf_tokens <= words:
                continue
            score = (service_named, int(tokens <= words), len(leaf_tokens))
            if best is None or score > best[0]:
                best = (score, cvalue, cpath)
    value: Any = None
    if best is not None:
        theirs = best[1]
        if _is_number(theirs) and _is_number(current):  # mind the units of the two settings
            theirs = _seconds(_norm(best[2][-1]), theirs)
            theirs = theirs * 1000 if _norm(path[-1]).endswith("_ms") else theirs
        if isinstance(current, list) and not isinstance(theirs, list):
            value = current if theirs in current else [*current, theirs]
        elif isinstance(theirs, list) and not isinstance(current, list):
            value = theirs[0] if theirs and current not in theirs else None
        elif _is_number(current) and _is_number(theirs):
            at_most = negated or bool(words & {"most", "below", "under", "exceed"})
            if (at_most and current > theirs) or (not at_most and current < theirs):
                value = theirs
            elif at_most and current <= 0 and words & {"zero", "positive", "least"}:
                value = theirs  # "above zero (at least ...) and at most ...": the bound holds
            elif not words & {"least", "most", "exceed", "below", "under", "above"}:
                value = theirs
        elif theirs != current:
            value = theirs
    elif isinstance(current, bool):
        value = not negated
    if value is None or value == current:
        return []
    return [Candidate(RESILIENCE, svc, path, value)]


class BaselineAgent:
    """Reads every config, then fixes what the contract heuristics flag, one block
    per step, in :data:`ADDRESS` .. :data:`RESILIENCE` order.

    When the heuristics run dry while problems remain it reads the failing
    services' logs once, then asks for hints: the second level names the
    setting (tried with looser matching), the third states the contract (read
    for the other service's key it mentions). It never reveals an answer.

    It keeps its own copy of each config, updated by the patches the episode
    accepted, so it never re-reads what it already knows. Before patching a
    service it reads that service's log once per config change, so a fix
    follows what the traffic shows now rather than the configs alone.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.services: list[str] = []
        self.configs: dict[str, dict[str, Any]] = {}
        self.editable: dict[str, bool] = {}
        self.tried: set[str] = set()
        self.last: Action | None = None
        self.setting: Path | None = None  # the setting the current hints are about
        self.contract = ""  # the third hint level's sentence
        self.logs_read: set[str] = set()
        self.looked: set[str] = set()  # logs read since the last config change
        self.pending: Action | None = None  # the fix to make after that read

    # observation -> knowledge
    def _learn(self, obs: Observation) -> None:
        if not self.services:
            errors = [s for s, h in obs.health.items() if h == "error"]
            self.services = errors + [s for s in obs.health if s not in errors]
        last = self.last
        if last is None:
            return
        # Everything is read from obs.outcome (data), never from the English message.
        out = obs.outcome
        if last.kind == "inspect_config" and obs.config is not None:
            self.configs[last.service_name] = copy.deepcopy(obs.config)
            self.editable.setdefault(last.service_name, bool(out.editable))
        elif last.kind == "submit_fix":
            service = last.service_name
            if out.rejected == "not_editable":
                self.editable[service] = False
            elif out.accepted and out.applied:
                patch = normalise_patch(last.changes)
                self.configs[service] = apply_merge_patch(self.configs[service], patch)
                self.looked.clear()  # the traffic changed: what the logs show is new
                if out.resolved:
                    self.setting, self.contract = None, ""
        elif last.kind == "hint" and out.level is not None and out.hint is not None:
            level, text = out.level, out.hint
            if level == 1:
                self.setting, self.contract = None, ""
            elif level == 2 and (s := _SETTING_HINT.search(text)):
                self.setting = tuple(s.group(1).split("."))
            elif level == 3:
                self.contract = text

    def act(self, observation: Observation) -> Action:
        self._learn(observation)
        action = self._choose(observation)
        self.last = action
        return action

    def _choose(self, obs: Observation) -> Action:
        if self.pending is not None:
            action, self.pending = self.pending, None
            return action
        action = self._plan(obs)
        if action.kind == "submit_fix" and action.service_name not in self.looked:
            self.looked.add(action.service_name)
            self.pending = action
            return Action.inspect_logs(action.service_name)
        if action.kind == "inspect_logs":
            self.looked.add(action.service_name)
        return action

    def _plan(self, obs: Observation) -> Action:
        for svc in self.services:
            if svc not in self.configs:
                return Action.inspect_config(svc)
        if patch := self._next_patch(find_candidates(self.configs, self.editable)):
            return patch
        if self.setting is not None:
            if patch := self._next_patch(self._hinted_candidates(self.setting)):
                return patch
            if self.contract and (
                patch := self._next_patch(
                    _from_contract_text(self.setting, self.contract, self.configs, self.editable)
                )
            ):
                return patch
        for svc in self.services:  # stuck: read the failing services' logs once
            if obs.health.get(svc) == "error" and svc not in self.logs_read:
                self.logs_read.add(svc)
                return Action.inspect_logs(svc)
        return Action.hint()

    def _hinted_candidates(self, setting: Path) -> list[Candidate]:
        """Looser matching for a setting a hint named: the heuristics' proposals
        under it, or a same-named contract value elsewhere."""
        svc, path = setting[0], setting[1:]
        if not self.editable.get(svc) or not path or svc not in self.configs:
            return []
        found = [
            c
            for c in find_candidates(self.configs, self.editable)
            if c.service == svc and c.path[: len(path)] == path
        ]
        current = _get(self.configs[svc], path)
        named = [p for p in path if p in self.configs and p != svc]  # a per-dependency block
        for other, contract in self.configs.items():
            if other == svc or (named and other not in named):
                continue
            for cpath, cvalue in _leaves(contract):
                if _norm(cpath[-1]) == _norm(path[-1]) and cvalue != current:
                    found.append(Candidate(RESILIENCE, svc, path, cvalue))
        return found

    def _next_patch(self, candidates: list[Candidate]) -> Action | None:
        """The highest-priority group of candidates (one block of one service) not tried yet."""
        rank = {s: n for n, s in enumerate(self.services)}
        groups: dict[tuple[int, int, str, str], dict[str, Any]] = {}
        for c in candidates:
            if _get(self.configs[c.service], c.path, object()) == c.value:
                continue
            key = (c.priority, rank.get(c.service, len(rank)), c.service, c.path[0])
            _merge(groups.setdefault(key, {}), _patch_for(c.path, c.value))
        for key in sorted(groups):
            patch = groups[key]
            fingerprint = json.dumps([key[2], patch], sort_keys=True)
            if fingerprint not in self.tried:
                self.tried.add(fingerprint)
                return Action.submit_fix(key[2], patch)
        return None


class RandomPatchAgent:
    """Submits random patches: a random service, a random seen key, a random JSON value.

    It looks at a random config now and then, so it knows some real key paths,
    and stops patching services it has learned are not editable.
    """

    def __init__(self, seed: int = 0):
        self.seed = seed
        self.reset()

    def reset(self) -> None:
        self.rng = random.Random(f"random-patch:{self.seed}")
        self.services: list[str] = []
        self.paths: list[Path] = []
        self.not_editable: set[str] = set()
        self.last: Action | None = None

    def _value(self) -> Any:
        rng = self.rng
        kind = rng.randrange(6)
        if kind == 0:
            return rng.randint(-10, 100)
        if kind == 1:
            return rng.choice([True, False])
        if kind == 2:
            return "".join(
                rng.choice("abcdefghijklmnopqrstuvwxyz/_") for _ in range(rng.randint(0, 10))
            )
        if kind == 3:
            return None
        if kind == 4:
            return [rng.randint(0, 600) for _ in range(rng.randint(0, 3))]
        return round(rng.uniform(-5, 50), 2)

    def act(self, observation: Observation) -> Action:
        if not self.services:
            self.services = list(observation.health)
        last = self.last
        if last is not None and last.kind == "inspect_config" and observation.config is not None:
            self.paths.extend(p for p, _ in _leaves(observation.config) if p not in self.paths)
        if last is not None and (
            observation.outcome.rejected == "not_editable" or observation.outcome.editable is False
        ):
            self.not_editable.add(last.service_name)
        rng = self.rng
        service = rng.choice(self.services)
        if rng.random() < 0.25:
            action = Action.inspect_config(service)
        else:
            service = rng.choice([s for s in self.services if s not in self.not_editable])
            path = rng.choice(self.paths) if self.paths else (f"setting_{rng.randrange(5)}",)
            action = Action.submit_fix(service, _patch_for(path, self._value()))
        self.last = action
        return action


class InspectOnlyAgent:
    """Inspects logs, configs and endpoints of every service in turn, and never fixes."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.n = 0
        self.services: list[str] = []

    def act(self, observation: Observation) -> Action:
        if not self.services:
            self.services = list(observation.health)
        kinds = (Action.inspect_logs, Action.inspect_config, Action.inspect_endpoint)
        svc = self.services[self.n % len(self.services)]
        kind = kinds[(self.n // len(self.services)) % len(kinds)]
        self.n += 1
        return kind(svc)
