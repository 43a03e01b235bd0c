"""Every read, from the published view: answers, nodes, notes, neighbourhoods, paths, the lifecycle."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.service.core import ReadView, Services
from api.service.results import (
    Answer,
    CoverageReport,
    DerivedNode,
    Discussion,
    GraphNode,
    GraphPath,
    Health,
    LifecycleStage,
    Neighbourhood,
    NodeContext,
    NodeSummary,
    NoteDetail,
    NoteSummary,
)
from kg import __version__
from kg.errors import BadRequest, NotFound
from kg.graph.context import graph_context
from kg.graph.coverage import coverage_report
from kg.graph.discussions import discussions
from kg.graph.lifecycle import lifecycle_overview
from kg.graph.view import GraphView
from kg.iris import ID_BASE, kind_of, links_graph_iri, note_id
from kg.search.encoder import Vectors
from kg.search.similarity import SimilarityFunction
from kg.search.text_prefetch import PrefetchedTexts
from kg.store.node_values import values_by_node
from kg.store.quad_store import Row, iri_values, select

DERIVED = """PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX mlkg: <https://w3id.org/mlkg/ontology#>
SELECT DISTINCT ?node ?label ?line WHERE { GRAPH <%s> {
  ?node prov:qualifiedDerivation ?d . ?d mlkg:line ?line .
  FILTER NOT EXISTS { ?d mlkg:field ?f }
  OPTIONAL { ?node rdfs:label ?l } OPTIONAL { ?node dcterms:title ?t } BIND(COALESCE(?l, ?t, "") AS ?label) } }
ORDER BY ?line"""


def ask(services: Services, question: str, k: int = 5, kind: str | None = None) -> Answer:
    """The nodes a question is about, best first, with their context and sources."""
    with services.reading() as view:
        return Answer.model_validate(view.engine.ask(question, k, kind))


def nodes(services: Services, kind: str) -> list[NodeSummary]:
    """Every node of one kind: IRI, id and label."""
    with services.reading() as view:
        texts = [t for t in view.engine.index.live() if t.kind == kind]
    return sorted((NodeSummary(iri=t.iri, id=t.iri.rsplit("/", 1)[1], label=t.label) for t in texts), key=_by_iri)


def _by_iri(node: NodeSummary) -> str:
    return node.iri


def node(services: Services, kind: str, slug: str) -> NodeContext:
    """One node with its stage, step, papers, notes, solutions, related concerns and sources."""
    iri = f"{ID_BASE}{kind}/{slug}"
    with services.reading() as view:
        text = view.engine.index.text(iri)
        if text is None or text.kind != kind:
            raise NotFound(f"no {kind} has the id {slug!r}")
        context = graph_context(view.store, _view(view), [iri])[iri]
    return NodeContext.model_validate({"iri": iri, "kind": kind, "label": text.label, **context})


CONCEPT_KINDS = ("stage", "step", "concern")
# concepts are told by their IRIs: joining each discussed IRI with its type multiplies the type triples
# that thousands of note graphs repeat in the union (over 5 minutes at 50,000 notes, 7 s this way)
NOTE_CONCEPTS = f"""PREFIX mlkg: <https://w3id.org/mlkg/ontology#>
SELECT ?note (COUNT(DISTINCT ?concept) AS ?n) WHERE {{ %s
  ?note a mlkg:Note ; mlkg:discusses ?concept
  FILTER({" || ".join(f'STRSTARTS(STR(?concept), "{ID_BASE}{kind}/")' for kind in CONCEPT_KINDS)})
}} GROUP BY ?note"""


@dataclass(frozen=True)
class NotePage:
    """One page of the note list, and how many notes the whole list (filtered) holds."""

    total: int
    offset: int
    notes: list[NoteSummary]


def notes(services: Services, offset: int = 0, limit: int | None = None, path: str | None = None) -> NotePage:
    """Imported notes by IRI, `limit` of them from `offset` (all by default), those whose vault path
    holds `path` (any case) if given: id, IRI, path, title, paper, concepts discussed, when imported."""
    with services.reading() as view:
        listed = services.note_list(view)
        if path:
            wanted = path.lower()
            listed = [(iri, p) for iri, p in listed if wanted in p.lower()]
        page = listed[offset : None if limit is None else offset + limit]
        if not page:  # past the end: nothing to read
            return NotePage(len(listed), offset, [])
        summaries = _summaries(services, view, page)
    return NotePage(len(listed), offset, summaries)


def _summaries(services: Services, view: ReadView, page: list[tuple[str, str]]) -> list[NoteSummary]:
    """Id, IRI, path, title, paper, concepts discussed and import time of each (IRI, path) in `page`."""
    iris = [iri for iri, _ in page]
    hashes = view.store.note_hashes(iris)
    titles = values_by_node(view.store, "?node a mlkg:Note ; dcterms:title ?value", iris)
    papers = values_by_node(view.store, "?node a mlkg:Note ; mlkg:aboutPaper ?value", iris)
    concepts = _concept_counts(view, iris)
    return [
        NoteSummary(
            id=note_id(iri),
            iri=iri,
            path=note_path,
            title=min(titles[iri], key=len) if iri in titles else None,
            paper=min(papers[iri]) if iri in papers else None,
            concepts=concepts.get(iri, 0),
            imported=services.linker.cache.imported_at(hashes.get(iri, "")),
        )
        for iri, note_path in page
    ]


def _concept_counts(read: ReadView, notes: list[str]) -> dict[str, int]:
    """How many stages, steps and concerns each note discusses: from the graph view when the reader
    holds it whole, else counted by the store."""
    view = read.engine.view
    if view is None:
        return {row["note"]: int(row["n"]) for row in select(read.store, NOTE_CONCEPTS % iri_values("note", notes))}
    return {note: sum(kind_of(c) in CONCEPT_KINDS for c in view.targets(note, "discusses")) for note in notes}


def note(services: Services, wanted: str, full: bool = True) -> NoteDetail:
    """A note by id or IRI, with its markdown, the nodes derived from it and what it discusses (`full`), or
    only its id, IRI and path."""
    iri = wanted if wanted.startswith(ID_BASE) else f"{ID_BASE}note/{wanted}"
    with services.reading() as view:
        path = view.store.note_paths([iri]).get(iri)
        if path is None:
            raise NotFound(f"no imported note has the id {wanted!r}")
        if not full:  # only whether it exists, and where (a write is about to replace or delete it)
            return NoteDetail(id=note_id(iri), iri=iri, path=path)
        (summary,) = _summaries(services, view, [(iri, path)])
        detail = NoteDetail(**summary.model_dump())
        detail.markdown = services.linker.cache.source(view.store.note_hashes([iri]).get(iri, ""))
        detail.derived = [DerivedNode.model_validate(d) for d in _derived(select(view.store, DERIVED % iri))]
        found = discussions(view.store, iri, links_graph_iri(iri))
        detail.discusses = [Discussion.model_validate(d) for d in found]
    return detail


def _derived(rows: list[Row]) -> list[dict[str, Any]]:
    return [{"iri": r["node"], "label": r["label"], "line": int(r["line"])} for r in rows]


def lifecycle(services: Services) -> list[LifecycleStage]:
    """Every stage with its steps and their concerns, with papers and notes per concern."""
    with services.reading() as view:
        return [LifecycleStage.model_validate(stage) for stage in lifecycle_overview(view.store)]


def coverage(services: Services) -> CoverageReport:
    """Per stage and step, concerns, notes and papers; thin spots; central concerns; unlinked notes."""
    with services.reading() as view:
        return CoverageReport.model_validate(coverage_report(view.store))


def _view(read: ReadView) -> GraphView:
    """The whole graph view (a one-off reader has none: it is built for it)."""
    if read.engine.view is None:
        read.engine.view = GraphView.build(read.store)
    return read.engine.view


def _node(view: GraphView, iri: str, depth: int | None = None) -> GraphNode:
    return GraphNode(iri=iri, label=view.label(iri), kind=view.graph.nodes[iri]["kind"], depth=depth)


def _known(view: GraphView, iri: str) -> str:
    if iri not in view.graph:
        raise NotFound(f"{iri!r} is not a node of the graph")
    return iri


def neighbours(services: Services, iri: str, depth: int = 1) -> Neighbourhood:
    """Nodes within `depth` links of a node (either direction) and the links between them."""
    import networkx as nx

    with services.reading() as read:
        view = _view(read)
        start = _known(view, iri)
        reached = nx.single_source_shortest_path_length(view.graph.to_undirected(as_view=True), start, cutoff=depth)
        found = [_node(view, n, d) for n, d in sorted(reached.items(), key=lambda item: (item[1], item[0]))]
        edges = [{"from": a, "to": b, "rel": k} for a, b, k in view.graph.subgraph(reached).edges(keys=True)]
    return Neighbourhood.model_validate({"center": start, "depth": depth, "nodes": found, "edges": edges})


def path(services: Services, source: str, target: str) -> GraphPath:
    """The shortest path between two nodes, ignoring link direction."""
    import networkx as nx

    with services.reading() as read:
        view = _view(read)
        undirected = view.graph.to_undirected(as_view=True)
        try:
            steps = nx.shortest_path(undirected, _known(view, source), _known(view, target))
        except nx.NetworkXNoPath as error:
            raise BadRequest("the two nodes are not connected") from error
        return GraphPath(path=[_node(view, n) for n in steps])


@contextmanager
def leased_snapshot(services: Services) -> Iterator[Path]:
    """The folder of the published snapshot, kept on disk until the caller (a SPARQL worker's query) is done.

    Taken without waiting for a writer (the event loop calls this). Only a folder no longer published
    is ever retired, and a retired one is gone from disk: then the newer one is taken instead."""
    while True:
        folder = services.published().snapshot_dir
        services.leases.acquire(folder)
        if services.published().snapshot_dir == folder or folder.exists():
            break
        services.leases.release(folder)
    try:
        yield folder
    finally:
        services.leases.release(folder)


def health(services: Services) -> Health:
    """Triples, notes, index size, model, version and the generation readers see."""
    with services.reading() as view:
        engine = view.engine
        shared = not services.store.supports_snapshots
        published = services.feed.marker if shared else view.store.change_marker()
        marker = services.store.change_marker()
        index_size = len(engine.index)
        triples, notes = services.counts(view)  # kept or counted ahead: a writer never waits behind a count
    return Health(
        status="ok",
        version=__version__,
        triples=triples,
        notes=notes,
        index_size=index_size,
        model=engine.encoder.model,
        encoder_backend=engine.encoder.backend,
        generation=view.generation,
        store=services.settings.store,
        store_generation=marker.generation,
        synced_generation=published.generation if published is not None else 0,
        sync_age_s=round(time.monotonic() - services.synced_at, 3) if shared else None,
    )


class PublishedVectors:
    """Embeddings from the published search index and its encoder (what `/ask` ranks with); texts
    already being encoded for the query (`prefetched`) are taken from there."""

    def __init__(self, services: Services, prefetched: PrefetchedTexts | None = None) -> None:
        self.services = services
        self.prefetched = prefetched

    def node_vectors(self, iris: list[str]) -> dict[str, Vectors]:
        with self.services.reading() as view:
            index = view.engine.index
            return {iri: index.vectors.vector(index.row[iri]).copy() for iri in iris if iri in index.row}

    def text_vectors(self, texts: list[str]) -> dict[str, Vectors]:
        found = self.prefetched.take(texts) if self.prefetched is not None else {}
        if rest := [text for text in texts if text not in found]:
            found |= self.services.text_vectors.encode(rest)
        return found


def similarity_function(services: Services) -> SimilarityFunction:
    """mlkg:similarity over the published index, for queries run in this process (`kg sparql`)."""
    return SimilarityFunction(PublishedVectors(services))
