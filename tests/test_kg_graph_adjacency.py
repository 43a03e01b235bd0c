"""The partial view's adjacency keeps the same dicts as networkx's MultiDiGraph under the same operations."""

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.graph.adjacency import Adjacency

NODES = st.sampled_from(["a", "b", "c", "d"])
EDGE = st.tuples(NODES, NODES, st.sampled_from(["step", "discusses", "related"]))
OPERATION = st.one_of(
    st.tuples(st.just("add"), st.lists(EDGE, max_size=6)),
    st.tuples(st.just("drop edges of"), NODES),
    st.tuples(st.just("drop nodes"), st.lists(NODES, max_size=2)),
)


def _same(ours: Adjacency, theirs: nx.MultiDiGraph) -> None:
    assert ours._succ == theirs._succ and ours._pred == theirs._pred and ours._node == theirs._node
    for node in theirs:
        assert node in ours and ours.degree(node) == theirs.degree(node)
        assert sorted(ours.out_edges(node)) == sorted(theirs.out_edges(node))
        assert sorted(ours.out_edges(node, keys=True)) == sorted(theirs.out_edges(node, keys=True))


@settings(max_examples=200, deadline=None)
@given(st.lists(OPERATION, max_size=12))
def test_operations_leave_the_same_adjacency_as_networkx(operations: list[tuple[str, object]]) -> None:
    ours, theirs = Adjacency(), nx.MultiDiGraph()
    for name, argument in operations:
        if name == "add":
            ours.add_edges_from(argument)  # type: ignore[arg-type]
            theirs.add_edges_from(argument)
        elif name == "drop edges of" and argument in theirs:
            edges = list(theirs.out_edges(argument, keys=True))
            ours.remove_edges_from(edges)
            theirs.remove_edges_from(edges)
        elif name == "drop nodes":
            ours.remove_nodes_from(argument)  # type: ignore[arg-type]
            theirs.remove_nodes_from(argument)
        ours.nodes.get("a", {})["kind"] = "concern"  # attributes are kept per node, as networkx keeps them
        if "a" in theirs:
            theirs.nodes["a"]["kind"] = "concern"
        _same(ours, theirs)
