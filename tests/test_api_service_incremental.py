"""A write into a store of hundreds of notes changes only what it touched, and leaves the graph, the
index and the answers exactly as a full rebuild would (real store, real encoder, real FAISS and BM25)."""

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from api.service import reads, writes
from api.service.core import Services, build_services
from bench.synth_vault import write_vault
from kg.search.encoder import Encoder
from kg.settings import Settings

from .conftest import ROOT, RememberingEncoder

NOTES = 300
"""Enough that one write touches a sliver of the index (2,000 took 145 s, nearly all of it encoding)."""
QUESTIONS = ["someone is copying my model through its API", "labels drift after deployment", "audit the pipeline"]
NEW_NOTE = b"""---
title: Extraction seminar
---
| Stage | Step | Concern |
|---|---|---|
| Operations | Serving | Prompt leaking |

Model extraction through a public API is cheap; membership inference leaks records. See [[Synthetic note 00003]].
"""


def _services(data: Path, encoder: RememberingEncoder) -> Services:
    # semantic links encode every passage of every note: off here, on in the linking tests
    settings = Settings(data_dir=data, max_semantic_links=0, ingest_workers=2)
    return build_services(settings, encoder=encoder)  # type: ignore[arg-type]


def _answers(services: Services) -> list[object]:
    return [reads.ask(services, q, 5).model_dump(exclude={"took_ms"}) for q in QUESTIONS]


def _quads(services: Services) -> bytes:
    return services.store.dump(ox.RdfFormat.N_QUADS)


def _view(services: Services) -> tuple[set[tuple[str, str, str]], dict[str, object]]:
    graph = services.open().engine.view.graph
    return set(graph.edges(keys=True)), dict(graph.nodes(data=True))


@pytest.mark.timeout(900)
def test_a_write_into_many_notes_encodes_only_what_changed_and_equals_a_rebuild(tmp_path: Path, encoder: Encoder):
    vault = write_vault(NOTES, tmp_path / "vault")
    remembering = RememberingEncoder(encoder)
    data = tmp_path / "data"
    services = _services(data, remembering)
    first = writes.import_paths(services, [vault, ROOT / "notes"])
    assert first.summary.added == NOTES + 1 and first.index is not None and first.index.encoded > 2 * NOTES

    remembering.encoded.clear()
    added = writes.import_note(services, "Seminars/Extraction seminar.md", NEW_NOTE)
    assert added.index is not None and added.index.encoded == len(remembering.encoded)
    new_texts = set(remembering.encoded)
    assert any(t.startswith("Operations > Serving > Prompt leaking") for t in new_texts)
    assert any(t.startswith("Extraction seminar") for t in new_texts)
    assert len(new_texts) <= 8 and added.index.removed == 0  # the note, its new concern, step and stage texts

    remembering.encoded.clear()
    deleted = writes.delete_note(services, "Synthetic note 00010.md")
    assert deleted.index is not None and deleted.index.removed >= 1
    assert deleted.index.encoded == len(remembering.encoded) <= 40  # concerns whose text lost its definition

    incremental = (_answers(services), _view(services), len(services.open().engine.index))
    quads = _quads(services)
    services.close()

    shutil.rmtree(data / "index")  # the next process rebuilds the index and the view from the store
    rebuilt = _services(data, remembering)
    try:
        assert _quads(rebuilt) == quads
        assert (_answers(rebuilt), _view(rebuilt), len(rebuilt.open().engine.index)) == incremental
    finally:
        rebuilt.close()
