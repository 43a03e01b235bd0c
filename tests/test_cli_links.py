"""Link reports from `kg ingest`, deletion and `kg ingest --watch`, in real processes."""

import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.store.quad_store import OxigraphStore

from .conftest import KG, MODELS, SEED, kg, select

CONCERN = "https://w3id.org/mlkg/id/concern/"
FIRST = """---
title: Seminar notes
tags: [data-poisoning]
---
# Notes
Model extraction through a public API is cheap for an attacker.
"""
SECOND = FIRST.replace("Model extraction through a public API is cheap for an attacker.", "See [[Concept drift]].")


@pytest.fixture(scope="module", autouse=True)
def _subprocess_models(cli_models: Path) -> None:
    """Every `kg` process of this module uses the session's model export."""


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    folder = tmp_path / "vault"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    (folder / "Attacks.md").write_text(FIRST, "utf-8")
    return folder


def _report(done: subprocess.CompletedProcess[str]) -> dict[str, dict[str, list[str]]]:
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    return {Path(n["path"]).name: n for n in body["notes"]}


def test_reimport_reports_links_gained_and_lost(tmp_path: Path, vault: Path):
    data = tmp_path / "data"
    first = _report(kg(data, "ingest", "--json", str(vault)))["Attacks.md"]
    assert set(first["links_gained"]) == {f"{CONCERN}model-stealing", f"{CONCERN}data-poisoning"}
    (vault / "Attacks.md").write_text(SECOND, "utf-8")
    second = _report(kg(data, "ingest", "--json", str(vault)))
    assert second["Attacks.md"]["status"] == "updated"
    assert second["Attacks.md"]["links_gained"] == [f"{CONCERN}concept-drift"]
    assert second["Attacks.md"]["links_lost"] == [f"{CONCERN}model-stealing"]
    assert second[SEED.name]["status"] == "unchanged" and second[SEED.name]["links_gained"] == []
    unchanged = kg(data, "ingest", str(vault))
    assert "links" not in unchanged.stdout and "2 unchanged" in unchanged.stdout  # nothing moved: no link lines
    (vault / "Attacks.md").write_text(FIRST, "utf-8")
    human = kg(data, "ingest", str(vault))
    assert "links attacks: +[model-stealing] -[concept-drift]" in human.stdout, human.stdout


def test_delete_drops_the_links_and_keeps_what_others_assert(tmp_path: Path, vault: Path):
    data = tmp_path / "data"
    (vault / "Reading.md").write_text("# Reading\n- [[Attacks]] on models, and [[Model stealing]].\n", "utf-8")
    assert kg(data, "ingest", str(vault)).returncode == 0
    done = kg(data, "delete", "Attacks.md")
    assert done.returncode == 0, done.stderr
    store = OxigraphStore(data / "store", read_only=True)
    try:
        discussions = select(store, "SELECT ?n WHERE { ?d a mlkg:Discussion ; prov:wasDerivedFrom ?n }")
        assert {r["n"].rsplit("/", 1)[1] for r in discussions} == {"reading"}
        placeholder = select(store, "SELECT ?t WHERE { ?r mlkg:path 'Reading.md' ; mlkg:relatedNote/dcterms:title ?t }")
        assert [r["t"] for r in placeholder] == ["Attacks"]  # a placeholder again, not the deleted note
        stealing = select(store, f"SELECT ?l WHERE {{ <{CONCERN}model-stealing> rdfs:label ?l }}")
        assert stealing == [{"l": "Model stealing"}]  # the seed still asserts it
        graphs = select(
            store, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(CONTAINS(STR(?g), 'attacks')) }"
        )
        assert graphs == []
    finally:
        store.close()


class JsonLines:
    """Reads the reports a `kg ... --json` process writes to a pipe: one JSON object per line."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.reports: list[dict[str, object]] = []
        self.thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self.thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.reports.append(json.loads(line))

    def wait_for(self, count: int, timeout: float = 90) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        while len(self.reports) < count:
            assert time.monotonic() < deadline, f"no report {count} within {timeout} s: {self.reports}"
            time.sleep(0.1)
        return self.reports[count - 1]


@pytest.fixture
def watcher(tmp_path: Path, vault: Path) -> Iterator[JsonLines]:
    (vault / "papers").mkdir()
    (vault / "papers" / "Nested.md").write_text("# Nested\nA note in a subfolder.\n", "utf-8")
    env = {**os.environ, "KG_DATA_DIR": str(tmp_path / "data"), "KG_MODEL_CACHE": str(MODELS[-1])}
    process = subprocess.Popen(
        [KG, "ingest", "--watch", "--json", str(vault)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        yield JsonLines(process)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _notes(report: dict[str, object]) -> dict[str, dict[str, object]]:
    return {Path(str(n["path"])).name: n for n in report["notes"]}  # type: ignore[attr-defined]


def test_watch_imports_changes_and_reports_links(watcher: JsonLines, vault: Path):
    first = _notes(watcher.wait_for(1))
    assert first["Attacks.md"]["status"] == "added"
    time.sleep(0.5)  # the watcher is running once the first report is out
    (vault / "Attacks.md").write_text(SECOND, "utf-8")
    changed = _notes(watcher.wait_for(2))
    assert changed["Attacks.md"]["status"] == "updated"
    assert changed["Attacks.md"]["links_lost"] == [f"{CONCERN}model-stealing"]
    (vault / "Attacks.md").unlink()
    deleted = _notes(watcher.wait_for(3))
    assert deleted["Attacks.md"]["status"] == "deleted"


def test_watch_keeps_the_vault_path_of_a_note_in_a_subfolder(watcher: JsonLines, vault: Path):
    assert _notes(watcher.wait_for(1))["Nested.md"]["status"] == "added"
    time.sleep(0.5)
    (vault / "papers" / "Nested.md").write_text("# Nested\nModel extraction, now.\n", "utf-8")
    changed = _notes(watcher.wait_for(2))["Nested.md"]
    assert (changed["status"], changed["error"]) == ("updated", "")
    assert changed["links_gained"] == [f"{CONCERN}model-stealing"]
