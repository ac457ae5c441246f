"""Pure networkx functions over scenarios and their graphs.

None of these functions mutates its input. Ties are always broken by node
name, so every result is the same in every process. networkx is imported on
first use, so ``import apidebug_nb`` stays fast.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from apidebug_nb.scenarios.records import Scenario

if TYPE_CHECKING:
    import networkx as nx


def call_graph(services: Iterable[str], edges: Iterable[tuple[str, str]]) -> nx.DiGraph:
    """Build the call graph, caller -> callee.

    >>> G = call_graph(["client", "gateway"], [("client", "gateway")])
    >>> list(G.edges)
    [('client', 'gateway')]
    """
    import networkx as nx

    G = nx.DiGraph()
    G.add_nodes_from(services)
    G.add_edges_from(edges)
    return G


def dependency_dag(scenario: Scenario) -> nx.DiGraph:
    """The issue dependency graph: an edge ``mask -> masked`` per ``depends_on``.

    >>> from apidebug_nb import load_scenario
    >>> D = dependency_dag(load_scenario("hard"))
    >>> sorted(D.predecessors("hard.timeout"))
    ['hard.deprecated_url', 'hard.expired_token', 'hard.sync_mode']
    """
    import networkx as nx

    D = nx.DiGraph()
    D.add_nodes_from(scenario.issue_ids)
    for issue in scenario.issue_records:
        for dep in issue.depends_on:
            D.add_edge(dep, issue.id)
    return D


def ideal_order(D: nx.DiGraph, rank: dict[str, int] | None = None) -> list[str]:
    """Topological order of an issue DAG, ties broken by ``rank`` then by name.

    >>> import networkx as nx
    >>> D = nx.DiGraph([("url", "timeout")]); D.add_node("auth")
    >>> ideal_order(D)
    ['auth', 'url', 'timeout']
    >>> ideal_order(D, rank={"url": 0, "timeout": 1, "auth": 2})
    ['url', 'timeout', 'auth']
    """
    import networkx as nx

    rank = rank or {}
    return list(nx.lexicographical_topological_sort(D, key=lambda n: (rank.get(n, 0), n)))


def masked_issues(D: nx.DiGraph, resolved: Iterable[str]) -> set[str]:
    """Issues hidden because some issue they (transitively) depend on is unresolved.

    >>> import networkx as nx
    >>> D = nx.DiGraph([("url", "timeout"), ("timeout", "retry")])
    >>> sorted(masked_issues(D, resolved=[]))
    ['retry', 'timeout']
    >>> sorted(masked_issues(D, resolved=["url"]))
    ['retry']
    """
    import networkx as nx

    done = set(resolved)
    masked: set[str] = set()
    for node in nx.topological_sort(D):
        if any(p not in done or p in masked for p in D.predecessors(node)):
            masked.add(node)
    return masked


def ancestors(D: nx.DiGraph, node: str) -> set[str]:
    """Every issue ``node`` transitively depends on.

    >>> import networkx as nx
    >>> sorted(ancestors(nx.DiGraph([("url", "timeout"), ("timeout", "retry")]), "retry"))
    ['timeout', 'url']
    """
    import networkx as nx

    return set(nx.ancestors(D, node))


def blast_radius(G: nx.DiGraph, service: str) -> set[str]:
    """Services downstream of ``service`` in the call graph (its descendants).

    >>> import networkx as nx
    >>> G = nx.DiGraph([("a", "b"), ("b", "c"), ("x", "a")])
    >>> sorted(blast_radius(G, "a"))
    ['b', 'c']
    """
    import networkx as nx

    return set(nx.descendants(G, service))


def call_path(G: nx.DiGraph, service: str) -> list[str]:
    """The service followed by everything it calls, breadth-first, ties by name.

    >>> import networkx as nx
    >>> G = nx.DiGraph([("a", "c"), ("a", "b"), ("b", "d")])
    >>> call_path(G, "a")
    ['a', 'b', 'c', 'd']
    """

    order = [service]
    seen = {service}
    frontier = [service]
    while frontier:
        nxt = []
        for node in frontier:
            for succ in sorted(G.successors(node)):
                if succ not in seen:
                    seen.add(succ)
                    order.append(succ)
                    nxt.append(succ)
        frontier = nxt
    return order


def layer_generations(G: nx.DiGraph) -> list[list[str]]:
    """Layers for a left-to-right layout: topological generations, each sorted.

    Cycles (possible in authored scenarios) are condensed first so every node
    still gets a layer.

    >>> import networkx as nx
    >>> layer_generations(nx.DiGraph([("a", "b"), ("a", "c"), ("c", "d")]))
    [['a'], ['b', 'c'], ['d']]
    """
    import networkx as nx

    if nx.is_directed_acyclic_graph(G):
        return [sorted(layer) for layer in nx.topological_generations(G)]
    C = nx.condensation(G)
    layers = []
    for gen in nx.topological_generations(C):
        members: list[str] = []
        for comp in gen:
            members.extend(C.nodes[comp]["members"])
        layers.append(sorted(members))
    return layers
