"""Keyed links between nodes, stored as networkx's MultiDiGraph stores them, for the part of the graph
view a one-off question reads (`GraphView.around`): `kg ask` then never imports networkx (0.13-0.19 s
of its start). The whole view of a server stays a MultiDiGraph, for networkx's algorithms."""

from collections.abc import Iterable, Iterator
from typing import Any

Keys = dict[str, dict[str, Any]]
"""Edge key (the relation) -> the edge's attributes, as networkx keeps them."""


class Adjacency:
    """The subset of `networkx.MultiDiGraph` that `GraphView` uses, with the same dicts
    (`_succ`, `_pred`: node -> neighbour -> keys; `_node`: node -> attributes)."""

    def __init__(self) -> None:
        self._succ: dict[str, dict[str, Keys]] = {}
        self._pred: dict[str, dict[str, Keys]] = {}
        self._node: dict[str, dict[str, Any]] = {}

    @property
    def nodes(self) -> dict[str, dict[str, Any]]:
        return self._node

    def __contains__(self, node: object) -> bool:
        return node in self._node

    def _add_node(self, node: str) -> None:
        if node not in self._node:
            self._node[node], self._succ[node], self._pred[node] = {}, {}, {}

    def add_edges_from(self, edges: Iterable[tuple[str, str, str]]) -> None:
        for source, target, key in edges:
            self._add_node(source)
            self._add_node(target)
            self._succ[source].setdefault(target, {})[key] = {}
            self._pred[target].setdefault(source, {})[key] = {}

    def out_edges(self, node: str, keys: bool = False) -> Iterator[tuple[str, ...]]:
        for target, found in self._succ.get(node, {}).items():
            for key in found:
                yield (node, target, key) if keys else (node, target)

    def remove_edges_from(self, edges: Iterable[tuple[str, str, str]]) -> None:
        for source, target, key in list(edges):
            for ends, near, far in ((self._succ, source, target), (self._pred, target, source)):
                found = ends[near][far]
                del found[key]
                if not found:
                    del ends[near][far]

    def degree(self, node: str) -> int:
        return sum(len(keys) for ends in (self._succ, self._pred) for keys in ends[node].values())

    def remove_nodes_from(self, nodes: Iterable[str]) -> None:
        for node in list(nodes):
            if node not in self._node:
                continue
            for target in self._succ.pop(node):
                if target != node:
                    del self._pred[target][node]
            for source in self._pred.pop(node):
                if source != node:
                    del self._succ[source][node]
            del self._node[node]
