"""Linking literature notes to concerns and to each other, on the real store, encoder and index."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from api.service import reads, writes
from api.service.core import Services, build_services
from kg.graph.discussions import discussions
from kg.iris import links_graph_iri
from kg.links.evaluation import predicted, read_labels, score
from kg.search.encoder import Encoder
from kg.settings import Settings
from tests.conftest import FIXTURES, SEED, select

LITERATURE = FIXTURES / "literature"
LABELS = read_labels(LITERATURE / "labels.tsv")
CONCERN = "https://w3id.org/mlkg/id/concern/"
NOTE = "https://w3id.org/mlkg/id/note/"


def make_vault(folder: Path, names: list[str] | None = None) -> Path:
    """The seed and the labelled literature notes (or only the named ones) in a fresh vault."""
    folder.mkdir(parents=True)
    shutil.copy(SEED, folder / SEED.name)
    for source in sorted(LITERATURE.rglob("*.md")):
        relative = source.relative_to(LITERATURE)
        if names is None or str(relative) in names:
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, folder / relative)
    return folder


def services_for(data: Path, encoder: Encoder) -> Services:
    return build_services(Settings(data_dir=data, ingest_workers=1), encoder=encoder)


@pytest.fixture(scope="module")
def literature(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[Services]:
    root = tmp_path_factory.mktemp("literature")
    services = services_for(root / "data", encoder)
    result = writes.import_paths(services, [make_vault(root / "vault")])
    assert result.summary.failed == 0, result.notes
    yield services
    services.close()


def links_of(services: Services, path: str) -> list[dict[str, object]]:
    note = next(iri for iri, p in services.store.note_paths().items() if p == path)
    return discussions(services.store, note, links_graph_iri(note))


def test_each_labelled_note_gets_no_forbidden_link_and_some_right_one(literature):
    threshold, cap = literature.settings.link_threshold, literature.settings.max_semantic_links
    for note in LABELS:
        links = predicted(links_of(literature, note.path), threshold, cap)
        assert not links & note.forbidden, (note.path, links & note.forbidden)
        if note.gold:
            assert links & note.gold, (note.path, links)


def test_links_reach_the_goal_at_the_configured_threshold(literature):
    found = {p: links_of(literature, p) for p in literature.store.note_paths().values()}
    scores = score(found, LABELS, literature.settings.link_threshold, literature.settings.max_semantic_links)
    assert scores.precision >= 0.9 and scores.recall >= 0.7, scores


def test_off_topic_notes_get_no_semantic_link(literature):
    for path in ("Sourdough starter log.md", "Attention Is All You Need.md"):
        concerns = [link for link in links_of(literature, path) if str(link["iri"]).startswith(CONCERN)]
        assert concerns == [], (path, concerns)


def test_a_note_in_its_own_words_is_linked_with_score_and_sentence(literature):
    """The issue's example: the extraction paper's note and its paper discuss Model stealing."""
    rows = select(
        literature.store,
        f"""SELECT ?method ?score ?evidence ?line WHERE {{
          ?note mlkg:path "papers/Tramer 2016 - Model Extraction.md" ;
                mlkg:discusses <{CONCERN}model-stealing> ; mlkg:qualifiedDiscussion ?d ;
                mlkg:aboutPaper ?paper .
          ?paper dcterms:identifier "arXiv:1609.02943" ; mlkg:discusses <{CONCERN}model-stealing> ;
                 mlkg:qualifiedDiscussion ?d .
          ?d a mlkg:Discussion ; mlkg:concept <{CONCERN}model-stealing> ; mlkg:method ?method ;
             mlkg:score ?score ; mlkg:evidence ?evidence ; mlkg:line ?line }}""",
    )
    assert len(rows) == 1
    row = rows[0]
    assert row["method"] in ("mention", "semantic") and 0 < float(row["score"]) <= 1
    source = (LITERATURE / "papers" / "Tramer 2016 - Model Extraction.md").read_text("utf-8").splitlines()
    assert row["evidence"].split()[0] in source[int(row["line"]) - 1]


def test_every_discussion_points_at_its_evidence_line(literature):
    rows = select(
        literature.store,
        """SELECT ?path ?method ?evidence ?line WHERE {
          ?note mlkg:path ?path ; mlkg:qualifiedDiscussion ?d .
          ?d mlkg:method ?method ; mlkg:evidence ?evidence ; mlkg:line ?line }""",
    )
    assert len(rows) > 15
    for row in rows:
        lines = (LITERATURE / row["path"]).read_text("utf-8").splitlines()
        at = int(row["line"]) - 1
        if row["method"] in ("wikilink", "tag"):
            assert row["evidence"].strip("[]#").split("/")[-1].lower() in lines[at].lower(), row
            continue
        first_word = row["evidence"].split()[0].lower().strip('"*[')
        assert first_word in " ".join(lines[at : at + 3]).lower(), row  # a sentence may go on a line or two


def test_search_and_sparql_show_the_note_among_the_papers_on_its_concern(literature):
    answer = reads.ask(literature, "someone copies my model through the prediction API", 3, "concern").model_dump()
    top = answer["hits"][0]
    assert top["label"] == "Model stealing"
    papers = {paper["iri"] for paper in top["papers"]}
    assert "https://w3id.org/mlkg/id/paper/arxiv-1609.02943" in papers
    assert f"{NOTE}papers/tramer-2016-model-extraction" in {note["iri"] for note in top["notes"]}
    rows = select(
        literature.store,
        f"SELECT DISTINCT ?id WHERE {{ ?p a mlkg:Paper ; dcterms:identifier ?id ; mlkg:discusses <{CONCERN}model-stealing> }}",
    )
    assert {"arXiv:1609.02943", "arXiv:2011.09926"} <= {r["id"] for r in rows}


def test_wikilinks_resolve_by_path_file_name_title_and_alias(literature):
    rows = select(
        literature.store,
        """SELECT ?from ?to WHERE { ?a mlkg:path ?from ; mlkg:relatedNote ?b .
           OPTIONAL { ?b mlkg:path ?p } BIND(COALESCE(?p, CONCAT("placeholder:", STR(?b))) AS ?to) }""",
    )
    pairs = {(r["from"], r["to"]) for r in rows}
    reading = "Poisoning and extraction reading list.md"
    assert (reading, "papers/Tramer 2016 - Model Extraction.md") in pairs  # path, with its folder
    assert (reading, "Hidden Technical Debt in Machine Learning Systems.md") in pairs  # folder the vault lacks
    assert (reading, "Membership Inference Attacks against Machine Learning Models.md") in pairs  # file name
    assert (reading, f"placeholder:{NOTE}adversarial-examples-survey") in pairs  # not written yet
    membership = "Membership Inference Attacks against Machine Learning Models.md"
    assert (membership, "papers/Tramer 2016 - Model Extraction.md") in pairs  # by title
    energy = "Energy and Policy Considerations for Deep Learning in NLP.md"
    assert (energy, "On-device inference notes.md") in pairs  # by alias
    # the wikilink to a concept is a discussion, not a note
    assert not any(to.endswith("data-poisoning") for _, to in pairs)


def _dump(services: Services) -> set[str]:
    data = services.store.dump(ox.RdfFormat.N_QUADS).decode("utf-8")
    return {line for line in data.splitlines() if line and "_:" not in line}


def _import_one_by_one(services: Services, vault: Path, files: list[Path]) -> None:
    for path in files:
        relative = str(path.relative_to(vault))
        writes.import_note(services, relative, path.read_bytes())


def test_import_order_does_not_change_the_graph(tmp_path, encoder):
    """All at once, and one note at a time in two opposite orders: the same quads every time."""
    together = services_for(tmp_path / "together", encoder)
    writes.import_paths(together, [make_vault(tmp_path / "v1")])
    vault = make_vault(tmp_path / "v2")
    files = sorted(vault.rglob("*.md"))
    forward, backward = services_for(tmp_path / "forward", encoder), services_for(tmp_path / "backward", encoder)
    _import_one_by_one(forward, vault, files)
    _import_one_by_one(backward, vault, files[::-1])
    try:
        assert _dump(together) == _dump(forward) == _dump(backward)
        # the literature was linked to the seed's concerns whichever came first
        assert len(select(together.store, "SELECT ?d WHERE { ?d a mlkg:Discussion }")) > 15
    finally:
        for services in (together, forward, backward):
            services.close()


def test_stored_links_pass_the_shapes_and_a_broken_discussion_is_reported(literature):
    from ingest.stored_validation import validate_store

    assert validate_store(literature.store) == []
    note = next(iri for iri, p in literature.store.note_paths().items() if p == "Snorkel.md")
    broken = f"<{links_graph_iri(note)}>"
    bad = f"<{note}#bad> a <https://w3id.org/mlkg/ontology#Discussion> ; <https://w3id.org/mlkg/ontology#score> 1.5 ."
    literature.store.update(f"INSERT DATA {{ GRAPH {broken} {{ {bad} }} }}")
    try:
        messages = {p.message for p in validate_store(literature.store)}
        assert any("score between 0 and 1" in m for m in messages), messages
        assert any("exactly one stage, step or concern" in m for m in messages), messages
    finally:
        literature.store.update(f"DELETE DATA {{ GRAPH {broken} {{ {bad} }} }}")


def test_the_partial_view_of_a_one_off_reader_gives_the_same_context_as_the_whole_view(literature):
    from kg.graph.context import LIST_CAP, graph_context
    from kg.graph.view import GraphView

    store = literature.store
    rows = store.query("PREFIX mlkg: <https://w3id.org/mlkg/ontology#> SELECT ?c WHERE { ?c a mlkg:Concern }")
    assert isinstance(rows, ox.QuerySolutions)
    concerns = sorted(row["c"].value for row in rows)
    whole = GraphView.build(store)
    for start in range(0, len(concerns), 5):  # five hits at a time, as an answer has
        hits = concerns[start : start + 5]
        partial = GraphView.around(store, hits, LIST_CAP)
        assert graph_context(store, partial, hits) == graph_context(store, whole, hits)
    assert len(concerns) == 38
