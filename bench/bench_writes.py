"""What writes cost at scale, through the service layer as the server runs it (snapshots on).

For a synthetic vault of N notes: the first import from an empty store until linked and searchable;
one new seed-sized note and its deletion, each acknowledged only once stored, linked, indexed and
published (p50 over --repeat writes); `/ask` warm against the encoder's own time; `kg ask` from a
fresh shell; peak memory of the process.

Usage: python bench/bench_writes.py --notes 1000 10000 [--style seed|topics] [--repeat 5] [--json] [--keep DIR]
  [--warm-cache]
(with --keep, a later run on the same DIR reuses the imported vault and measures only the rest; with
--warm-cache, the vault is also imported into two more data folders sharing a new vector cache: the
first fills it, the second finds every text there, as another data folder or a new replica would)
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "out"
SEED = ROOT / "notes" / "Challenges in Deploying Machine Learning - a Survey of Case Studies.md"
QUESTIONS = [
    "someone is copying my model through its API",
    "the data in production no longer looks like the training data",
    "who checks the model for bias before release",
    "labels arrive weeks after the predictions",
]


def timed(action: Any) -> tuple[Any, float]:
    began = time.perf_counter()
    result = action()
    return result, time.perf_counter() - began


def _ms(values: list[float]) -> float:
    return round(1000 * statistics.median(values), 1)


def writes_at(count: int, style: str, repeat: int, keep: Path | None = None) -> dict[str, Any]:
    from synth_vault import write_vault

    from api.service import reads, writes
    from api.service.core import build_services
    from kg.settings import Settings

    vault = write_vault(count, OUT / f"vault-{style}-{count}", style=style)
    data = keep / f"data-{style}-{count}" if keep else Path(tempfile.mkdtemp(prefix="mlkg-bench-writes-"))
    reused = (data / "store").exists()  # a folder kept by an earlier --keep run: measure writes on it
    services = build_services(Settings(data_dir=data), snapshots=True)
    services.load_encoder()
    if reused:
        services.start()
    first, first_s = timed(lambda: writes.import_paths(services, [vault, ROOT / "notes"]))
    seed = SEED.read_bytes()
    added = [timed(lambda i=i: writes.import_note(services, f"New/Seed copy {i}.md", seed)) for i in range(repeat)]
    deleted = [timed(lambda i=i: writes.delete_note(services, f"New/Seed copy {i}.md")) for i in range(repeat)]
    asks, encodes = [], []
    for question in QUESTIONS * 25:
        _, took = timed(lambda q=question: reads.ask(services, q, 5))
        asks.append(took)
        encodes.append(services.open().engine.timings["encode"] / 1000)
    index_size = len(services.open().engine.index)
    services.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cold = [cold_ask(data) for _ in range(3)]
    if keep is None:
        shutil.rmtree(data, ignore_errors=True)
    return {
        "notes": count,
        "style": style,
        "first_import_s": None if reused else round(first_s, 1),
        "first_import": first.summary.model_dump() | {"index": first.index.model_dump() if first.index else None},
        "texts": index_size,
        "new_note_p50_ms": _ms([s for _, s in added]),
        "new_note_first_ms": round(1000 * added[0][1], 1),
        "new_note_encoded": added[-1][0].index.encoded,
        "delete_p50_ms": _ms([s for _, s in deleted]),
        "ask_p50_ms": _ms(asks),
        "encode_p50_ms": _ms(encodes),
        "ask_over_encode": round(statistics.median(asks) / statistics.median(encodes), 2),
        "cold_kg_ask_s": round(statistics.median(cold), 2),
        "peak_rss_mb": round(peak_mb),
    }


def warm_cache_imports(vault: Path) -> dict[str, float]:
    """`kg ingest` of the vault into two empty data folders sharing a new vector cache: the first
    fills it, the second finds every text there (another data folder, or a new replica)."""
    from kg.iris import slugify
    from kg.settings import Settings

    s = Settings()
    export = s.models_dir / slugify(s.model)
    figures = {}
    with tempfile.TemporaryDirectory(prefix="mlkg-bench-cache-") as scratch:
        models = Path(scratch) / "models" / slugify(s.model)
        models.mkdir(parents=True)
        for file in export.iterdir():  # the export as it is, without the vectors kept beside it
            if not file.name.startswith("vectors-"):
                (models / file.name).symlink_to(file)
        env = os.environ | {"KG_MODEL_CACHE": str(models.parent), "KG_VECTOR_CACHE_ROWS": "10000000"}
        for name in ("filling", "warm"):
            command = [str(Path(sys.executable).parent / "kg"), "ingest", str(vault), str(ROOT / "notes")]
            began = time.perf_counter()
            subprocess.run(
                command, env=env | {"KG_DATA_DIR": str(Path(scratch) / name)}, check=True, capture_output=True
            )
            figures[f"first_import_{name}_cache_s"] = round(time.perf_counter() - began, 1)
    return figures


def cold_ask(data: Path) -> float:
    """`kg ask` in a new process, as a user in a fresh shell."""
    env = {k: v for k, v in os.environ.items() if k.startswith("KG_")}  # the user's settings, nothing else
    env |= {"KG_DATA_DIR": str(data), "PATH": str(Path(sys.executable).parent), "HOME": str(Path.home())}
    began = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).parent / "kg"), "ask", QUESTIONS[0], "-k", "3"],
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - began


def main() -> None:
    # cold figures: the vector cache beside the model would skip every text this machine encoded before
    os.environ.setdefault("KG_VECTOR_CACHE_ROWS", "0")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notes", type=int, nargs="+", default=[1000])
    parser.add_argument("--style", choices=["seed", "topics"], default="seed")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", type=Path, help="Keep each data folder under this folder (default: removed).")
    parser.add_argument("--warm-cache", action="store_true", help="Also import through a new vector cache, twice.")
    args = parser.parse_args()
    for count in args.notes:
        result = writes_at(count, args.style, args.repeat, args.keep)
        if args.warm_cache:
            result |= warm_cache_imports(OUT / f"vault-{args.style}-{count}")
        print(json.dumps(result) if args.json else "\n".join(f"{k}: {v}" for k, v in result.items()), flush=True)


if __name__ == "__main__":
    main()
