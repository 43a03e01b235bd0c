"""What the service layer returns: one typed shape per use case, shared by the CLI's --json and the routes."""

from typing import Literal

from pydantic import BaseModel, Field

NoteStatus = Literal["added", "updated", "unchanged", "failed", "deleted"]


class ProblemModel(BaseModel):
    """A problem (or warning) at a file and line."""

    path: str | None = None
    line: int | None = None
    message: str


class Discussion(BaseModel):
    """A concept a note discusses: from its own table, or inferred (method, score, evidence, line)."""

    iri: str
    label: str = ""
    method: str
    score: float
    evidence: str | None = None
    line: int | None = None


class AmbiguousLinkModel(BaseModel):
    """A `[[name]]` that several notes share: which one it was taken to mean, and all of them."""

    name: str
    line: int
    chosen: str
    chosen_path: str
    candidates: list[str]


class NoteResult(BaseModel):
    """What one write did to one note."""

    path: str
    status: NoteStatus
    iri: str = ""
    id: str = ""
    content_hash: str = ""
    triples: int = 0
    triples_added: int = 0
    triples_removed: int = 0
    discusses: list[Discussion] = Field(default_factory=list)
    links_gained: list[str] = Field(default_factory=list)
    links_lost: list[str] = Field(default_factory=list)
    ambiguous_links: list[AmbiguousLinkModel] = Field(default_factory=list)
    warnings: list[ProblemModel] = Field(default_factory=list)
    error: str = ""
    problems: list[ProblemModel] = Field(default_factory=list)


class Summary(BaseModel):
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    deleted: int = 0
    triples: int = 0


class IndexReport(BaseModel):
    """What updating the search index did: texts encoded, reused (unchanged) and removed."""

    encoded: int = 0
    reused: int = 0
    removed: int = 0


class ImportResult(BaseModel):
    """The outcome of an import, re-import or deletion (`kg ingest --json`, `POST/PUT/DELETE /notes`)."""

    summary: Summary
    notes: list[NoteResult]
    index: IndexReport | None = None
    """None when the notes were stored but not yet linked and indexed (`kg ingest --no-index`)."""
    relinked: list[str] = Field(default_factory=list)
    """Other notes whose links changed because of this write."""
    notes_relinked: int = 0

    def then(self, later: "ImportResult") -> "ImportResult":
        """One report of this write followed by `later` (an import, then the prune after it)."""
        counts = {key: value + getattr(later.summary, key) for key, value in self.summary.model_dump().items()}
        index = self.index
        if later.index is not None:
            before = self.index or IndexReport()
            index = IndexReport(**{k: v + getattr(later.index, k) for k, v in before.model_dump().items()})
        relinked = sorted(set(self.relinked) | set(later.relinked))
        return ImportResult(
            summary=Summary(**counts),
            notes=[*self.notes, *later.notes],
            index=index,
            relinked=relinked,
            notes_relinked=len(relinked),
        )


class NodeRef(BaseModel):
    iri: str
    label: str = ""


class PaperRef(BaseModel):
    iri: str
    title: str = ""
    identifier: str = ""


class NoteRef(BaseModel):
    iri: str
    title: str = ""
    path: str = ""


class Related(BaseModel):
    iri: str
    label: str = ""
    reason: str


class Source(BaseModel):
    """A note line a fact came from; `field` says which fact (the node itself, its definition, ...)."""

    note: str
    line: int
    field: str
    title: str = ""
    path: str = ""


class Counts(BaseModel):
    papers: int = 0
    notes: int = 0
    sources: int = 0


class NodeContext(BaseModel):
    """A node with its place in the graph: stage, step, who discusses it, solutions and sources."""

    iri: str
    kind: str
    label: str
    stage: NodeRef | None = None
    step: NodeRef | None = None
    definition: str = ""
    papers: list[PaperRef] = Field(default_factory=list)
    notes: list[NoteRef] = Field(default_factory=list)
    solutions: list[NodeRef] = Field(default_factory=list)
    mitigates: list[NodeRef] = Field(default_factory=list)
    related: list[Related] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    counts: Counts = Field(default_factory=Counts)


class Scores(BaseModel):
    dense: float
    bm25: float


class Matched(BaseModel):
    """What matched the question: the node's label, a synonym or a definition sentence, and its note line."""

    field: Literal["label", "synonym", "definition"]
    text: str
    note: str | None = Field(None, description="The note that says it; none for the ontology's own words.")
    path: str | None = None
    line: int | None = None


class Hit(NodeContext):
    score: float
    scores: Scores
    match: Literal["strong", "weak", "none"] = Field(description="How well this node matches (calibrated cosine).")
    why: str = Field(description="The text that matched (the same as `matched.text`).")
    matched: Matched


class Answer(BaseModel):
    """The answer document of `kg ask --json` and `/ask`."""

    question: str
    k: int
    type: str | None = None
    match: Literal["strong", "weak", "none"] = Field(description="The best hit's match; `none`: nothing matches.")
    message: str | None = Field(None, description="Said when nothing in the graph matches the question.")
    hits: list[Hit]
    took_ms: float


class NodeSummary(BaseModel):
    iri: str
    id: str
    label: str


class NoteSummary(BaseModel):
    id: str
    iri: str
    path: str
    title: str | None = None
    paper: str | None = Field(None, description="The paper the note is about (its IRI), if any.")
    concepts: int = Field(0, description="Stages, steps and concerns the note discusses.")
    imported: str | None = Field(None, description="When this version of the note was imported (ISO 8601).")


class DerivedNode(BaseModel):
    iri: str
    label: str
    line: int


class NoteDetail(NoteSummary):
    title: str | None = None
    markdown: str | None = None
    derived: list[DerivedNode] = Field(default_factory=list)
    discusses: list[Discussion] = Field(default_factory=list)


class GraphNode(BaseModel):
    iri: str
    label: str
    kind: str
    depth: int | None = None


class GraphEdge(BaseModel):
    source: str = Field(serialization_alias="from", validation_alias="from")
    to: str
    rel: str


class Neighbourhood(BaseModel):
    center: str
    depth: int
    nodes: list[GraphNode]
    edges: list[GraphEdge]


class GraphPath(BaseModel):
    path: list[GraphNode]


class LifecycleConcern(BaseModel):
    iri: str
    label: str
    papers: int
    notes: int


class LifecycleStep(BaseModel):
    iri: str
    label: str
    concerns: list[LifecycleConcern]


class LifecycleStage(BaseModel):
    iri: str
    label: str
    steps: list[LifecycleStep]


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    triples: int
    """Quads of the dataset (with a remote store, counted at most once a minute)."""
    notes: int
    index_size: int
    model: str
    encoder_backend: str
    generation: int
    store: Literal["embedded", "sparql"]
    store_generation: int
    """Writes the store has taken (its change marker)."""
    synced_generation: int
    """Writes this server's index and graph view include; behind the store's while it catches up."""
    sync_age_s: float | None
    """With a remote store: seconds since this server last had every write the store had."""


class CoverageCount(BaseModel):
    iri: str
    label: str
    concerns: int
    notes: int
    papers: int


class CoverageStage(CoverageCount):
    steps: list[CoverageCount]


class PlacedConcern(BaseModel):
    iri: str
    label: str
    stage: str
    step: str


class SinglePaperConcern(PlacedConcern):
    paper: str


class CentralConcern(PlacedConcern):
    score: float
    papers: int
    notes: int


class UnlinkedNote(BaseModel):
    iri: str
    path: str


class CoverageReport(BaseModel):
    """Where the literature is thin (`GET /coverage`, `kg coverage`)."""

    stages: list[CoverageStage]
    concerns_without_papers: list[PlacedConcern]
    concerns_with_one_paper: list[SinglePaperConcern]
    central_concerns: list[CentralConcern]
    notes_without_concerns: list[UnlinkedNote]
