"""Every benchmark runs at its smallest size, so that none silently rots (figures are not asserted)."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from .conftest import MODELS, ROOT

SMALLEST: dict[str, tuple[list[str], set[str]]] = {
    "bench_vector_index.py": (["--sizes", "1000"], {"vectors", "flat_ms", "hnsw_recall_at_10"}),
    "bench_ask.py": (["--notes", "0", "--queries", "5"], {"notes", "texts", "p50_ms", "cold_kg_ask_s"}),
    "bench_ingest.py": (["--notes", "10"], {"notes", "notes_per_s", "triples"}),
    "bench_writes.py": (
        ["--notes", "10", "--repeat", "1", "--json", "--warm-cache"],
        {"notes", "new_note_p50_ms", "delete_p50_ms", "first_import_warm_cache_s"},
    ),
    "bench_links.py": (["--notes", "5", "--json"], {"notes", "discussions", "one_new_note_s"}),
    "bench_http.py": (["--seconds", "0.3", "--clients", "1", "--repeat", "3"], {"operation", "http_p50_ms"}),
    "bench_load.py": (["--seconds", "1"], {"notes", "index_matches_store"}),
    "bench_page.py": (
        ["--rounds", "1", "--json"],
        {"first_page_bytes", "sparql_page_bytes", "sparql_1000_rows_ms_p50", "answers"},
    ),
    "bench_remote.py": (
        ["--notes", "0", "--repeat", "3", "--imports", "2"],
        {
            "notes",
            "ask_remote_over_embedded_p50",
            "sparql_mlkg_over_store_p50",
            "aggregate_mlkg_over_store_p50",
            "read_your_writes_across_servers",
        },
    ),
    "bench_similarity.py": (["--repeat", "2", "--json"], {"concerns", "ranked_over_plain", "new_text_over_plain"}),
}
NOT_BENCHMARKS = {"__init__.py", "synth_vault.py"}


def _objects(stdout: str) -> list[dict[str, Any]]:
    """The JSON objects a benchmark printed: one per line, or one indented object."""
    try:
        return [json.loads(stdout)]
    except json.JSONDecodeError:
        return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def test_every_benchmark_has_a_smoke_run() -> None:
    scripts = {p.name for p in (ROOT / "bench").glob("*.py")} - NOT_BENCHMARKS
    assert scripts == set(SMALLEST)


@pytest.mark.parametrize("script", sorted(SMALLEST))
def test_benchmark_runs_at_its_smallest_size(
    script: str, tmp_path: Path, cli_models: Path, live_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    args, keys = SMALLEST[script]
    if script == "bench_page.py":
        args = [*args, "--url", live_server, "--chromium", os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")]
    # a short TMPDIR: Chromium's socket path must fit in 108 bytes, and pytest-xdist's paths are long
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as scratch:
        env = {**os.environ, "KG_MODEL_CACHE": str(MODELS[-1]), "TMPDIR": scratch}
        done = subprocess.run(
            [sys.executable, str(ROOT / "bench" / script), *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=280,
        )
    assert done.returncode == 0, done.stderr[-3000:]
    objects = _objects(done.stdout)
    assert objects, done.stdout[-2000:]
    assert all(keys <= set(o) for o in objects), (keys, objects)
