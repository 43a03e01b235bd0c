"""HTTP on loopback against in-process: /ask and four representative SPARQL queries.

Starts `kg serve` on a free loopback port over a data directory holding the bundled vault, then
(1) one client, sequential requests: latency p50/p99, next to the same call made in-process;
(2) N concurrent clients for a fixed time: throughput and p50/p99 under load;
(3) the SPARQL operations against Oxigraph's own server (`oxigraph serve-read-only`, PyPI `oxigraph`)
on the same published snapshot, one request to each in turn: `vs_oxigraph` is mlkg's p50 over the
peer's in those paired calls (`paired_http_p50_ms`), so that the machine's drift reaches both alike.
The load generator (httpx, asyncio) runs on the same 2 cores as the server.
Usage: python bench/bench_http.py [--seconds 10] [--clients 8] [--repeat 300]
"""

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PREFIX = """PREFIX mlkg: <https://w3id.org/mlkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
QUERIES = {
    "select_4_patterns_10_rows": PREFIX
    + """SELECT ?concern ?step ?stage WHERE {
  ?c a mlkg:Concern ; rdfs:label ?concern ; mlkg:step ?s . ?s rdfs:label ?step ; mlkg:stage/rdfs:label ?stage }
ORDER BY ?concern LIMIT 10""",
    "ask_label": PREFIX + 'ASK { ?c rdfs:label "Model stealing" }',
    "construct_concern": PREFIX
    + """CONSTRUCT { ?c ?p ?o } WHERE {
  ?c rdfs:label "Model stealing" ; ?p ?o }""",
    "count_by_stage": PREFIX
    + """SELECT ?stage (COUNT(DISTINCT ?c) AS ?concerns) WHERE {
  ?c mlkg:step/mlkg:stage/rdfs:label ?stage } GROUP BY ?stage ORDER BY ?stage""",
}
QUESTION = "someone is copying my model through its API"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def requests() -> dict[str, tuple[str, dict[str, str], dict[str, str]]]:
    out = {"ask": ("/ask", {"q": QUESTION, "k": "5"}, {})}
    for name, query in QUERIES.items():
        accept = "text/turtle" if name.startswith("construct") else "application/sparql-results+json"
        out[name] = ("/sparql", {"query": query}, {"Accept": accept})
    return out


def in_process(data: Path, repeat: int) -> dict[str, float]:
    """p50 of each operation called directly, no HTTP."""
    from api.service.core import build_services
    from kg.settings import Settings
    from kg.store.result_formats import serialize

    services = build_services(Settings(data_dir=data), read_only=True)
    engine = services.open().engine
    calls: dict[str, Callable[[], Any]] = {"ask": lambda: json.dumps(engine.ask(QUESTION, 5))}
    for name, query in QUERIES.items():
        fmt = "turtle" if name.startswith("construct") else "json"
        calls[name] = lambda q=query, f=fmt: serialize(services.store.query(q), f)
    out = {}
    for name, call in calls.items():
        call()
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            call()
            times.append(1000 * (time.perf_counter() - started))
        out[name] = statistics.median(times)
    services.close()
    return out


def sequential(base: str, repeat: int, sparql_path: str | None = "/sparql") -> dict[str, tuple[float, float]]:
    """p50 and p99 of each operation, one request at a time; `sparql_path` is where the server takes
    SPARQL (Oxigraph's own server: /query), and None asks SPARQL only."""
    out = {}
    with httpx.Client(base_url=base) as client:
        for name, (path, params, headers) in requests().items():
            if path == "/sparql":
                path = sparql_path or "/query"
            elif sparql_path is None:
                continue
            client.get(path, params=params, headers=headers).raise_for_status()
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                client.get(path, params=params, headers=headers).raise_for_status()
                times.append(1000 * (time.perf_counter() - started))
            out[name] = (statistics.median(times), percentile(times, 0.99))
    return out


def oxigraph_server(base: str, data: Path, repeat: int) -> dict[str, tuple[float, float]]:
    """mlkg's and Oxigraph's own server's (PyPI `oxigraph`, on the same snapshot) p50 of each SPARQL
    operation, their requests alternating so that the machine's drift reaches both alike."""
    binary = Path(sys.executable).parent / "oxigraph"
    snapshots = sorted((data / "snapshots").iterdir()) if (data / "snapshots").is_dir() else []
    if not binary.exists() or not snapshots:
        return {}
    port = free_port()
    command = [str(binary), "serve-read-only", "--location", str(snapshots[-1]), "--union-default-graph"]
    peer = subprocess.Popen([*command, "--bind", f"127.0.0.1:{port}"], stderr=subprocess.DEVNULL)
    peer_base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(f"{peer_base}/query", params={"query": "ASK {}"}).raise_for_status()
                break
            except httpx.TransportError:
                time.sleep(0.1)
        with httpx.Client(base_url=base) as ours, httpx.Client(base_url=peer_base) as theirs:
            sides = ((ours, "/sparql"), (theirs, "/query"))
            out = {}
            for name, (path, params, headers) in requests().items():
                if path != "/sparql":
                    continue
                times: list[list[float]] = [[], []]
                for turn in range(repeat + 1):
                    for side, (client, at) in enumerate(sides):
                        started = time.perf_counter()
                        client.get(at, params=params, headers=headers).raise_for_status()
                        if turn:  # the first of each is a warm-up
                            times[side].append(1000 * (time.perf_counter() - started))
                out[name] = (statistics.median(times[0]), statistics.median(times[1]))
            return out
    finally:
        peer.terminate()
        peer.wait(timeout=30)


async def load(base: str, name: str, clients: int, seconds: float) -> dict[str, float]:
    path, params, headers = requests()[name]
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def client_loop(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            response = await client.get(path, params=params, headers=headers)
            latencies.append(1000 * (time.perf_counter() - started))
            errors += response.status_code != 200

    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(client) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "errors": errors,
        "req_per_s": round(len(latencies) / elapsed),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
    }


def _versus(ours: float, theirs: float) -> dict[str, float]:
    return {
        "paired_http_p50_ms": round(ours, 2),
        "oxigraph_server_p50_ms": round(theirs, 2),
        "vs_oxigraph": round(ours / theirs, 2),
    }


def main() -> None:
    # cold figures: the vector cache beside the model would skip every text this machine encoded before
    os.environ.setdefault("KG_VECTOR_CACHE_ROWS", "0")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=300, help="Sequential calls per operation.")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="mlkg-http-"))
    port = free_port()
    # the benchmark is the only client: the per-client rate limit would stop it at its first burst
    # and its clients share one address: each may have a query in flight
    env = {
        **os.environ,
        "KG_DATA_DIR": str(data),
        "KG_PORT": str(port),
        "KG_RATE_LIMIT_PER_MINUTE": "0",
        "KG_QUERIES_PER_CLIENT": str(2 * args.clients),
        "KG_QUERY_QUEUE": str(2 * args.clients),
    }
    server = subprocess.Popen([str(Path(sys.executable).parent / "kg"), "serve"], env=env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            if server.poll() is not None:
                raise SystemExit(f"kg serve exited with {server.returncode} before answering")
            try:
                if httpx.get(f"{base}/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        direct = in_process(data, args.repeat)
        over_http = sequential(base, args.repeat)
        peer = oxigraph_server(base, data, args.repeat)
        for name in requests():
            p50, p99 = over_http[name]
            row = {
                "operation": name,
                "in_process_p50_ms": round(direct[name], 2),
                "http_p50_ms": round(p50, 2),
                "http_p99_ms": round(p99, 2),
                "http_adds_ms": round(p50 - direct[name], 2),
                **(_versus(*peer[name]) if name in peer else {}),
                **{f"load_{k}": v for k, v in asyncio.run(load(base, name, args.clients, args.seconds)).items()},
            }
            print(json.dumps(row), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
