"""Exact (flat) against HNSW search at several index sizes, to choose KG_HNSW_THRESHOLD.

Usage: python bench/bench_vector_index.py --sizes 10000 50000 100000
"""

import argparse
import json
import statistics
import time

import faiss
import numpy as np


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def timed_search(index: faiss.Index, queries: np.ndarray) -> tuple[float, np.ndarray]:
    times, found = [], []
    for query in queries:
        started = time.perf_counter()
        _, ids = index.search(query.reshape(1, -1), 10)
        times.append(1000 * (time.perf_counter() - started))
        found.append(ids[0])
    return statistics.median(times), np.array(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 100_000])
    parser.add_argument("--vectors", help="a vectors.npy of real embeddings (from an index folder) to sample")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    real = np.load(args.vectors) if args.vectors else None
    for size in args.sizes:
        if real is not None:
            # real embeddings, repeated with small perturbations to reach `size`
            picks = real[rng.integers(0, len(real), size)]
            vectors = unit(picks + 0.02 * rng.normal(size=picks.shape))
        else:
            vectors = unit(rng.normal(size=(size, 384)))
        queries = unit(vectors[rng.integers(0, size, 200)] + 0.1 * rng.normal(size=(200, 384)))
        flat = faiss.IndexFlatIP(384)
        flat.add(vectors)
        hnsw = faiss.IndexHNSWFlat(384, 32, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction, hnsw.hnsw.efSearch = 40, 64
        started = time.perf_counter()
        hnsw.add(vectors)
        build_s = time.perf_counter() - started
        flat_ms, truth = timed_search(flat, queries)
        hnsw_ms, found = timed_search(hnsw, queries)
        recall = np.mean([len(set(t) & set(f)) / 10 for t, f in zip(truth, found, strict=True)])
        print(
            json.dumps(
                {
                    "vectors": size,
                    "flat_ms": round(flat_ms, 3),
                    "hnsw_ms": round(hnsw_ms, 3),
                    "hnsw_recall_at_10": round(float(recall), 3),
                    "hnsw_build_s": round(build_s, 1),
                }
            )
        )


if __name__ == "__main__":
    main()
