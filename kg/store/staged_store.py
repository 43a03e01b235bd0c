"""One write held back until it is whole: a note, its links and the links it changed reach the
store together, as one update request, so no reader of the store sees one without the other.

While `staging`, graphs replaced or dropped are kept in memory and reads see them: the typed
lookups and `GraphLocal` queries combine the store with what is staged. Any other read sends what
is staged first (correct, no longer one request). A bulk write goes in batches (MAX_GRAPHS); once
one batch is sent, the write is not one request anyway, and every read sends the rest first.
Staging belongs to the thread that writes: readers on other threads read the store as it is.
"""

import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.store.ntriples import parse_terms
from kg.store.quad_store import (
    HASH,
    PATH,
    ChangeMarker,
    Functions,
    QueryResult,
    Row,
    Store,
    TermTriple,
    by_graph_query,
    iri_term,
    rows_of,
    select,
)

log = logging.getLogger(__name__)
MAX_GRAPHS = 128
"""Graphs staged before they are sent anyway (a bulk import goes in batches, not one request)."""
MAX_CHARS = 16_000_000
"""N-Triples characters staged before they are sent anyway (one update request stays a sensible size)."""


@dataclass(frozen=True)
class GraphLocal:
    """A SELECT each of whose solutions matches inside one named graph. Over the union of the graphs
    it answers what it answers graph by graph, so staged graphs can stand in for stored ones."""

    head: str
    """`SELECT …` up to WHERE."""
    where: str
    """The group's patterns: matched in each graph, or in the graph `graph` names."""
    graph: str | None = None
    """The variable (`?g`) or IRI term the patterns' own GRAPH names; None: they have none."""
    prefixes: str = ""

    def text(self) -> str:
        """The query over the union of the graphs, as any store runs it."""
        return f"{self.prefixes}{self.head} WHERE {{ {self.where} }}"

    def outside(self, graphs: list[str]) -> str:
        """The query over every graph but these."""
        listed = ", ".join(iri_term(g) for g in graphs)
        if self.graph is None:
            body = f"GRAPH ?staged_graph {{ {self.where} }} FILTER(?staged_graph NOT IN ({listed}))"
        else:
            body = f"{self.where} FILTER({self.graph} NOT IN ({listed}))"
        return f"{self.prefixes}{self.head} WHERE {{ {body} }}"


class StagedStore:
    """A store whose writes can be staged (`staging`) and sent as one; otherwise it passes through."""

    def __init__(self, base: Store) -> None:
        self.base = base
        self.supports_snapshots = base.supports_snapshots
        self._owner: int | None = None
        """The thread whose write is staged (None: none is)."""
        self._staged: dict[str, str | None] = {}
        """Graph -> its N-Triples, or None when it is dropped."""
        self._chars = 0
        self._local = ox.Store()
        """The staged graphs, to query (in memory)."""
        self._spilled = False
        """Part of this write was sent already (a bulk write): it is not one request, so reads send the rest."""

    @property
    def own_entries(self) -> set[str]:
        return self.base.own_entries

    @own_entries.setter
    def own_entries(self, entries: set[str]) -> None:
        self.base.own_entries = entries

    @contextmanager
    def staging(self) -> Iterator[None]:
        """Hold writes until the block ends, then send them as one; on an error send nothing."""
        self._owner, self._spilled = threading.get_ident(), False
        try:
            yield
            self.send()
        finally:
            self._clear()
            self._owner = None

    def _mine(self) -> bool:
        """Whether the caller is the thread whose write is staged (the others read the store as it is)."""
        return self._owner == threading.get_ident()

    def send(self) -> None:
        """Write what is staged to the store, in one request (nothing staged: no request)."""
        if self._mine() and self._staged:
            staged = dict(self._staged)
            self._clear()
            self.base.write_graphs(staged)

    def _clear(self) -> None:
        self._staged.clear()
        self._chars = 0
        # a new store: clearing Oxigraph's in-memory one takes longer the more it has ever held
        # (0.17 s a write in a server that had linked 50,000 notes at start)
        self._local = ox.Store()

    def _send_before(self, what: str) -> None:
        if self._mine() and self._staged:
            log.debug("staged graphs sent before %s", what)
            self.send()

    def write_graphs(self, graphs: dict[str, str | None]) -> None:
        """Replace graphs by N-Triples and drop those given None: staged, or written in one request."""
        if not self._mine():
            self.base.write_graphs(graphs)
            return
        for graph, ntriples in graphs.items():
            node = ox.NamedNode(graph)
            self._local.clear_graph(node)
            if ntriples:
                self._local.load(ntriples.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES, to_graph=node)
            self._staged[graph] = ntriples
            self._chars += len(ntriples or "")
        if len(self._staged) > MAX_GRAPHS or self._chars > MAX_CHARS:
            self._spilled = True
            self.send()

    def replace_graphs(self, graphs: dict[str, str]) -> None:
        self.write_graphs(dict(graphs))

    def drop_graphs(self, graph_iris: Iterable[str]) -> None:
        self.write_graphs(dict.fromkeys(graph_iris))

    def graph_triples(self, graph_iri: str) -> set[TermTriple]:
        if self._mine() and graph_iri in self._staged:
            return parse_terms(self._staged[graph_iri] or "")
        return self.base.graph_triples(graph_iri)

    def note_hashes(self, graphs: list[str] | None = None) -> dict[str, str]:
        return self._by_graph(HASH, graphs)

    def note_paths(self, graphs: list[str] | None = None) -> dict[str, str]:
        return self._by_graph(PATH, graphs)

    def _by_graph(self, predicate: str, graphs: list[str] | None) -> dict[str, str]:
        """What the store holds for graphs not staged, and what the staged ones hold."""
        stored = self.base.note_hashes if predicate == HASH else self.base.note_paths
        if not self._combines():
            return stored(graphs)
        if graphs is None:
            found = {g: v for g, v in stored(None).items() if g not in self._staged}
            wanted = [g for g, nt in self._staged.items() if nt]
        else:
            others = [g for g in graphs if g not in self._staged]
            found = stored(others) if others else {}
            wanted = [g for g in graphs if self._staged.get(g)]
        if wanted:
            found |= {row["g"]: row["v"] for row in self._local_rows(by_graph_query(predicate, wanted))}
        return found

    def select_local(self, query: GraphLocal) -> list[Row]:
        """The rows of a graph-local SELECT, with staged graphs standing in for the stored ones."""
        if not self._combines():
            return select(self.base, query.text())
        if query.graph is not None and query.graph.startswith("<"):  # one graph, named: staged or not
            if query.graph[1:-1] not in self._staged:
                return select(self.base, query.text())
            stored: list[Row] = []
        else:
            stored = select(self.base, query.outside(list(self._staged)))
        rows = stored + self._local_rows(query.text())
        if "DISTINCT" not in query.head.upper():
            return rows
        return list({tuple(sorted(row.items())): row for row in rows}.values())

    def _combines(self) -> bool:
        """Whether this read combines the store with staged graphs: only the writing thread's, and
        not once a bulk write has sent a batch (the rest is sent first)."""
        if not self._mine():
            return False
        if self._spilled:
            self._send_before("a read of a bulk write")
        return bool(self._staged)

    def _local_rows(self, sparql: str) -> list[Row]:
        """A SELECT over the staged graphs alone."""
        result = self._local.query(sparql, use_default_graph_as_union=True)
        assert isinstance(result, ox.QuerySolutions)
        return rows_of(result)

    def query(
        self,
        sparql: str,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        base_iri: str | None = None,
        functions: Functions | None = None,
    ) -> QueryResult:
        self._send_before("a query")
        return self.base.query(sparql, default_graphs, named_graphs, base_iri, functions)

    def update(self, sparql: str, base_iri: str | None = None) -> None:
        self._send_before("a SPARQL update")
        self.base.update(sparql, base_iri)

    def dump(self, fmt: ox.RdfFormat) -> bytes:
        self._send_before("a dump")
        return self.base.dump(fmt)

    def snapshot(self, target: Path) -> None:
        self._send_before("a snapshot")
        self.base.snapshot(target)

    def triple_count(self) -> int:
        self._send_before("a count")
        return self.base.triple_count()

    def counted_quads(self) -> int | None:
        return None if self._mine() and self._staged else self.base.counted_quads()

    def change_marker(self) -> ChangeMarker:
        self._send_before("reading the change marker")
        return self.base.change_marker()

    def close(self) -> None:
        self.base.close()


def select_local(store: Store, query: GraphLocal) -> list[Row]:
    """The rows of a graph-local SELECT from any store (a staging one includes what it holds back)."""
    if isinstance(store, StagedStore):
        return store.select_local(query)
    return select(store, query.text())
