"""Ingest throughput without embeddings: notes/s, triples/s and peak memory at each vault size.

Each size runs in its own process so that peak memory is that run's own.
Usage: python bench/bench_ingest.py --notes 1000 10000 [--json]
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
OUT = Path(__file__).resolve().parent / "out"
WORKERS = int(os.environ.get("KG_INGEST_WORKERS", os.cpu_count() or 1))


def run_one(count: int) -> dict[str, float]:
    """Generate a vault of `count` notes, ingest it into a fresh store, then re-ingest it unchanged."""
    from synth_vault import write_vault

    from ingest.pipeline import Importer
    from kg.store.quad_store import OxigraphStore

    vault = write_vault(count, OUT / f"vault-{count}")
    work = Path(tempfile.mkdtemp(prefix="mlkg-bench-"))
    store = OxigraphStore(work / "store")
    write_s = [0.0]
    replace = store.replace_graphs

    def timed_replace(graphs: dict[str, str]) -> None:
        began = time.perf_counter()
        replace(graphs)
        write_s[0] += time.perf_counter() - began

    store.replace_graphs = timed_replace  # type: ignore[method-assign]
    importer = Importer(store, 2_000_000, workers=WORKERS)
    start = time.perf_counter()
    report = importer.ingest_paths([vault])
    elapsed = time.perf_counter() - start
    start = time.perf_counter()
    again = importer.ingest_paths([vault])
    unchanged_s = time.perf_counter() - start
    summary = report.summary()
    assert summary["failed"] == 0 and again.summary()["unchanged"] == count, (summary, again.summary())
    store.close()
    shutil.rmtree(work, ignore_errors=True)
    return {
        "notes": count,
        "seconds": round(elapsed, 2),
        "notes_per_s": round(count / elapsed, 1),
        "triples": summary["triples"],
        "triples_per_s": round(summary["triples"] / elapsed),
        "ms_per_note": round(1000 * elapsed / count, 2),
        "store_write_ms_per_note": round(1000 * write_s[0] / count, 2),
        "reingest_unchanged_s": round(unchanged_s, 2),
        "workers": WORKERS,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        # the workers fork from multiprocessing's server process, not from this one: not counted (None)
        "worker_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024) or None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one)))
        return
    rows = []
    for count in args.notes:
        done = subprocess.run([sys.executable, __file__, "--one", str(count)], capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"the {count}-note run failed:\n{done.stderr}")
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), flush=True)
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for row in rows:
        print("| " + " | ".join(str(row[k]) for k in keys) + " |")


if __name__ == "__main__":
    main()
