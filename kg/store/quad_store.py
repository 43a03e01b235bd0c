"""The RDF store: one named graph per note, the ontology in its own graph, SPARQL on top."""

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox

from kg.errors import QuerySyntaxError
from kg.store.query_dataset import names_own_dataset
from ontology import ONTOLOGY_GRAPH, ONTOLOGY_TTL, VOCABULARY_TTL

PREFIXES = {
    "mlkg": "https://w3id.org/mlkg/ontology#",
    "stage": "https://w3id.org/mlkg/id/stage/",
    "step": "https://w3id.org/mlkg/id/step/",
    "concern": "https://w3id.org/mlkg/id/concern/",
    "note": "https://w3id.org/mlkg/id/note/",
    "paper": "https://w3id.org/mlkg/id/paper/",
    "solution": "https://w3id.org/mlkg/id/solution/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
}
"""Prefixes used when writing Turtle and TriG, and declared for every SPARQL query."""

STATE = "https://w3id.org/mlkg/id/state"
"""The store's change marker: a subject and the named graph holding it (generation, change id)."""
_GENERATION = f"<{PREFIXES['mlkg']}generation>"
_CHANGE_ID = f"<{PREFIXES['mlkg']}changeId>"
_RAW = f"<{PREFIXES['mlkg']}rawGeneration>"


CHANGES = "https://w3id.org/mlkg/id/changes"
"""The graph of the change log that writes to a shared store keep (kg/store/change_log.py)."""


def bump(raw: bool = False, entry: str | None = None) -> str:
    """The update appended to every write, so the marker moves in the write's own transaction.

    `raw`: the write is a user's SPARQL update, which logs nothing it touched: replicas that see its
    generation compare everything. `entry`: the change-log entry to stamp with the new generation."""
    # an aggregate always gives one row, even over an empty graph (Virtuoso gives none for OPTIONALs alone)
    raw_delete, raw_insert = (f" ; {_RAW} ?r", f" ; {_RAW} ?next") if raw else ("", "")
    raw_select = " (MAX(?r0) AS ?r)" if raw else ""
    raw_where = f" OPTIONAL {{ GRAPH <{STATE}> {{ <{STATE}> {_RAW} ?r0 }} }}" if raw else ""
    stamp = f" GRAPH <{CHANGES}> {{ {entry} {_GENERATION} ?next }}" if entry else ""
    return f"""DELETE {{ GRAPH <{STATE}> {{ <{STATE}> {_GENERATION} ?g ; {_CHANGE_ID} ?c{raw_delete} }} }}
INSERT {{ GRAPH <{STATE}> {{ <{STATE}> {_GENERATION} ?next ; {_CHANGE_ID} ?id{raw_insert} }}{stamp} }}
WHERE {{
  {{ SELECT (MAX(?g0) AS ?g) (SAMPLE(?c0) AS ?c){raw_select} WHERE {{
    OPTIONAL {{ GRAPH <{STATE}> {{ <{STATE}> {_GENERATION} ?g0 ; {_CHANGE_ID} ?c0 }} }}{raw_where} }} }}
  BIND(COALESCE(?g, 0) + 1 AS ?next) BIND(STRUUID() AS ?id)
}}"""


BUMP = bump()
RAW_BUMP = bump(raw=True)
MARKER = f"""SELECT ?g ?c ?r WHERE {{ GRAPH <{STATE}> {{
  <{STATE}> {_GENERATION} ?g ; {_CHANGE_ID} ?c OPTIONAL {{ <{STATE}> {_RAW} ?r }} }} }}"""

QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples
TermTriple = tuple[str, str, str]
"""A triple as its three terms in N-Triples syntax (`<iri>`, `"literal"`, `_:blank`)."""
HASH = "https://w3id.org/mlkg/ontology#contentHash"
PATH = "https://w3id.org/mlkg/ontology#path"
Functions = dict[ox.NamedNode, Callable[..., Any]]
"""SPARQL extension functions by IRI (mlkg:similarity)."""
# a graph nothing is written to: the default graph of a dataset that names only named graphs
EMPTY_GRAPH = ox.NamedNode("urn:x-mlkg:empty-default-graph")


class Querying(Protocol):
    """What answering a SPARQL query needs of a store."""

    def query(
        self,
        sparql: str,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        base_iri: str | None = None,
        functions: Functions | None = None,
    ) -> QueryResult: ...


class Store(Querying, Protocol):
    """What mlkg needs from a quad store; Oxigraph is the embedded default."""

    supports_snapshots: bool
    """Whether `snapshot` can copy the store into a folder (readers elsewhere then open the copy)."""
    own_entries: set[str]
    """Change-log entries this client wrote that no look has read yet (a store that keeps no log: none)."""

    def write_graphs(self, graphs: dict[str, str | None]) -> None: ...
    def replace_graphs(self, graphs: dict[str, str]) -> None: ...
    def drop_graphs(self, graph_iris: Iterable[str]) -> None: ...
    def note_hashes(self, graphs: list[str] | None = None) -> dict[str, str]: ...
    def graph_triples(self, graph_iri: str) -> set[TermTriple]: ...
    def note_paths(self, graphs: list[str] | None = None) -> dict[str, str]: ...
    def update(self, sparql: str, base_iri: str | None = None) -> None: ...
    def dump(self, fmt: ox.RdfFormat) -> bytes: ...
    def snapshot(self, target: Path) -> None: ...
    def triple_count(self) -> int: ...
    def counted_quads(self) -> int | None: ...
    def change_marker(self) -> "ChangeMarker": ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class ChangeMarker:
    """Where the store is: the number of writes it has taken, the id of the last one, and the
    generation of the last user's SPARQL update (0: none)."""

    generation: int = 0
    change_id: str = ""
    raw_generation: int = 0


Row = dict[str, str]
"""A SELECT row as plain values: IRIs, literals' lexical forms, blank node ids; unbound variables left out."""


def select(store: Querying, sparql: str, default_graphs: list[str] | None = None) -> list[Row]:
    """The rows of a SELECT as plain values, whichever store answers it."""
    result = store.query(sparql, default_graphs=default_graphs)
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError("select() needs a SELECT query")
    return rows_of(result)


def rows_of(result: ox.QuerySolutions) -> list[Row]:
    """Solutions as plain-value rows."""
    names = [variable.value for variable in result.variables]
    return [{name: term.value for name in names if (term := row[name]) is not None} for row in result]


def marker_of(rows: list[Row]) -> ChangeMarker:
    """The marker from the answer to MARKER; a store never written by mlkg has none."""
    for row in rows:
        return ChangeMarker(int(row["g"]), row["c"], int(row.get("r", 0)))
    return ChangeMarker()


def write_update(graphs: dict[str, str | None]) -> str | None:
    """One update that replaces each named graph by its N-Triples (None: drops it), and moves the
    marker (None: no graph)."""
    operations = [write_operation(g, nt) for g, nt in graphs.items()]
    return " ;\n".join([*operations, BUMP]) if operations else None


def write_operation(graph: str, ntriples: str | None) -> str:
    """The operations that replace one named graph by N-Triples, or drop it."""
    return replace_operation(graph, ntriples) if ntriples is not None else f"DROP SILENT GRAPH {iri_term(graph)}"


def replace_operation(graph: str, ntriples: str) -> str:
    """The operations that replace one named graph by the given N-Triples."""
    # blank nodes go through a template (new nodes, as INSERT DATA makes): Virtuoso refuses them in data
    if "_:" in ntriples:
        return (
            f"DROP SILENT GRAPH {iri_term(graph)} ; INSERT {{ GRAPH {iri_term(graph)} {{\n{ntriples}\n}} }} WHERE {{}}"
        )
    return f"DROP SILENT GRAPH {iri_term(graph)} ; INSERT DATA {{ GRAPH {iri_term(graph)} {{\n{ntriples}\n}} }}"


NOTE_COUNT = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?g <{PATH}> ?p }} }}"


def note_count(store: Querying) -> int:
    """Imported notes (graphs that record a vault path), counted by the store."""
    return next(int(row["n"]) for row in select(store, NOTE_COUNT))


def by_graph_query(predicate: str, graphs: list[str] | None) -> str:
    """Graph -> value of `predicate` on the graph's own IRI, in every graph or in these."""
    values = iri_values("g", graphs) if graphs is not None else ""
    return f"SELECT ?g ?v WHERE {{ {values} GRAPH ?g {{ ?g <{predicate}> ?v }} }}"


def ensure_ontology(store: "Store") -> None:
    """Load the shipped ontology and vocabulary into their graph (one write) unless already current."""
    data = ONTOLOGY_TTL.read_bytes() + b"\n" + VOCABULARY_TTL.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if store.note_hashes([ONTOLOGY_GRAPH]).get(ONTOLOGY_GRAPH) == digest:
        return
    graph = ox.NamedNode(ONTOLOGY_GRAPH)
    triples = [*ox.parse(data, format=ox.RdfFormat.TURTLE), ox.Triple(graph, ox.NamedNode(HASH), ox.Literal(digest))]
    store.replace_graphs({ONTOLOGY_GRAPH: as_bytes(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)).decode()})


def update_syntax_error(sparql: str, base_iri: str | None) -> QuerySyntaxError | None:
    """The syntax error of a user's update by itself, read on an empty store (None: it has none)."""
    try:
        ox.Store().update(sparql, base_iri=base_iri)  # an empty store in memory: nothing real is written
    except SyntaxError as error:
        return QuerySyntaxError(f"SPARQL update syntax error: {error}")
    return None


FOLLOW_ERROR = "SPARQL update syntax error: the update cannot be followed by another operation"


def as_bytes(serialized: bytes | None) -> bytes:
    """Oxigraph returns bytes when no output file is given; this tells the type checker so."""
    assert serialized is not None
    return serialized


def iri_term(value: str) -> str:
    """An IRI as a SPARQL term; raises ValueError for a string that is not an IRI (never interpolated raw)."""
    return str(ox.NamedNode(value))


def iri_values(variable: str, iris: list[str]) -> str:
    """A `VALUES ?variable { ... }` clause of the strings that are IRIs (others cannot name anything stored)."""
    terms = []
    for iri in iris:
        try:
            terms.append(iri_term(iri))
        except ValueError:
            continue
    return f"VALUES ?{variable} {{ {' '.join(terms)} }}"


class OxigraphStore:
    """A persistent Oxigraph store under a directory."""

    supports_snapshots = True

    def __init__(self, path: Path | None, read_only: bool = False, data_quads: int | None = None) -> None:
        self.read_only = read_only
        self.own_entries: set[str] = set()  # one process writes an embedded store: it keeps no change log
        self._data_quads = data_quads
        """Quads outside the change marker, once counted (None: not yet); writes move it by what they change,
        since Oxigraph counts by reading every quad (7 s at 50,000 notes)."""
        if path is None:
            self._store = ox.Store()
        elif read_only:
            self._store = ox.Store.read_only(str(path))
        else:
            path.mkdir(parents=True, exist_ok=True)
            self._store = ox.Store(str(path))
        if not read_only:
            ensure_ontology(self)

    def write_graphs(self, graphs: dict[str, str | None]) -> None:
        """Replace graphs by their N-Triples and drop those given None, all in one transaction."""
        if (update := write_update(graphs)) is not None:
            before = self._graph_quads(graphs) if self._data_quads is not None else 0
            self._store.update(update)
            if self._data_quads is not None:
                self._data_quads += self._graph_quads(graphs) - before

    def _graph_quads(self, graphs: Iterable[str]) -> int:
        return sum(1 for g in graphs for _ in self._store.quads_for_pattern(None, None, None, ox.NamedNode(g)))

    def replace_graphs(self, graphs: dict[str, str]) -> None:
        """Replace each named graph by the given N-Triples, all in one transaction."""
        self.write_graphs(dict(graphs))

    def drop_graphs(self, graph_iris: Iterable[str]) -> None:
        """Drop named graphs in one transaction; unknown graphs are ignored."""
        self.write_graphs(dict.fromkeys(graph_iris))

    def note_hashes(self, graphs: list[str] | None = None) -> dict[str, str]:
        """Content hash of every graph that records one (notes and the ontology), or of these graphs."""
        return self._by_graph(HASH, graphs)

    def _by_graph(self, predicate: str, graphs: list[str] | None) -> dict[str, str]:
        return {row["g"]: row["v"] for row in select(self, by_graph_query(predicate, graphs))}

    def graph_triples(self, graph_iri: str) -> set[TermTriple]:
        """The triples of one named graph."""
        quads = self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph_iri))
        return {(str(q.subject), str(q.predicate), str(q.object)) for q in quads}

    def note_paths(self, graphs: list[str] | None = None) -> dict[str, str]:
        """Vault-relative path of every imported note (or of these), by note IRI."""
        return self._by_graph(PATH, graphs)

    def query(
        self,
        sparql: str,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        base_iri: str | None = None,
        functions: Functions | None = None,
    ) -> QueryResult:
        """Run a SPARQL query over the dataset SPARQL 1.1 says it has; `functions` are extension functions.

        Graphs given here (the protocol's dataset) replace the query's FROM / FROM NAMED;
        `default_graphs=[]` is an empty default graph, `named_graphs=None` leaves every graph to
        GRAPH. Without them, the query's own FROM clauses apply, else the union of all graphs.
        """
        union = default_graphs is None and not names_own_dataset(sparql)
        default: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] | None = None
        if default_graphs is not None:
            default = [ox.NamedNode(g) for g in default_graphs] or [EMPTY_GRAPH]
        try:
            return self._store.query(
                sparql,
                base_iri=base_iri,
                use_default_graph_as_union=union,
                default_graph=default,
                named_graphs=[ox.NamedNode(g) for g in named_graphs] if named_graphs is not None else None,
                custom_functions=functions,
            )
        except SyntaxError as error:
            raise QuerySyntaxError(f"SPARQL syntax error: {error}") from error

    def update(self, sparql: str, base_iri: str | None = None) -> None:
        """Run a SPARQL update in one transaction, with the change marker; relative IRIs resolve against `base_iri`."""
        # the marker goes after the user's operations: after a separator, or after their own trailing one
        for joined in (f"{sparql}\n;\n{RAW_BUMP}", f"{sparql}\n{RAW_BUMP}"):
            try:
                self._store.update(joined, base_iri=base_iri)
                self._data_quads = None  # a user's update may have changed anything: counted again when asked
                return
            except SyntaxError:
                continue
        raise update_syntax_error(sparql, base_iri) or QuerySyntaxError(FOLLOW_ERROR)

    def dump(self, fmt: ox.RdfFormat) -> bytes:
        """The whole dataset (or, for triple formats, the union of its graphs), without the change marker:
        loaded elsewhere, it is a new store with its own count of writes."""
        prefixes = PREFIXES if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
        state = ox.NamedNode(STATE)
        if fmt.supports_datasets:
            quads = (q for q in self._store.quads_for_pattern(None, None, None) if q.graph_name != state)
            return as_bytes(ox.serialize(quads, format=fmt, prefixes=prefixes))
        triples = self._store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
        assert isinstance(triples, ox.QueryTriples)
        kept = (t for t in triples if t.subject != state)
        return as_bytes(ox.serialize(kept, format=fmt, prefixes=prefixes))

    def triple_count(self) -> int:
        """Quads of the dataset, the change marker left out (as in dumps): counted once, then kept up to date."""
        if self._data_quads is None:
            marker = self._graph_quads([STATE])
            self._data_quads = len(self._store) - marker
        return self._data_quads

    def counted_quads(self) -> int | None:
        """The count `triple_count` gives, when it is known without reading the store."""
        return self._data_quads

    def change_marker(self) -> ChangeMarker:
        """The marker every write moves (one small query); a store never written by mlkg has none."""
        return marker_of(select(self, MARKER))

    def snapshot(self, target: Path) -> None:
        """A consistent copy of the store as it is now, in `target` (hard links: cheap), to open read-only."""
        self._store.backup(str(target))

    def close(self) -> None:
        """Flush and release the store (its files stay locked until then)."""
        if not self.read_only:
            self._store.flush()
        del self._store
