"""Scale-out: mlkg servers over a remote store (Oxigraph's own server) next to one embedded server.

In one run, over the same data (the seed, plus N synthetic notes): server E on the embedded store;
Oxigraph server (PyPI `oxigraph`) on a copy of that store, with servers A and B over it (KG_STORE=sparql,
one shared note cache). Measured: /ask p50/p99 on E and on A; a 2-pattern SELECT and an aggregate
over every discussion, each through A's /sparql and sent to the store directly; imports through E
and through A; read-your-writes (an import through A until B's index and graph view have taken it
in); resident memory of each server.
Usage: python bench/bench_remote.py [--notes 0 10000] [--data DIR] [--repeat 100] [--imports 20] [--json]
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.bench_http import free_port, percentile  # noqa: E402 - after the path is set

BIN = Path(sys.executable).parent
SELECT = """PREFIX mlkg: <https://w3id.org/mlkg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?note ?title WHERE {
  ?note mlkg:discusses <https://w3id.org/mlkg/id/concern/model-stealing> ; dcterms:title ?title }
ORDER BY ?title LIMIT 10"""
# not bench_http's 4-pattern lifecycle query: the synthetic notes repeat the lifecycle table, and
# the union of 10,000 graphs repeats each of its triples (Oxigraph's union keeps duplicates)
AGGREGATE = """PREFIX mlkg: <https://w3id.org/mlkg/ontology#>
SELECT ?concern (COUNT(DISTINCT ?note) AS ?notes) WHERE { ?note a mlkg:Note ; mlkg:discusses ?concern }
GROUP BY ?concern ORDER BY DESC(?notes) ?concern LIMIT 10"""
# a query whose cost grows with the vault: what mlkg adds to each request is fixed, so the two
# queries show it against a cheap answer and against one the store works at
QUESTIONS = [
    "someone is copying my model through its API",
    "labels arrive weeks after the predictions",
    "the data in production drifts away from training",
    "how do we explain a prediction to a regulator",
]
NOTE = """# Remote bench note {n}

Attackers copy a deployed model through its prediction API ({n}): [[Model stealing]].
"""
AUTH = {"Authorization": "Bearer bench-token"}


def build(count: int, data: Path) -> None:
    """The seed and `count` synthetic notes, stored, linked and indexed in an embedded data folder."""
    from api.service import writes
    from api.service.core import build_services
    from bench.synth_vault import write_vault
    from kg.settings import Settings

    paths = [ROOT / "notes"]
    if count:
        paths.append(write_vault(count, Path(tempfile.mkdtemp(prefix="mlkg-remote-vault-"))))
    services = build_services(Settings(data_dir=data))
    writes.import_paths(services, paths, link=False)
    writes.import_paths(services, [])  # links and indexes what was stored
    services.close()


def copy_store(data: Path, target: Path) -> None:
    """A consistent copy of the embedded store (Oxigraph's backup: the same files the server opens)."""
    from kg.store.quad_store import OxigraphStore

    store = OxigraphStore(data / "store", read_only=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    store.snapshot(target)
    store.close()


def wait_until(check: Callable[[], bool], seconds: float) -> float:
    started = time.perf_counter()
    while True:
        try:
            if check():
                return time.perf_counter() - started
        except httpx.TransportError:
            pass
        if time.perf_counter() - started > seconds:
            raise SystemExit("timed out waiting for a server")
        time.sleep(0.01)


@contextmanager
def process(
    command: list[str], env: dict[str, str], ready: str, logs: Path | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """A server process, ready once `ready` answers 200; stopped on exit. Its output goes to a file in
    `logs` named by its port (nowhere without `logs`)."""
    log = subprocess.DEVNULL if logs is None else (logs / f"{env.get('KG_PORT', 'store')}.log").open("wb")
    started = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: started.poll() is None and httpx.get(ready, timeout=5).status_code == 200, 1800)
        yield started
    finally:
        started.terminate()
        started.wait(timeout=120)
        if not isinstance(log, int):
            log.close()


def kg_server(data: Path, port: int, extra: dict[str, str]) -> tuple[list[str], dict[str, str], str]:
    env = {
        **os.environ,
        "KG_DATA_DIR": str(data),
        "KG_PORT": str(port),
        "KG_API_TOKEN": "bench-token",
        "KG_RATE_LIMIT_PER_MINUTE": "0",
        **extra,
    }
    return [str(BIN / "kg"), "serve"], env, f"http://127.0.0.1:{port}/health"


def timed(call: Callable[[], object], repeat: int) -> list[float]:
    call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(1000 * (time.perf_counter() - started))
    return times


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def ask_times(base: str, repeat: int) -> list[float]:
    with httpx.Client(base_url=base, timeout=60) as client:
        cycle = iter(QUESTIONS * (repeat // len(QUESTIONS) + 2))
        return timed(lambda: client.get("/ask", params={"q": next(cycle), "k": "5"}).raise_for_status(), repeat)


def select_times(url: str, repeat: int, params: dict[str, str], query: str = SELECT) -> list[float]:
    headers = {"Accept": "application/sparql-results+json"}
    with httpx.Client(timeout=60) as client:
        return timed(
            lambda: client.get(url, params={**params, "query": query}, headers=headers).raise_for_status(), repeat
        )


def imports(base: str, count: int, start: int, reader: str | None = None) -> tuple[list[float], list[float]]:
    """ms per import through `base`, and (with `reader`) ms until the reader's index has taken it in."""
    took, seen = [], []
    with httpx.Client(timeout=120) as client:
        for n in range(start, start + count):
            started = time.perf_counter()
            reply = client.post(
                f"{base}/notes", params={"name": f"bench/{n}.md"}, content=NOTE.format(n=n), headers=AUTH
            )
            reply.raise_for_status()
            took.append(1000 * (time.perf_counter() - started))
            if reader is not None:
                written = client.get(f"{base}/health").json()["store_generation"]
                caught_up = wait_until(
                    lambda w=written: client.get(f"{reader}/health").json()["synced_generation"] >= w, 60
                )
                seen.append(1000 * (time.perf_counter() - started))
                assert caught_up >= 0
    return took, seen


def figures(values: list[float]) -> dict[str, float]:
    return {"p50_ms": round(statistics.median(values), 1), "p99_ms": round(percentile(values, 0.99), 1)}


def run(count: int, data: Path | None, repeat: int, imports_n: int, logs: Path | None = None) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix="mlkg-remote-"))
    source = data or work / "source"
    if data is None:
        build(count, source)
    embedded, remote_dir = work / "embedded", work / "oxigraph"
    copy_store(source, embedded / "store")
    copy_store(source, remote_dir)
    for name in ("embedded", "a", "b"):  # each server starts from the saved index, as a restarted one does
        shutil.copytree(source / "index", work / name / "index", dirs_exist_ok=True)
    shutil.copytree(source / "cache", work / "cache")
    store_port = free_port()
    store_url = f"http://127.0.0.1:{store_port}"
    shared = {
        "KG_STORE": "sparql",
        "KG_STORE_QUERY_URL": f"{store_url}/query",
        "KG_STORE_UPDATE_URL": f"{store_url}/update",
        "KG_SHARED_CACHE": str(work / "cache"),
    }
    ports = [free_port() for _ in range(3)]
    oxigraph = [str(BIN / "oxigraph"), "serve", "--location", str(remote_dir), "--bind", f"127.0.0.1:{store_port}"]
    started = time.perf_counter()
    with (
        process(oxigraph, dict(os.environ), f"{store_url}/query?query=ASK%7B%7D", logs),
        process(*kg_server(embedded, ports[0], {"KG_SHARED_CACHE": str(work / "cache")}), logs) as server_e,
        process(*kg_server(work / "a", ports[1], shared), logs) as server_a,
        process(*kg_server(work / "b", ports[2], shared), logs) as server_b,
    ):
        ready_s = time.perf_counter() - started
        e, a, b = (f"http://127.0.0.1:{p}" for p in ports)
        ask_e, ask_a = ask_times(e, repeat), ask_times(a, repeat)
        through = select_times(f"{a}/sparql", repeat, {})
        direct = select_times(f"{store_url}/query", repeat, {"union-default-graph": ""})
        heavy_through = select_times(f"{a}/sparql", max(repeat // 5, 1), {}, AGGREGATE)
        heavy_direct = select_times(f"{store_url}/query", max(repeat // 5, 1), {"union-default-graph": ""}, AGGREGATE)
        import_e, _ = imports(e, imports_n, 0)
        import_a, visible = imports(a, imports_n, imports_n, reader=b)
        memory = {name: rss_mb(p.pid) for name, p in (("e", server_e), ("a", server_a), ("b", server_b))}
        notes = len(httpx.get(f"{a}/notes", timeout=120).json())
    shutil.rmtree(work, ignore_errors=True)
    return {
        "notes": notes,
        "servers_ready_s": round(ready_s, 1),
        "ask_embedded": figures(ask_e),
        "ask_remote": figures(ask_a),
        "ask_remote_over_embedded_p50": round(statistics.median(ask_a) / statistics.median(ask_e), 2),
        "sparql_through_mlkg": figures(through),
        "sparql_store_direct": figures(direct),
        "sparql_mlkg_over_store_p50": round(statistics.median(through) / statistics.median(direct), 2),
        "aggregate_through_mlkg": figures(heavy_through),
        "aggregate_store_direct": figures(heavy_direct),
        "aggregate_mlkg_over_store_p50": round(statistics.median(heavy_through) / statistics.median(heavy_direct), 2),
        "import_embedded": figures(import_e),
        "import_remote": figures(import_a),
        "read_your_writes_across_servers": figures(visible),
        "rss_mb": memory,
    }


def main() -> None:
    # cold figures: the vector cache beside the model would skip every text this machine encoded before
    os.environ.setdefault("KG_VECTOR_CACHE_ROWS", "0")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notes", type=int, nargs="+", default=[0], help="Synthetic notes beside the seed.")
    parser.add_argument("--data", type=Path, help="An embedded data folder to start from instead of building one.")
    parser.add_argument("--repeat", type=int, default=100, help="Requests per latency figure.")
    parser.add_argument("--imports", type=int, default=20, help="Notes imported through each server.")
    parser.add_argument("--logs", type=Path, help="A folder for each server's log (named by its port).")
    parser.add_argument("--json", action="store_true", help="One JSON object per size (the default prints them too).")
    args = parser.parse_args()
    for count in args.notes:
        print(json.dumps(run(count, args.data, args.repeat, args.imports, args.logs)), flush=True)


if __name__ == "__main__":
    main()
