"""No message names a hidden issue: reveal of an unknown or hidden id, hints, fixes, inspections."""

from __future__ import annotations

import pytest

import apidebug_nb as adb
from apidebug_nb import Action


def _hidden(ep: adb.Episode, shown: set[str]) -> set[str]:
    return {i for i, s in ep.issue_status().items() if s == "masked" and i not in shown}


def _check(
    ep: adb.Episode, action: Action, obs: adb.Observation, shown: set[str], before: set[str]
) -> None:
    message = obs.message
    if action.kind == "reveal":  # echoing the learner's own question tells them nothing
        message = message.replace(repr(action.issue), "")
    text = " ".join([message, repr(obs.outcome), " ".join(obs.alerts), " ".join(obs.logs)])
    for iid in before & _hidden(ep, shown):  # hidden before the step and still hidden
        assert iid not in text, f"{iid} named while hidden: {obs.message}"


@pytest.mark.parametrize("task", ["easy", "medium", "hard"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_message_names_a_hidden_issue(task: str, seed: int) -> None:
    sc = adb.load_scenario(task, seed)
    ep = adb.Episode(sc)
    ep.reset()
    shown: set[str] = set()
    masked_at_start = _hidden(ep, shown)
    assert masked_at_start, "every task hides at least one problem at first"
    probes = [Action.reveal("nope"), Action.hint()]
    probes += [Action.reveal(i) for i in sorted(masked_at_start)]
    for s in sc.services:
        probes += [Action.inspect_logs(s), Action.inspect_endpoint(s)]
    fixes = [a for a in adb.oracle_actions(sc) if a.kind == "submit_fix"]
    for fix in fixes:
        for action in [*probes, fix]:
            if ep.done:
                break
            before = _hidden(ep, shown)
            obs, *_ = ep.step(action)
            shown |= {i for i, s in ep.issue_status().items() if s == "resolved"}
            shown |= set(ep.revealed)
            _check(ep, action, obs, shown, before)
        if ep.done:
            break


def test_reveal_of_an_unknown_id_lists_only_visible_ids() -> None:
    ep = adb.Episode(adb.load_scenario("hard", 1))
    ep.reset()
    hidden = _hidden(ep, set())
    obs, *_ = ep.step(Action.reveal("nope"))
    assert obs.outcome.rejected == "unknown_issue"
    assert obs.message == (
        "Rejected: unknown issue 'nope'; issues you can see are: "
        "hard.deprecated_url, hard.circuit_breaker (This cost a step; nothing changed.)"
    )
    assert hidden == {"hard.sync_mode", "hard.timeout", "hard.idempotency"}
    for iid in sorted(hidden):  # a hidden id gets the very same answer as a made-up one
        obs, *_ = ep.step(Action.reveal(iid))
        assert obs.message == (
            f"Rejected: unknown issue {iid!r}; issues you can see are: "
            "hard.deprecated_url, hard.circuit_breaker (This cost a step; nothing changed.)"
        )
