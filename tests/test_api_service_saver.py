"""Saving the index in the background: a forked child writes the index as it was, while reads and writes go on."""

import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import api.service.core as core
from api.service import reads, writes
from api.service.core import build_services
from api.service.index_saver import IndexSaver, reap
from kg.search.encoder import Encoder
from kg.search.search_index import SearchIndex
from kg.settings import Settings

from .conftest import SEED

EXTRA = "https://w3id.org/mlkg/id/note/extra"
SEED_NOTE = "https://w3id.org/mlkg/id/note/challenges-in-deploying-machine-learning-a-survey-of-case-studies"
NOTE = b"# Extra note\n\nAttackers copy a deployed model through its prediction API: [[Model stealing]].\n"


def test_a_slow_save_holds_back_neither_writes_nor_readers(
    tmp_path: Path, encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_dir=tmp_path / "data", ingest_workers=1, max_semantic_links=0)
    services = build_services(settings, encoder=encoder, snapshots=True)
    services.start()
    writes.import_paths(services, [SEED])
    saving, release = tmp_path / "saving", tmp_path / "release"
    real_save = core.save_engine

    def slow_save(*args: Any) -> None:  # runs in the child: it can only be told through files
        saving.touch()
        deadline = time.monotonic() + 30
        while not release.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        real_save(*args)

    monkeypatch.setattr(core, "save_engine", slow_save)
    assert services._saver is not None
    services._saver.stop()  # this test saves by hand: the server's own saver would save beside it
    services._saver = IndexSaver(lambda: None, quiet=3600)
    child = services._save_now()
    assert child is not None and child != os.getpid()
    deadline = time.monotonic() + 10
    while not saving.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert saving.exists()

    writer = threading.Thread(target=writes.import_note, args=(services, "extra.md", NOTE))
    writer.start()
    writer.join(20)
    assert not writer.is_alive(), "the write waited for the save"
    answer = reads.ask(services, "copying a model through its API", 5, "note")
    assert EXTRA in {hit.iri for hit in answer.hits}

    release.touch()
    assert reap(child, threading.Event())
    saved = SearchIndex.load(settings.index_dir, encoder.model, encoder.dim, settings.hnsw_threshold)
    assert saved is not None
    iris = {text.iri for text in saved[0].texts if text is not None}
    assert SEED_NOTE in iris and EXTRA not in iris  # the index as it was at the fork, not half of the write
    services.close()


def test_the_saver_waits_longer_after_a_slow_save() -> None:
    saves: list[float] = []

    def save() -> None:
        saves.append(time.monotonic())
        time.sleep(0.05)
        return None

    saver = IndexSaver(save, quiet=0.01)
    saver.poke()
    deadline = time.monotonic() + 5
    while not saves and time.monotonic() < deadline:
        time.sleep(0.005)
    saver.poke()
    while len(saves) < 2 and time.monotonic() < deadline:
        time.sleep(0.005)
    saver.stop()
    assert len(saves) == 2
    assert saves[1] - saves[0] >= 0.05 * 20  # SPACING times the 0.05 s the first save took
