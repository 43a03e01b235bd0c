"""Load with concurrent writes: readers ask and query while writers import and delete notes.

Readers also check that no note graph is ever seen half-written (every note graph carries its
content hash, written in the same transaction). Bounded in time; loopback only.
Usage: python bench/bench_load.py [--seconds 20] [--readers 4] [--writers 2]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
AUTH = {"Authorization": "Bearer load-token"}
PARTIAL = """PREFIX mlkg: <https://w3id.org/mlkg/ontology#>
SELECT ?g WHERE { GRAPH ?g { ?n mlkg:path ?p } FILTER NOT EXISTS { GRAPH ?g { ?g mlkg:contentHash ?h } } }"""
QUESTIONS = [
    "someone is copying my model through its API",
    "data distribution changes over time",
    "labels are expensive",
    "the model must run on a phone",
]


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {}
        self.errors: list[str] = []
        self.partial_seen = 0

    def add(self, kind: str, started: float, response: httpx.Response, ok: set[int]) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(1000 * (time.perf_counter() - started))
            if response.status_code not in ok:
                self.errors.append(f"{kind}: {response.status_code} {response.text[:200]}")


def reader(base: str, deadline: float, tally: Tally, index: int) -> None:
    with httpx.Client(base_url=base, timeout=60) as client:
        turn = index
        while time.perf_counter() < deadline:
            turn += 1
            started = time.perf_counter()
            if turn % 2:
                response = client.get("/ask", params={"q": QUESTIONS[turn % len(QUESTIONS)]})
                tally.add("ask", started, response, {200})
            else:
                response = client.get("/sparql", params={"query": PARTIAL})
                tally.add("sparql", started, response, {200})
                if response.status_code == 200 and response.json()["results"]["bindings"]:
                    with tally.lock:
                        tally.partial_seen += 1


def writer(base: str, deadline: float, tally: Tally, notes: list[Path]) -> None:
    with httpx.Client(base_url=base, timeout=120, headers=AUTH) as client:
        turn = 0
        while time.perf_counter() < deadline:
            note = notes[turn % len(notes)]
            turn += 1
            started = time.perf_counter()
            response = client.post("/notes", params={"name": note.name}, content=note.read_bytes())
            tally.add("import", started, response, {201})
            if turn % 3 == 0 and response.status_code == 201:
                started = time.perf_counter()
                deleted = client.delete(f"/notes/{response.json()['notes'][0]['id']}")
                tally.add("delete", started, deleted, {204})


def consistency(base: str, data: Path) -> dict[str, Any]:
    """After the run: the store, the search index and the kept markdown agree."""
    notes = httpx.get(f"{base}/notes").json()
    kept = all(httpx.get(f"{base}/notes/{n['id']}").json()["markdown"] is not None for n in notes)
    listed = {c["iri"] for c in httpx.get(f"{base}/concerns").json()}
    query = "PREFIX mlkg: <https://w3id.org/mlkg/ontology#> SELECT DISTINCT ?c WHERE { ?c a mlkg:Concern }"
    stored = {
        b["c"]["value"] for b in httpx.get(f"{base}/sparql", params={"query": query}).json()["results"]["bindings"]
    }
    return {"markdown_kept": kept, "index_matches_store": listed == stored, "notes": len(notes)}


def run_load(base: str, data: Path, seconds: float, readers: int, writers: int, notes: list[Path]) -> dict[str, Any]:
    tally = Tally()
    deadline = time.perf_counter() + seconds
    threads = [threading.Thread(target=reader, args=(base, deadline, tally, i)) for i in range(readers)]
    chunk = max(1, len(notes) // max(writers, 1))
    threads += [
        threading.Thread(target=writer, args=(base, deadline, tally, notes[i * chunk : (i + 1) * chunk]))
        for i in range(writers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report: dict[str, Any] = {
        "seconds": seconds,
        "readers": readers,
        "writers": writers,
        "errors": len(tally.errors),
        "partial_note_seen": tally.partial_seen,
        "first_errors": tally.errors[:3],
    }
    for kind, values in sorted(tally.latencies.items()):
        ordered = sorted(values)
        report[kind] = {
            "requests": len(values),
            "p50_ms": round(statistics.median(values), 1),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 1),
        }
    report.update(consistency(base, data))
    return report


def start_server(data: Path, port: int, models: Path | None = None) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "KG_DATA_DIR": str(data),
        "KG_PORT": str(port),
        "KG_API_TOKEN": "load-token",
        "KG_RATE_LIMIT_PER_MINUTE": "0",
        "KG_QUERIES_PER_CLIENT": "16",  # every reader shares one address
        **({"KG_MODEL_CACHE": str(models)} if models else {}),
    }
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "kg"), "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(data.parent / f"{data.name}-server.log").open("wb"),
    )
    for _ in range(1200):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the server did not start")


def main() -> None:
    # cold figures: the vector cache beside the model would skip every text this machine encoded before
    os.environ.setdefault("KG_VECTOR_CACHE_ROWS", "0")
    from bench.bench_http import free_port
    from bench.synth_vault import write_vault

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--writers", type=int, default=2)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="mlkg-load-"))
    notes = sorted(write_vault(40, data.parent / f"{data.name}-vault").glob("*.md"))
    port = free_port()
    server = start_server(data, port)
    try:
        report = run_load(f"http://127.0.0.1:{port}", data, args.seconds, args.readers, args.writers, notes)
        print(json.dumps(report, indent=1))
    finally:
        server.terminate()
        server.wait(timeout=60)


if __name__ == "__main__":
    main()
