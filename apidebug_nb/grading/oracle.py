"""The reference solver: the careful engineer's path through a scenario."""

from __future__ import annotations

from apidebug_nb.episode.actions import Action
from apidebug_nb.episode.evidence_index import evidence_index
from apidebug_nb.model.simulation import Simulation
from apidebug_nb.scenarios.records import Scenario, thaw


def oracle_actions(scenario: Scenario) -> list[Action]:
    """For each problem in ideal order: look at its evidence, read its contract, fix it.

    The evidence look is the log that shows the problem's failing stage, taken
    once the problem is visible (after the fixes before it); a contract held in
    another service's config is read once, before the first fix that needs it.
    This is the careful engineer's path the grade's efficiency is measured
    against, so the solver scores 1.0.

    >>> from apidebug_nb import load_scenario
    >>> for a in oracle_actions(load_scenario("easy")):
    ...     print(a.label())
    inspect_logs(payment_client)
    submit_fix(payment_client)
    inspect_logs(payment_client)
    inspect_config(payment_gateway)
    submit_fix(payment_client)
    """
    sim = Simulation.of(scenario)
    index = evidence_index(sim)
    actions: list[Action] = []
    read: set[str] = set()
    for iid in sim.order:
        issue = sim.issues[iid]
        actions.append(Action.inspect_logs(index.evidence_service[iid]))
        for contract in index.contracts[iid]:
            if contract not in read:
                read.add(contract)
                actions.append(Action.inspect_config(contract))
        actions.append(Action.submit_fix(issue.service, thaw(issue.reference_fix)))
    return actions
