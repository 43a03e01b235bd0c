"""A SPARQL 1.1 store on another server (Oxigraph server, Fuseki, GraphDB...), over the SPARQL Protocol.

A query that names no dataset runs over the union of the named graphs, as in the embedded store:
Oxigraph server is asked so per query (start it without `--union-default-graph`, which would also
override FROM); other stores must be configured so (Fuseki: `unionDefaultGraph`).
Reads are retried with backoff when the store cannot be reached; writes are sent once, each as one
update request (one transaction on Oxigraph server and Fuseki), with the change marker inside it.
"""

import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox

from kg.errors import BadRequest, QuerySyntaxError, QueryTimeout, StoreUnavailable
from kg.store.change_log import logged_write
from kg.store.quad_store import (
    CHANGES,
    EMPTY_GRAPH,
    HASH,
    MARKER,
    PATH,
    PREFIXES,
    RAW_BUMP,
    STATE,
    ChangeMarker,
    Functions,
    QueryResult,
    TermTriple,
    as_bytes,
    by_graph_query,
    ensure_ontology,
    iri_term,
    marker_of,
    select,
    update_syntax_error,
    write_operation,
)
from kg.store.query_dataset import names_own_dataset

log = logging.getLogger(__name__)
RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
ACCEPT = f"{RESULTS_JSON}, {N_TRIPLES};q=0.9"
ACCEPT_GRAPH = f"{N_TRIPLES}, text/plain;q=0.5"
"""What CONSTRUCT and DESCRIBE ask for: some stores (Virtuoso) would answer them in SPARQL JSON too."""
GRAPH_FORM = re.compile(
    r"^\s*(?:(?:BASE\s*<[^>]*>|PREFIX\s*[^\s:]*:\s*<[^>]*>|#[^\n]*)\s*)*(?:CONSTRUCT|DESCRIBE)\b", re.IGNORECASE
)
"""A query whose form is CONSTRUCT or DESCRIBE, after its prologue (prefixes, base, comments)."""
VIRTUOSO_ASK = "__ASK_RETVAL"
VIRTUOSO_BNODE = re.compile(rb'("type"\s*:\s*"bnode"\s*,\s*"value"\s*:\s*")nodeID://')
"""Virtuoso names blank nodes `nodeID://b1`, which is no blank node label: the label is what follows."""
UNION = "union-default-graph"
"""Asks Oxigraph server for the union of the named graphs as the default graph of one query."""
RETRY_DELAYS = (0.05, 0.2, 0.5, 1.0)
"""Seconds before each new try of a read the store did not answer (the last try's error is reported)."""
QUADS = "SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g NOT IN ({})) }}"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g NOT IN ({})) }}"
VIRTUOSO_GRAPHS = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/ns/ldp#",
    "http://localuriqaserver/sparql",
)
"""Graphs Virtuoso keeps for itself: not the user's data, so left out of counts and dumps."""
UNION_CHECK = f"ASK {{ ?s <{HASH}> ?h }}"


@dataclass(frozen=True)
class Endpoint:
    """Where the store answers and how to reach it."""

    query_url: str
    update_url: str
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0
    auth: str = "basic"
    """basic or digest (HTTP authentication), used when `user` is set."""


class RemoteStore:
    """mlkg's store interface over a SPARQL 1.1 Protocol endpoint, with pooled connections."""

    supports_snapshots = False

    def __init__(self, endpoint: Endpoint, read_only: bool = False) -> None:
        self.endpoint, self.read_only = endpoint, read_only
        auth: httpx.Auth | None = None
        if endpoint.user:
            scheme = httpx.DigestAuth if endpoint.auth == "digest" else httpx.BasicAuth
            auth = scheme(endpoint.user, endpoint.password or "")
        self._http = httpx.Client(
            auth=auth, timeout=endpoint.timeout, limits=httpx.Limits(max_connections=32, max_keepalive_connections=16)
        )
        self.own_entries: set[str] = set()
        """Change-log entries this client wrote that no look has read yet."""
        self._own_graphs = [STATE, CHANGES]
        """Graphs that are not data: the change marker's, and the store's own (Virtuoso's)."""
        if not read_only:
            ensure_ontology(self)
            self._check_union()

    def _not_data(self) -> str:
        return ", ".join(f"<{g}>" for g in self._own_graphs)

    def _check_union(self) -> None:
        """Refuse a store whose default graph is not the union of its graphs: every query would miss."""
        result = self.query(UNION_CHECK)
        if not (isinstance(result, ox.QueryBoolean) and bool(result)):
            raise StoreUnavailable(
                f"the SPARQL store at {self.endpoint.query_url} does not query the union of its named graphs by "
                "default; configure it so (Fuseki: tdb2:unionDefaultGraph true; see the README)"
            )

    def write_graphs(self, graphs: dict[str, str | None]) -> None:
        """Replace graphs by their N-Triples and drop those given None, in one update request that logs
        what it touched."""
        if graphs:
            operations = [write_operation(g, nt) for g, nt in graphs.items()]
            written = [nt for nt in graphs.values() if nt is not None]
            self._logged(*logged_write(operations, list(graphs), written))

    def replace_graphs(self, graphs: dict[str, str]) -> None:
        """Replace each named graph by the given N-Triples, in one update request."""
        self.write_graphs(dict(graphs))

    def drop_graphs(self, graph_iris: Iterable[str]) -> None:
        """Drop named graphs in one update request; unknown graphs are ignored."""
        self.write_graphs(dict.fromkeys(graph_iris))

    def _logged(self, update: str, entry: str) -> None:
        self._update(update)
        self.own_entries.add(entry)

    def note_hashes(self, graphs: list[str] | None = None) -> dict[str, str]:
        """Content hash of every graph that records one (notes and the ontology), or of these graphs."""
        return self._by_graph(HASH, graphs)

    def note_paths(self, graphs: list[str] | None = None) -> dict[str, str]:
        """Vault-relative path of every imported note (or of these), by note IRI."""
        return self._by_graph(PATH, graphs)

    def _by_graph(self, predicate: str, graphs: list[str] | None) -> dict[str, str]:
        return {row["g"]: row["v"] for row in select(self, by_graph_query(predicate, graphs))}

    def graph_triples(self, graph_iri: str) -> set[TermTriple]:
        """The triples of one named graph."""
        rows = self.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH {iri_term(graph_iri)} {{ ?s ?p ?o }} }}")
        assert isinstance(rows, ox.QuerySolutions)
        return {(str(row["s"]), str(row["p"]), str(row["o"])) for row in rows}

    def query(
        self,
        sparql: str,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        base_iri: str | None = None,
        functions: Functions | None = None,
        timeout: float | None = None,
    ) -> QueryResult:
        """Run a SPARQL query on the store over the dataset SPARQL 1.1 says it has (as the embedded store);
        relative IRIs resolve against `base_iri` (sent as a BASE, since the Protocol has no parameter for it)."""
        if functions:
            raise BadRequest(
                "mlkg:similarity is evaluated by the embedded store only; with KG_STORE=sparql, rank by meaning "
                "through /ask or over /sparql results on the client"
            )
        form: list[tuple[str, str]] = [("query", _based(sparql, base_iri))]
        if default_graphs is None and not names_own_dataset(sparql):
            form.append((UNION, ""))  # Oxigraph server's own switch; stores that union by default ignore it
        if default_graphs is not None:
            form += [("default-graph-uri", g) for g in default_graphs or [EMPTY_GRAPH.value]]
        if named_graphs is not None:
            form += [("named-graph-uri", g) for g in named_graphs or [EMPTY_GRAPH.value]]
        response = self._read(form, timeout, ACCEPT_GRAPH if GRAPH_FORM.match(sparql) else ACCEPT)
        try:
            return _parse_answer(response)
        except (SyntaxError, ValueError) as error:
            raise StoreUnavailable(f"the SPARQL store's answer could not be read: {error}") from error

    def _read(self, form: list[tuple[str, str]], timeout: float | None, accept: str) -> httpx.Response:
        """POST a query, trying again with backoff while the store cannot be reached."""
        deadline = time.monotonic() + (timeout or self.endpoint.timeout)
        for delay in (*RETRY_DELAYS, None):
            try:
                response = self._http.post(
                    self.endpoint.query_url,
                    data=_grouped(form),
                    headers={"Accept": accept},
                    timeout=max(deadline - time.monotonic(), 0.001),
                )
            except httpx.TimeoutException as error:
                waited = timeout or self.endpoint.timeout
                raise QueryTimeout(f"the SPARQL store did not answer within {waited:g} s") from error
            except httpx.TransportError as error:
                if delay is None or time.monotonic() + delay > deadline:
                    raise _unreachable(self.endpoint.query_url, error) from error
                time.sleep(delay)
                continue
            if response.status_code in (502, 503, 504) and delay is not None and time.monotonic() + delay < deadline:
                time.sleep(delay)
                continue
            _raise_for(response, "query")
            if "virtuoso" in response.headers.get("server", "").lower() and len(self._own_graphs) == 2:
                self._own_graphs += VIRTUOSO_GRAPHS
            return response
        raise AssertionError("unreachable: the last try returns or raises")

    def update(self, sparql: str, base_iri: str | None = None) -> None:
        """Run a user's SPARQL update with the change marker, in one request; relative IRIs resolve against
        `base_iri` (sent as a BASE)."""
        # the marker goes after the user's operations: after a separator, or after their own trailing one
        first: QuerySyntaxError | None = None
        for joined in (f"{sparql}\n;\n{RAW_BUMP}", f"{sparql}\n{RAW_BUMP}"):
            try:
                self._update(_based(joined, base_iri))
                return
            except QuerySyntaxError as error:
                first = first or error
        assert first is not None
        raise update_syntax_error(sparql, base_iri) or first

    def _update(self, sparql: str) -> None:
        """Send one update, once: a write is never retried, since a lost answer may hide a done write."""
        try:
            response = self._http.post(self.endpoint.update_url, data={"update": sparql})
        except httpx.TransportError as error:
            raise _unreachable(self.endpoint.update_url, error, write=True) from error
        _raise_for(response, "update")

    def dump(self, fmt: ox.RdfFormat) -> bytes:
        """The whole dataset (for triple formats, the union of its graphs), without the change marker."""
        prefixes = PREFIXES if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
        rows = self.query(QUADS.format(self._not_data()))
        assert isinstance(rows, ox.QuerySolutions)
        if fmt.supports_datasets:
            quads = [ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows]
            return as_bytes(ox.serialize(quads, format=fmt, prefixes=prefixes))
        triples = {ox.Triple(r["s"], r["p"], r["o"]) for r in rows}
        return as_bytes(ox.serialize(triples, format=fmt, prefixes=prefixes))

    def triple_count(self) -> int:
        """Quads of the dataset, the change marker left out (as in dumps)."""
        return next(int(row["n"]) for row in select(self, COUNT.format(self._not_data())))

    def counted_quads(self) -> int | None:
        """Other clients write the store too: its count is never known without asking it."""
        return None

    def change_marker(self) -> ChangeMarker:
        """The marker every write moves (one small query); a store never written by mlkg has none."""
        return marker_of(select(self, MARKER))

    def snapshot(self, target: Path) -> None:
        """A remote store has no folder to copy: its server isolates readers from writers itself."""
        raise NotImplementedError("a remote store is read in place")

    def close(self) -> None:
        """Close the pooled connections."""
        self._http.close()


def _based(sparql: str, base_iri: str | None) -> str:
    """The text with `base_iri` as its first BASE (a BASE of its own, later in the prologue, still wins)."""
    return f"BASE {iri_term(base_iri)}\n{sparql}" if base_iri else sparql


def _grouped(form: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key, value in form:
        grouped.setdefault(key, []).append(value)
    return grouped


def _parse_answer(response: httpx.Response) -> QueryResult:
    """SPARQL JSON results, or N-Triples read into a result of triples as the embedded store gives."""
    media = response.headers.get("content-type", "").split(";")[0].strip()
    if media == RESULTS_JSON:
        content = VIRTUOSO_BNODE.sub(rb"\1", response.content)
        return _virtuoso_ask(ox.parse_query_results(content, format=ox.QueryResultsFormat.JSON))
    if media in (N_TRIPLES, "text/plain"):
        graph = ox.Store()
        graph.load(response.content, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.DefaultGraph())
        triples = graph.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
        assert isinstance(triples, ox.QueryTriples)
        return triples
    raise StoreUnavailable(f"the SPARQL store answered in {media or 'no media type'}, not SPARQL JSON or N-Triples")


def _virtuoso_ask(result: ox.QuerySolutions | ox.QueryBoolean) -> ox.QuerySolutions | ox.QueryBoolean:
    """Virtuoso 7 answers ASK as one row of `__ASK_RETVAL` (1 or 0): that is the boolean."""
    if not isinstance(result, ox.QuerySolutions) or [v.value for v in result.variables] != [VIRTUOSO_ASK]:
        return result
    value = any(row[VIRTUOSO_ASK] is not None and row[VIRTUOSO_ASK].value == "1" for row in result)
    answer = b'{"head":{},"boolean":%s}' % (b"true" if value else b"false")
    return ox.parse_query_results(answer, format=ox.QueryResultsFormat.JSON)


def _raise_for(response: httpx.Response, operation: str) -> None:
    """The store's refusal as the user's error (4xx) or as the store's (5xx), without its internals."""
    if response.is_success:
        return
    message = response.text.strip().splitlines()[0][:500] if response.text.strip() else response.reason_phrase
    if response.status_code in (400, 422):
        raise QuerySyntaxError(f"the SPARQL store refused the {operation}: {message}")
    if response.status_code in (401, 403):
        raise StoreUnavailable(f"the SPARQL store refused mlkg's credentials (HTTP {response.status_code})")
    raise StoreUnavailable(f"the SPARQL store failed the {operation} (HTTP {response.status_code}): {message}")


def _unreachable(url: str, error: httpx.TransportError, write: bool = False) -> StoreUnavailable:
    outcome = "; the write may or may not have been applied, and the next write compares again" if write else ""
    log.warning("SPARQL store at %s: %s", url, error)
    return StoreUnavailable(
        f"the SPARQL store at {url} cannot be reached ({type(error).__name__}){outcome}",
        headers={"Retry-After": "1"},
    )
