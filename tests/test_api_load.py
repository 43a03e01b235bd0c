"""A short, bounded load with concurrent writes: no errors, no half-written note seen, and the
store, the index and the kept markdown agree afterwards."""

from pathlib import Path

import pytest

from bench.bench_load import run_load, start_server
from bench.synth_vault import write_vault

from .conftest import free_port

UNLINKED = """PREFIX mlkg: <https://w3id.org/mlkg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?g WHERE {
  GRAPH ?g { ?g mlkg:contentHash ?h } FILTER(STRSTARTS(STR(?g), "https://w3id.org/mlkg/id/note/"))
  FILTER NOT EXISTS { GRAPH ?l { ?l prov:wasDerivedFrom ?g ; mlkg:linkState ?s } }
}"""


@pytest.mark.timeout(600)
def test_readers_and_writers_together(tmp_path: Path, models_dir: Path, encoder):
    notes = sorted(write_vault(12, tmp_path / "vault").glob("*.md"))
    data, port = tmp_path / "data", free_port()
    server = start_server(data, port, models_dir)
    try:
        report = run_load(f"http://127.0.0.1:{port}", data, seconds=6, readers=3, writers=2, notes=notes)
    finally:
        server.terminate()
        server.wait(timeout=60)
    assert report["errors"] == 0, report["first_errors"]
    assert report["partial_note_seen"] == 0
    assert report["import"]["requests"] >= 3 and report["ask"]["requests"] >= 3
    assert report["index_matches_store"] and report["markdown_kept"]


def test_a_note_appears_with_its_links_and_embeddings_or_not_at_all(tmp_path: Path, encoder):
    """While notes are imported, every reader that sees a note also sees its links and can find it."""
    import threading

    import httpx

    from .conftest import ROOT, live_server_for

    auth = {"Authorization": "Bearer secret-token"}
    names = [f"Extraction {i}" for i in range(6)]
    torn: list[str] = []
    done = threading.Event()
    server = live_server_for(tmp_path / "data", ROOT / "notes", encoder)
    base = next(server)
    try:

        def read() -> None:
            with httpx.Client(base_url=base, timeout=30) as client:
                while not done.is_set():
                    listed = {note["id"] for note in client.get("/notes").json()}
                    for note in listed:
                        detail = client.get(f"/notes/{note}")
                        if detail.status_code == 200 and not detail.json()["discusses"]:
                            torn.append(f"{note} listed without its links")
                    # /ask reads a view at least as new as the one /notes read: it finds every listed note
                    hits = client.get("/ask", params={"q": "model extraction", "type": "note", "k": 50}).json()
                    found = {hit["iri"].rsplit("/", 1)[1] for hit in hits["hits"]}
                    torn.extend(f"{note} listed but not searchable" for note in listed - found)
                    unlinked = client.get("/sparql", params={"query": UNLINKED}).json()["results"]["bindings"]
                    torn.extend(f"SPARQL saw {row['g']['value']} without its links" for row in unlinked)

        readers = [threading.Thread(target=read) for _ in range(2)]
        for reader in readers:
            reader.start()
        with httpx.Client(base_url=base, timeout=60, headers=auth) as client:
            for name in names:
                text = f"---\ntitle: {name}\n---\nModel extraction through a public API, unique-marker-word.\n"
                assert client.post("/notes", params={"name": f"{name}.md"}, content=text).status_code == 201
        done.set()
        for reader in readers:
            reader.join(timeout=60)
        assert torn == []
        with httpx.Client(base_url=base, timeout=30) as client:
            assert len(client.get("/notes").json()) == len(names) + 1  # and the seed
    finally:
        done.set()
        next(server, None)
