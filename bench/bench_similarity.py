"""mlkg:similarity inside SPARQL: a query over all concerns with and without the function, same run.

Starts `kg serve` on the bundled vault on loopback (its own process, as a deployment runs it: the
client does not share the server's interpreter), then asks /sparql, one client, sequentially: the
concerns with their labels, and the same concerns ranked by `mlkg:similarity(?concern, "...")`.
The first ranked query fills the worker's embedding cache (one round trip per node to the server
process); later ones reuse it until a write. A text is encoded once per query, and the server
keeps the vectors of the texts it has encoded (`new_text` rows ask a different text each time).
Usage: python bench/bench_similarity.py [--repeat 200] [--json]
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PREFIX = "PREFIX mlkg: <https://w3id.org/mlkg/ontology#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
PLAIN = PREFIX + "SELECT ?concern ?label WHERE { ?concern a mlkg:Concern ; rdfs:label ?label } ORDER BY ?label"
RANKED = (
    PREFIX
    + """SELECT ?concern ?label ?score WHERE { ?concern a mlkg:Concern ; rdfs:label ?label
  BIND(mlkg:similarity(?concern, "labels arrive weeks late") AS ?score) } ORDER BY DESC(?score)"""
)


def timed(client: httpx.Client, query: str, repeat: int, new_text: bool = False) -> list[float]:
    times = []
    for i in range(repeat):
        text = query.replace("weeks late", f"weeks late {i}") if new_text else query
        started = time.perf_counter()
        answer = client.get("/sparql", params={"query": text})
        times.append(1000 * (time.perf_counter() - started))
        answer.raise_for_status()
    return times


def main() -> None:
    # cold figures: the vector cache beside the model would skip every text this machine encoded before
    os.environ.setdefault("KG_VECTOR_CACHE_ROWS", "0")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    from bench.bench_http import free_port
    from bench.bench_remote import kg_server, process

    data, port = Path(tempfile.mkdtemp(prefix="mlkg-similarity-")), free_port()
    with process(*kg_server(data, port, {})), httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
        rows = len(client.get("/sparql", params={"query": PLAIN}).json()["results"]["bindings"])
        first = timed(client, RANKED, 1)[0]
        plain, ranked = timed(client, PLAIN, args.repeat), timed(client, RANKED, args.repeat)
        fresh = timed(client, RANKED, args.repeat, new_text=True)
    result = {
        "concerns": rows,
        "plain_p50_ms": round(statistics.median(plain), 2),
        "ranked_p50_ms": round(statistics.median(ranked), 2),
        "ranked_over_plain": round(statistics.median(ranked) / statistics.median(plain), 2),
        "new_text_p50_ms": round(statistics.median(fresh), 2),
        "new_text_over_plain": round(statistics.median(fresh) / statistics.median(plain), 2),
        "first_ranked_ms": round(first, 1),
    }
    print(json.dumps(result) if args.json else "\n".join(f"{k}: {v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
