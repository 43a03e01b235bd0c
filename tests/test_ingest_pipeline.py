"""Importing into the real store: idempotence, edits, deletion and bad input that loses nothing."""

import shutil
from pathlib import Path

import pytest

from api.service import writes
from api.service.core import build_services
from bench.synth_vault import write_vault
from ingest.pipeline import Importer, Status
from ingest.reading import NoteFile
from kg.errors import NoteValidationError, NotFound, PayloadTooLarge, UnsupportedEncoding
from kg.settings import Settings

from .conftest import FIXTURES, SEED, quads_of, select

SEED_IRI = "https://w3id.org/mlkg/id/note/challenges-in-deploying-machine-learning-a-survey-of-case-studies"
STEALING_NOTE = "Stealing Machine Learning Models via Prediction APIs.md"


def dataset(store) -> set[str]:
    return {line for line in store.dump(__import__("pyoxigraph").RdfFormat.N_QUADS).decode().splitlines()}


def test_reingest_is_idempotent(seeded, importer, vault):
    before = dataset(seeded)
    report = importer.ingest_paths([vault])
    assert report.summary()["unchanged"] == 1
    assert dataset(seeded) == before


def test_reimport_of_changed_bytes_gives_the_same_triples_but_the_hash(seeded, importer, vault):
    before = quads_of(seeded, SEED_IRI)
    note = vault / SEED.name
    note.write_text(note.read_text("utf-8") + "\n\n", "utf-8")
    report = importer.ingest_paths([vault])
    assert report.summary()["updated"] == 1
    after = quads_of(seeded, SEED_IRI)
    assert {t for t in before ^ after if "contentHash" not in t} == set()
    assert len(before ^ after) == 2


def test_editing_a_note_changes_only_its_graph(seeded, importer, vault):
    shutil.copy(FIXTURES / STEALING_NOTE, vault / STEALING_NOTE)
    importer.ingest_paths([vault])
    seed_before = quads_of(seeded, SEED_IRI)
    other = vault / STEALING_NOTE
    other.write_text(other.read_text("utf-8").replace("Query pattern anomalies", "Query floods"), "utf-8")
    report = importer.ingest_paths([vault])
    assert [o.status for o in report.outcomes] == [Status.UNCHANGED, Status.UPDATED]
    assert quads_of(seeded, SEED_IRI) == seed_before
    labels = {r["l"] for r in select(seeded, "SELECT ?l WHERE { ?c a mlkg:Concern ; rdfs:label ?l }")}
    assert "Query floods" in labels and "Query pattern anomalies" not in labels


def test_removing_a_table_row_removes_the_concern(seeded, importer, vault):
    note = vault / SEED.name
    lines = note.read_text("utf-8").split("\n")
    assert "Model inversion" in lines[41]
    note.write_text("\n".join(lines[:41] + lines[42:]), "utf-8")
    importer.ingest_paths([vault])
    concerns = {r["l"] for r in select(seeded, "SELECT ?l WHERE { ?c a mlkg:Concern ; rdfs:label ?l }")}
    assert len(concerns) == 37 and "Model inversion" not in concerns
    in_notes = (
        "SELECT ?p WHERE { GRAPH ?g { <https://w3id.org/mlkg/id/concern/model-inversion> ?p ?o } ?g a mlkg:Note }"
    )
    assert select(seeded, in_notes) == []


def test_a_concern_asserted_by_two_notes_survives_until_both_are_gone(seeded, importer, vault):
    shutil.copy(FIXTURES / STEALING_NOTE, vault / STEALING_NOTE)
    importer.ingest_paths([vault])
    ask = "SELECT DISTINCT ?n WHERE { <https://w3id.org/mlkg/id/concern/model-stealing> a mlkg:Concern ; prov:wasDerivedFrom ?n }"
    assert len(select(seeded, ask)) == 2
    Importer(seeded, 1_000_000).delete(STEALING_NOTE)
    assert [r["n"] for r in select(seeded, ask)] == [SEED_IRI]
    Importer(seeded, 1_000_000).delete(SEED_IRI)
    assert select(seeded, ask) == []
    with pytest.raises(NotFound):
        Importer(seeded, 1_000_000).delete(SEED_IRI)


def test_bad_files_are_reported_with_file_and_line_and_others_are_stored(store, importer, tmp_path: Path):
    vault = tmp_path / "mixed"
    vault.mkdir()
    shutil.copy(SEED, vault / SEED.name)
    shutil.copy(FIXTURES / "Broken frontmatter.md", vault / "Broken frontmatter.md")
    (vault / "latin1.md").write_bytes("# Caf\xe9\n".encode("latin-1"))
    (vault / "binary.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (vault / "no step.md").write_text("| Stage | Step | Concern |\n|---|---|---|\n| S | | Orphan |\n", "utf-8")
    report = importer.ingest_paths([vault])
    by_name = {Path(o.path).name: o for o in report.outcomes}
    assert by_name[SEED.name].status is Status.ADDED
    failures = {name: o for name, o in by_name.items() if o.status is Status.FAILED}
    assert set(failures) == {"latin1.md", "binary.md", "no step.md"}
    broken = by_name["Broken frontmatter.md"]  # Obsidian opens it: imported, with a warning on its line
    assert broken.status is Status.ADDED and [w.line for w in broken.warnings] == [3]
    assert str(failures["latin1.md"].problems[0]).endswith(
        "latin1.md:1: invalid UTF-8 byte 0xe9; save the note as UTF-8"
    )
    assert isinstance(failures["binary.md"].exception, UnsupportedEncoding)
    assert failures["no step.md"].problems[0].line == 3
    assert "Orphan" in failures["no step.md"].problems[0].message
    assert len(store.note_paths()) == 2


def test_a_rejected_import_leaves_the_store_as_it_was(seeded, importer):
    before = dataset(seeded)
    with pytest.raises(PayloadTooLarge):
        importer.import_bytes(b"x" * 300_000, NoteFile("big.md", "big.md"))
    with pytest.raises(NoteValidationError) as caught:
        importer.import_bytes(b"| Stage | Step | Concern |\n|--|--|--|\n| | | C |\n", NoteFile("r.md", "r.md"))
    assert caught.value.problems[0].line == 3 and caught.value.status == 422
    bad_update = SEED.read_bytes().replace(b"| Data management       |", b"| \xff |")
    with pytest.raises(UnsupportedEncoding):
        importer.import_bytes(bad_update, NoteFile(SEED.name, SEED.name))
    assert dataset(seeded) == before


def test_a_note_that_breaks_the_shapes_is_rejected_by_shacl(store, importer):
    text = "| Stage | Step | Concern |\n|---|---|---|\n| A | Shared | C1 |\n| B | Shared | C2 |\n"
    with pytest.raises(NoteValidationError) as caught:
        importer.import_bytes(text.encode(), NoteFile("two stages.md", "two stages.md"))
    assert {str(p) for p in caught.value.problems} == {
        "two stages.md:3: Shared: a step belongs to exactly one stage",
        "two stages.md:3: Shared: steps and concerns have exactly one broader concept (their stage or step)",
    }
    assert store.note_paths() == {}


def test_the_same_file_name_in_another_folder_is_another_note(seeded, importer, tmp_path: Path):
    other = tmp_path / "elsewhere"
    (other / "sub").mkdir(parents=True)
    shutil.copy(FIXTURES / STEALING_NOTE, other / "sub" / SEED.name)
    report = importer.ingest_paths([other])
    (outcome,) = report.outcomes
    assert outcome.status is Status.ADDED
    assert outcome.iri.endswith("/note/sub/challenges-in-deploying-machine-learning-a-survey-of-case-studies")
    assert set(seeded.note_paths().values()) == {SEED.name, f"sub/{SEED.name}"}


def test_two_paths_that_give_one_iri_conflict(seeded, importer, tmp_path: Path):
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "Model notes.md").write_text("# One\n", "utf-8")
    (other / "model-notes.md").write_text("# Two\n", "utf-8")
    report = importer.ingest_paths([other])
    failed = [o for o in report.outcomes if o.status is Status.FAILED]
    assert len(failed) == 1, report.outcomes
    assert "same IRI" in failed[0].error and "rename one" in failed[0].error


def test_the_graph_persists_across_store_instances(tmp_path: Path, vault):
    from ingest.pipeline import Importer
    from kg.store.quad_store import OxigraphStore

    first = OxigraphStore(tmp_path / "persist")
    Importer(first, 1_000_000).ingest_paths([vault])
    count = first.triple_count()
    first.close()
    del first
    reopened = OxigraphStore(tmp_path / "persist", read_only=True)
    assert reopened.triple_count() == count
    assert len(select(reopened, "SELECT ?c WHERE { ?c a mlkg:Concern }")) == 38


def test_a_concern_described_in_its_row_and_in_a_section_keeps_one_line(store, importer):
    text = (
        "| Stage | Step | Concern | Description |\n|---|---|---|---|\n"
        "| Ops | Serving | Cold starts | Slow first request. |\n\n## Cold starts\n- Also described here.\n"
    )
    importer.import_bytes(text.encode(), NoteFile("described.md", "described.md"))
    rows = select(
        store,
        """
        SELECT ?definition ?line WHERE { ?c rdfs:label "Cold starts" ; skos:definition ?definition ;
          prov:qualifiedDerivation ?d . ?d mlkg:field skos:definition ; mlkg:line ?line }""",
    )
    assert {r["definition"] for r in rows} == {"Slow first request.", "Also described here."}
    assert {r["line"] for r in rows} == {"3"}


def test_literature_note_with_frontmatter_gives_its_paper(store, importer, linker):
    report = importer.ingest_paths([FIXTURES / STEALING_NOTE])
    assert report.summary()["added"] == 1
    linker.relink(None)
    rows = select(
        store,
        """
        SELECT ?id ?title ?year (COUNT(DISTINCT ?author) AS ?authors) WHERE {
          ?note mlkg:aboutPaper ?paper . ?paper dcterms:identifier ?id ; dcterms:title ?title ;
          dcterms:date ?year ; dcterms:creator ?author } GROUP BY ?id ?title ?year""",
    )
    assert rows == [
        {
            "id": "arXiv:1609.02943",
            "title": "Stealing Machine Learning Models via Prediction APIs",
            "year": "2016",
            "authors": "5",
        }
    ]
    doi = select(store, "SELECT ?p WHERE { ?p dcterms:identifier 'doi:10.1145/2976749.2978318' }")
    assert len(doi) == 1
    links = select(store, "SELECT ?t WHERE { ?n mlkg:path ?p ; mlkg:relatedNote/dcterms:title ?t } ORDER BY ?t")
    assert [r["t"] for r in links] == ["Adversarial ML Survey", "Differential Privacy"]
    aliases = select(store, "SELECT ?a WHERE { ?n mlkg:path ?p ; skos:altLabel ?a } ORDER BY ?a")
    assert [r["a"] for r in aliases] == ["Model extraction paper", "Tramer 2016"]
    solution = select(store, "SELECT ?d WHERE { ?s a mlkg:Solution ; rdfs:label 'Rate limiting' ; skos:definition ?d }")
    assert solution == [{"d": "Rate limiting of the prediction API slows extraction down."}]


def test_an_oversized_file_is_refused_without_reading_it(store, importer, tmp_path: Path):
    big = tmp_path / "big.md"
    big.write_bytes(b"# x\n" + b"a" * 250_000)
    (outcome,) = importer.ingest_paths([big]).outcomes
    assert outcome.status is Status.FAILED and isinstance(outcome.exception, PayloadTooLarge)
    assert outcome.error == "note is 250,004 bytes; the limit is 200,000 (KG_MAX_NOTE_BYTES)"


def test_parallel_ingest_gives_the_same_graph_as_serial(tmp_path: Path):
    from bench.synth_vault import write_vault
    from ingest.pipeline import Importer
    from kg.store.quad_store import OxigraphStore

    vault = write_vault(70, tmp_path / "synthetic")
    graphs = []
    for workers in (1, 2):
        store = OxigraphStore(tmp_path / f"store-{workers}")
        report = Importer(store, 1_000_000, workers=workers).ingest_paths([vault])
        assert report.summary()["added"] == 70
        graphs.append({quad for quad in dataset(store) if "_:" not in quad})  # the ontology's lists
        store.close()
    assert graphs[0] == graphs[1]


@pytest.mark.timeout(240)
def test_parallel_imports_one_after_another_in_one_process_finish(tmp_path: Path, cli_models: Path):
    """The workers once forked this process with its index saver and encoder threads running, and
    the second import's workers hung on a lock held at that moment."""
    vault = write_vault(70, tmp_path / "vault")  # three batches: the worker pool is used
    for round in range(3):
        settings = Settings(data_dir=tmp_path / f"data{round}", ingest_workers=2, max_semantic_links=0)
        services = build_services(settings, snapshots=True)  # its own encoder, as `kg serve` loads it
        services.load_encoder()
        try:
            assert writes.import_paths(services, [vault]).summary.added == 70
        finally:
            services.close()
