"""The pure networkx functions: their results, their doctests, and that they mutate nothing."""

from __future__ import annotations

import doctest

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

import apidebug_nb as adb
from apidebug_nb.model import graphs
from apidebug_nb.model.simulation import Simulation

PUBLIC = [
    "call_graph",
    "dependency_dag",
    "ideal_order",
    "masked_issues",
    "ancestors",
    "blast_radius",
    "call_path",
    "layer_generations",
]


@st.composite
def dags(draw, max_nodes=8):
    """A random DAG whose node names are not in topological order, with attributes."""
    n = draw(st.integers(1, max_nodes))
    names = draw(st.permutations([f"n{i}" for i in range(n)]))
    G = nx.DiGraph()
    for i in draw(st.permutations(range(n))):  # insertion order varies too
        G.add_node(names[i], role=f"r{i}")
    for i in range(n):
        for j in range(i + 1, n):
            if draw(st.booleans()):
                G.add_edge(names[i], names[j], weight=i + j)
    return G


def snapshot(G: nx.DiGraph):
    return (list(G.nodes(data=True)), list(G.edges(data=True)), dict(G.graph))


def copy_with_new_dicts(G: nx.DiGraph) -> nx.DiGraph:
    H = nx.DiGraph()
    H.add_nodes_from((n, dict(d)) for n, d in G.nodes(data=True))
    H.add_edges_from((a, b, dict(d)) for a, b, d in G.edges(data=True))
    return H


# -- doctests --------------------------------------------------------------------------------


def test_every_public_function_has_a_passing_doctest():
    finder = doctest.DocTestFinder()
    tests = {t.name.rsplit(".", 1)[-1]: t for t in finder.find(graphs) if t.examples}
    assert set(PUBLIC) <= set(tests), sorted(set(PUBLIC) - set(tests))
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for name in PUBLIC:
        runner.run(tests[name])
    assert runner.summarize(verbose=False).failed == 0


# -- nothing is mutated ------------------------------------------------------------------------


@given(G=dags(), data=st.data())
def test_no_function_mutates_its_graph(G, data):
    nodes = sorted(G.nodes)
    node = data.draw(st.sampled_from(nodes))
    resolved = data.draw(st.lists(st.sampled_from(nodes), unique=True))
    rank = {n: data.draw(st.integers(0, 3)) for n in nodes}
    before = snapshot(G)
    resolved_before, rank_before = list(resolved), dict(rank)
    graphs.ideal_order(G, rank)
    graphs.ideal_order(G)
    graphs.masked_issues(G, resolved)
    graphs.ancestors(G, node)
    graphs.blast_radius(G, node)
    graphs.call_path(G, node)
    graphs.layer_generations(G)
    assert snapshot(G) == before
    assert resolved == resolved_before and rank == rank_before


def test_no_function_mutates_a_cyclic_graph():
    G = nx.DiGraph([("a", "b"), ("b", "a"), ("b", "c")])
    before = snapshot(G)
    assert graphs.layer_generations(G) == [["a", "b"], ["c"]]
    graphs.blast_radius(G, "a")
    graphs.call_path(G, "a")
    assert snapshot(G) == before


@pytest.mark.parametrize("task", adb.TASKS)
def test_scenario_functions_leave_the_scenario_alone(task):
    sc = adb.load_scenario(task, seed=3)
    before = sc.content_hash()
    G = copy_with_new_dicts(sc.graph)  # an unfrozen copy, so a mutation would not raise
    before_graph = snapshot(G)
    D = graphs.dependency_dag(sc)
    graphs.ideal_order(D)
    for s in sc.services:
        graphs.blast_radius(G, s)
        graphs.call_path(G, s)
    graphs.layer_generations(G)
    assert snapshot(G) == before_graph
    assert sc.content_hash() == before
    assert graphs.dependency_dag(sc) is not D  # a fresh graph each call
    services, edges = list(sc.services), list(sc.edges)
    graphs.call_graph(services, edges)
    assert services == sc.services and edges == list(sc.edges)


# -- results -------------------------------------------------------------------------------------


@given(G=dags(), data=st.data())
def test_ideal_order_is_a_deterministic_topological_order(G, data):
    rank = {n: data.draw(st.integers(0, 3)) for n in sorted(G.nodes)}
    order = graphs.ideal_order(G, rank)
    assert sorted(order) == sorted(G.nodes)
    position = {n: i for i, n in enumerate(order)}
    assert all(position[a] < position[b] for a, b in G.edges)
    # each step takes the smallest (rank, name) among the issues whose masks are done
    done: set[str] = set()
    for n in order:
        ready = [m for m in G.nodes if m not in done and set(G.predecessors(m)) <= done]
        assert n == min(ready, key=lambda m: (rank[m], m))
        done.add(n)
    # insertion order of nodes and edges does not matter
    H = nx.DiGraph()
    H.add_nodes_from(sorted(G.nodes, reverse=True))
    H.add_edges_from(sorted(G.edges, reverse=True))
    assert graphs.ideal_order(H, rank) == order


@given(G=dags(), data=st.data())
def test_masked_means_some_ancestor_is_unresolved(G, data):
    resolved = set(data.draw(st.lists(st.sampled_from(sorted(G.nodes)), unique=True)))
    expected = {n for n in G.nodes if nx.ancestors(G, n) - resolved}
    assert graphs.masked_issues(G, resolved) == expected
    for n in G.nodes:
        assert graphs.ancestors(G, n) == nx.ancestors(G, n)


@given(G=dags(), data=st.data())
def test_blast_radius_and_call_path(G, data):
    s = data.draw(st.sampled_from(sorted(G.nodes)))
    radius = graphs.blast_radius(G, s)
    assert radius == nx.descendants(G, s) and s not in radius
    path = graphs.call_path(G, s)
    assert path[0] == s and len(path) == len(set(path)) and set(path) == radius | {s}
    distance = nx.single_source_shortest_path_length(G, s)
    assert [distance[n] for n in path] == sorted(distance[n] for n in path)  # breadth-first


@given(G=dags())
def test_layer_generations_partition_and_respect_edges(G):
    layers = graphs.layer_generations(G)
    flat = [n for layer in layers for n in layer]
    assert sorted(flat) == sorted(G.nodes) and len(flat) == len(set(flat))
    assert all(layer == sorted(layer) and layer for layer in layers)
    level = {n: i for i, layer in enumerate(layers) for n in layer}
    assert all(level[a] < level[b] for a, b in G.edges)
    # each node sits right after its deepest caller
    for n in G.nodes:
        preds = list(G.predecessors(n))
        assert level[n] == (max(level[p] for p in preds) + 1 if preds else 0)


@pytest.mark.parametrize("task", adb.TASKS)
def test_dependency_dag_and_masks_of_a_scenario(task):
    for seed in range(40):
        sc = adb.load_scenario(task, seed)
        D = graphs.dependency_dag(sc)
        assert sorted(D.nodes) == sorted(sc.issue_ids)
        assert set(D.edges) == {(d, i.id) for i in sc.issues for d in i.depends_on}
        # a mask the graph records hides its issue in the simulated traffic too
        sim = Simulation.of(sc)
        configs = sc.configs()
        for resolved in ([], sc.issue_ids[:1], sc.issue_ids[:2]):
            statuses = sim.statuses(resolved, sim.traffic(resolved, configs))
            masked = {i for i, s in statuses.items() if s == "masked"}
            assert graphs.masked_issues(D, resolved) - set(resolved) <= masked


def test_call_graph_and_layers_of_the_hard_task():
    sc = adb.load_scenario("hard")
    G = graphs.call_graph(sc.services, sc.edges)
    assert list(G.nodes) == sc.services and set(G.edges) == set(sc.graph.edges)
    assert graphs.layer_generations(G) == [
        ["order_service"],
        ["api_gateway", "auth_service"],
        ["inventory_service"],
        ["shipping_service"],
    ]
    assert graphs.blast_radius(G, "api_gateway") == {"inventory_service", "shipping_service"}
