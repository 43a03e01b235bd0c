"""The note list: each note's count of stages, steps and concerns, from the graph view or from the store,
equal to what a SPARQL query joining each discussed node with its type counts."""

from pathlib import Path

from api.service import reads, writes
from api.service.core import build_services
from api.service.reads import NOTE_CONCEPTS
from kg.search.encoder import Encoder
from kg.settings import Settings
from kg.store.quad_store import select

from .conftest import ROOT, SEED

BY_TYPE = """PREFIX mlkg: <https://w3id.org/mlkg/ontology#>
SELECT ?note (COUNT(DISTINCT ?c) AS ?n) WHERE {
  ?note a mlkg:Note ; mlkg:discusses ?c . ?c a ?kind VALUES ?kind { mlkg:Stage mlkg:Step mlkg:Concern }
} GROUP BY ?note"""


def test_concept_counts_agree_with_a_typed_sparql_count(tmp_path: Path, encoder: Encoder) -> None:
    settings = Settings(data_dir=tmp_path / "data", ingest_workers=1)
    services = build_services(settings, encoder=encoder, snapshots=True)
    services.start()
    literature = ROOT / "tests" / "fixtures" / "literature"
    writes.import_paths(services, [SEED, literature])

    listed = {note.iri: note.concepts for note in reads.notes(services).notes}
    with services.reading() as view:
        typed = {row["note"]: int(row["n"]) for row in select(view.store, BY_TYPE)}
        by_store = {row["note"]: int(row["n"]) for row in select(view.store, NOTE_CONCEPTS % "")}
    assert len(listed) == 1 + len(list(literature.rglob("*.md")))
    assert sum(1 for n in listed.values() if n > 0) >= 10  # most literature notes discuss something
    assert listed == {iri: typed.get(iri, 0) for iri in listed}  # the graph view's counts
    assert listed == {iri: by_store.get(iri, 0) for iri in listed}  # the store's, for readers without a view

    whole = reads.notes(services)
    pages = [reads.notes(services, offset, 5) for offset in range(0, whole.total, 5)]
    assert [n.iri for p in pages for n in p.notes] == [n.iri for n in whole.notes] == sorted(listed)
    assert {p.total for p in pages} == {len(listed)} and [len(p.notes) for p in pages][:2] == [5, 5]
    assert [n.model_dump() for n in pages[1].notes] == [n.model_dump() for n in whole.notes[5:10]]
    beyond = reads.notes(services, whole.total + 3, 5)
    assert beyond.notes == [] and beyond.total == whole.total
    papers = reads.notes(services, path="PAPERS/")  # any case
    assert papers.total == len(list((literature / "papers").rglob("*.md"))) > 0
    assert all("papers/" in n.path.lower() for n in papers.notes)
    assert reads.notes(services, path="no such folder/").total == 0

    writes.import_note(services, "Later/Written after.md", b"# Written after\n\nModel stealing again.\n")
    later = reads.notes(services, path="later/")  # the list read once per generation is read again after a write
    assert [n.path for n in later.notes] == ["Later/Written after.md"] and later.notes[0].concepts == 1
    assert reads.notes(services).total == whole.total + 1

    made: list[int] = []

    def make() -> int:
        made.append(len(made) + 1)
        return made[-1]

    with services.reading() as view:
        assert services.kept("test", view, make) == services.kept("test", view, make) == 1
    writes.delete_note(services, "Later/Written after.md")
    with services.reading() as view:
        assert services.kept("test", view, make) == 2  # made again after a write
    services.close()
