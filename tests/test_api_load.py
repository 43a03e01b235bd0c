"""A short, bounded load with concurrent writes: no errors, no half-written note seen, and the
store, the index and the kept markdown agree afterwards."""

from pathlib import Path

import pytest

from bench.bench_load import run_load, start_server
from bench.synth_vault import write_vault

from .conftest import free_port


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
    assert report["index_matches_store"] and report["kept_files_match_notes"]
