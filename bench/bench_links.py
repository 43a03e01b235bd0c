"""Cost of linking: the first link pass over a synthetic vault, one new note, and a new concern.

Usage: python bench/bench_links.py --notes 1000 [--json]
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "out"
DISCUSSION = "https://w3id.org/mlkg/ontology#Discussion"
NEW_NOTE = b"# Seminar\nModel extraction through a public API is cheap; membership inference leaks records.\n"
NEW_CONCERN = b"| Stage | Step | Concern |\n|---|---|---|\n| Operations | Serving | Prompt injection |\n"


def timed(action):  # type: ignore[no-untyped-def]
    began = time.perf_counter()
    result = action()
    return result, round(time.perf_counter() - began, 2)


def run(count: int) -> dict[str, float]:
    from synth_vault import write_vault

    from api.service import writes
    from api.service.core import build_services
    from kg.settings import Settings

    vault = write_vault(count, OUT / f"vault-{count}")
    work = Path(tempfile.mkdtemp(prefix="mlkg-bench-links-"))
    services = build_services(Settings(data_dir=work))
    services.load_encoder()
    _, import_s = timed(lambda: writes.import_paths(services, [vault, ROOT / "notes"], link=False))
    first, first_s = timed(lambda: writes.import_paths(services, []))
    _, one_s = timed(lambda: writes.import_note(services, "Seminar.md", NEW_NOTE))
    relinked, concern_s = timed(lambda: writes.import_note(services, "New concern.md", NEW_CONCERN))
    services.linker.forget()
    _, idle_s = timed(lambda: writes.import_paths(services, []))
    discussions = services.store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?d a <{DISCUSSION}> }}")
    total = int(next(iter(discussions))["n"].value)  # type: ignore[arg-type, index]
    services.close()
    shutil.rmtree(work, ignore_errors=True)
    return {
        "notes": count,
        "import_s": import_s,
        "first_index_and_link_s": first_s,
        "notes_linked_again": len(first.relinked),
        "discussions": total,
        "one_new_note_s": one_s,
        "new_concern_s": concern_s,
        "notes_relinked_by_new_concern": relinked.notes_relinked,
        "nothing_changed_s": idle_s,
    }


def main() -> None:
    # cold figures: the vector cache beside the model would skip every text this machine encoded before
    os.environ.setdefault("KG_VECTOR_CACHE_ROWS", "0")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.notes)
    print(json.dumps(result) if args.json else "\n".join(f"{k}: {v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
