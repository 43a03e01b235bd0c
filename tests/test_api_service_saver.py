"""Saving the index in the background: readers never wait for a save; a write waits its turn, then lands."""

import threading
import time
from pathlib import Path
from typing import Any

import pytest

import api.service.core as core
from api.service import reads, writes
from api.service.core import build_services
from api.service.index_saver import IndexSaver
from api.service.results import Answer
from kg.search.encoder import Encoder
from kg.settings import Settings

from .conftest import SEED

NOTE = b"# Extra note\n\nAttackers copy a deployed model through its prediction API: [[Model stealing]].\n"


def test_a_slow_save_holds_back_the_next_write_but_no_reader(
    tmp_path: Path, encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_dir=tmp_path / "data", ingest_workers=1, max_semantic_links=0)
    services = build_services(settings, encoder=encoder, snapshots=True)
    services.start()
    writes.import_paths(services, [SEED])
    saving, release = threading.Event(), threading.Event()
    real_save = core.save_engine

    def slow_save(*args: Any) -> None:
        saving.set()
        release.wait(30)
        real_save(*args)

    monkeypatch.setattr(core, "save_engine", slow_save)
    saver = threading.Thread(target=services._save_now)
    saver.start()
    assert saving.wait(10)
    writer = threading.Thread(target=writes.import_note, args=(services, "extra.md", NOTE))
    writer.start()
    time.sleep(2)  # the write has had time to reach the lock it needs

    answers: list[Answer] = []
    reader = threading.Thread(target=lambda: answers.append(reads.ask(services, "copying a model through its API")))
    reader.start()
    reader.join(10)
    assert not reader.is_alive() and answers[0].hits, "a reader waited for the save"
    assert writer.is_alive(), "the write did not wait for the save"
    with services.reading() as view:
        assert "https://w3id.org/mlkg/id/note/extra" not in view.store.note_paths()

    release.set()
    saver.join(30)
    writer.join(30)
    assert not writer.is_alive()
    with services.reading() as view:
        assert "https://w3id.org/mlkg/id/note/extra" in view.store.note_paths()
    assert (settings.index_dir / "current").exists()
    services.close()


def test_the_saver_waits_longer_after_a_slow_save() -> None:
    saves: list[float] = []

    def save() -> None:
        saves.append(time.monotonic())
        time.sleep(0.05)

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
