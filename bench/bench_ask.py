"""Latency of `ask` in one warm process, by phase, at the seed vault and at N synthetic notes.

Also: indexing throughput (texts encoded per second), the re-ingest of an unchanged vault,
and the wall time of `kg ask` from a fresh process.
Usage: python bench/bench_ask.py --notes 0 10000 [--queries 300]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
QUESTION_FILES = [ROOT / "bench" / "eval" / "questions.tsv", ROOT / "bench" / "eval" / "heldout.tsv"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def build(count: int, data: Path) -> dict[str, float]:
    """Ingest the seed (and `count` synthetic notes) into `data`, then index it."""
    from api.service import writes
    from api.service.core import build_services
    from bench.synth_vault import write_vault
    from kg.settings import Settings

    paths = [ROOT / "notes"]
    if count:
        paths.append(write_vault(count, ROOT / "bench" / "out" / f"vault-{count}"))
    services = build_services(Settings(data_dir=data))
    started = time.perf_counter()
    writes.import_paths(services, paths, link=False)
    ingest_s = time.perf_counter() - started
    services.load_encoder()
    started = time.perf_counter()
    report = writes.import_paths(services, [])  # links and indexes what was stored
    index_s = time.perf_counter() - started
    started = time.perf_counter()
    again = writes.import_paths(services, paths)
    unchanged_s = time.perf_counter() - started
    assert again.summary.unchanged == len(again.notes)
    services.close()
    assert report.index is not None
    return {
        "ingest_s": round(ingest_s, 1),
        "texts": report.index.encoded + report.index.reused,
        "index_and_link_s": round(index_s, 1),
        "reingest_unchanged_s": round(unchanged_s, 2),
    }


def latency(data: Path, queries: int) -> dict[str, float]:
    from api.service.core import build_services
    from kg.graph.view import GraphView
    from kg.search.evaluation import read_cases
    from kg.settings import Settings

    questions = [c.question for f in QUESTION_FILES for c in read_cases(f)]
    engine = build_services(Settings(data_dir=data), read_only=True).open().engine
    engine.view = GraphView.build(engine.store)  # the whole view, as the server holds it (`kg ask` reads a part)
    engine.ask(questions[0])
    phases: dict[str, list[float]] = {}
    totals = []
    for i in range(queries):
        started = time.perf_counter()
        engine.ask(questions[i % len(questions)], k=5)
        totals.append(1000 * (time.perf_counter() - started))
        for phase, ms in engine.timings.items():
            phases.setdefault(phase, []).append(ms)
    out = {"p50_ms": round(statistics.median(totals), 2), "p99_ms": round(percentile(totals, 0.99), 2)}
    # each hit's facts are kept until a write: the first pass over the questions reads them all
    out["first_pass_p50_ms"] = round(statistics.median(totals[: len(questions)]), 2)
    for phase, values in phases.items():
        out[f"{phase}_p50_ms"] = round(statistics.median(values), 2)
    return out


def cold_start(data: Path) -> float:
    kg = str(Path(sys.executable).parent / "kg")
    env = {**os.environ, "KG_DATA_DIR": str(data)}
    started = time.perf_counter()
    subprocess.run(
        [kg, "ask", "--json", "someone is copying my model through its API"],
        env=env,
        capture_output=True,
        check=True,
    )
    return round(time.perf_counter() - started, 2)


def main() -> None:
    # cold figures: the vector cache beside the model would skip every text this machine encoded before
    os.environ.setdefault("KG_VECTOR_CACHE_ROWS", "0")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notes", type=int, nargs="+", default=[0, 10000])
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    for count in args.notes:
        data = Path(tempfile.mkdtemp(prefix="mlkg-ask-"))
        row = {"notes": count + 1, **build(count, data), **latency(data, args.queries)}
        row["cold_kg_ask_s"] = min(cold_start(data) for _ in range(3))
        print(json.dumps(row), flush=True)
        shutil.rmtree(data)


if __name__ == "__main__":
    main()
