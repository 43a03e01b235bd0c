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

    listed = {note.iri: note.concepts for note in reads.notes(services)}
    with services.reading() as view:
        typed = {row["note"]: int(row["n"]) for row in select(view.store, BY_TYPE)}
        by_store = {row["note"]: int(row["n"]) for row in select(view.store, NOTE_CONCEPTS)}
    assert len(listed) == 1 + len(list(literature.rglob("*.md")))
    assert sum(1 for n in listed.values() if n > 0) >= 10  # most literature notes discuss something
    assert listed == {iri: typed.get(iri, 0) for iri in listed}  # the graph view's counts
    assert listed == {iri: by_store.get(iri, 0) for iri in listed}  # the store's, for readers without a view
    services.close()
