"""What other servers changed in a shared store since this one last looked, from the change marker.

Each look is one small query (the marker); only when it moved are the graphs' versions read (each
note's content hash, each links graph's state) and compared with the last ones. The nodes of a
changed graph, as it was and as it is, are the nodes to index again. A user's SPARQL update changes
graphs without their versions, so after one everything is compared.
"""

from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.links.linker import link_states
from kg.store.quad_store import STATE, ChangeMarker, Store, iri_values
from ontology import ONTOLOGY_GRAPH

MEMBERS = """SELECT DISTINCT ?g ?x WHERE { %s GRAPH ?g { { ?x ?p ?o } UNION { ?s ?p ?x } FILTER(isIRI(?x)) } %s }"""
EVERY_GRAPH = f"FILTER(?g NOT IN (<{STATE}>, <{ONTOLOGY_GRAPH}>))"


@dataclass
class Changes:
    """The nodes to index again (None: compare everything) and the marker they bring the reader to."""

    touched: set[str] | None
    marker: ChangeMarker


@dataclass
class ChangeFeed:
    marker: ChangeMarker | None = None
    """Where the store was at the last look (None: never looked)."""
    versions: dict[str, str] = field(default_factory=dict)
    members: dict[str, frozenset[str]] = field(default_factory=dict)
    """The IRIs in each graph at the last look: what a changed or dropped graph held before."""

    def start(self, store: Store) -> None:
        """Remember where the store is now (what the reader is about to be brought up to)."""
        self._everything(store, store.change_marker())

    def look(self, store: Store) -> Changes | None:
        """The changes since the last look; None when the marker has not moved."""
        marker = store.change_marker()
        if self.marker is None or marker == self.marker:
            return None if self.marker is not None else self._everything(store, marker)
        if marker.raw_generation > self.marker.raw_generation or marker.generation < self.marker.generation:
            return self._everything(store, marker)  # a user's update, or another store behind the same address
        versions = graph_versions(store)
        changed = {g for g in versions.keys() | self.versions.keys() if versions.get(g) != self.versions.get(g)}
        if ONTOLOGY_GRAPH in changed:
            return self._everything(store, marker)
        fresh = graph_members(store, sorted(changed & versions.keys())) if changed else {}
        touched: set[str] = set()
        for graph in changed:
            touched |= self.members.pop(graph, frozenset())
            touched |= fresh.get(graph, frozenset())
        self.members.update(fresh)
        self.marker, self.versions = marker, versions
        return Changes(touched, marker)

    def _everything(self, store: Store, marker: ChangeMarker) -> Changes:
        # all read before any is kept: a store failing half-way leaves the last look as it was
        versions, members = graph_versions(store), graph_members(store, None)
        self.marker, self.versions, self.members = marker, versions, members
        return Changes(None, marker)


def graph_versions(store: Store) -> dict[str, str]:
    """Each note graph's content hash and each links graph's state: they move when the graph does."""
    return {**store.note_hashes(), **link_states(store)}


def graph_members(store: Store, graphs: list[str] | None) -> dict[str, frozenset[str]]:
    """The IRIs in subject or object position of each graph (of every mlkg graph when None)."""
    values, every = (iri_values("g", graphs), "") if graphs is not None else ("", EVERY_GRAPH)
    rows = store.query(MEMBERS % (values, every))
    assert isinstance(rows, ox.QuerySolutions)
    found: dict[str, set[str]] = {}
    for row in rows:
        found.setdefault(row["g"].value, set()).add(row["x"].value)
    return {graph: frozenset(iris) for graph, iris in found.items()}
