"""The reference solver: the shortest sensible path through a scenario."""

from __future__ import annotations

from apidebug_nb.episode.actions import Action
from apidebug_nb.model.simulation import Simulation
from apidebug_nb.scenarios.records import Scenario, thaw


def oracle_actions(scenario: Scenario) -> list[Action]:
    """Inspect each issue's service, then apply its reference fix, in ideal order.

    A service is inspected again only after a fix changed something, so the
    solver never repeats an inspection for nothing.

    >>> from apidebug_nb import load_scenario
    >>> [a.label() for a in oracle_actions(load_scenario("easy"))]
    ['inspect_logs(payment_client)', 'submit_fix(payment_client)', 'inspect_logs(payment_client)', 'submit_fix(payment_client)']
    """
    sim = Simulation.of(scenario)
    actions: list[Action] = []
    for iid in sim.order:
        issue = sim.issues[iid]
        actions.append(Action.inspect_logs(issue.service))
        actions.append(Action.submit_fix(issue.service, thaw(issue.reference_fix)))
    return actions
