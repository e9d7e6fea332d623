"""The gallery index: FAISS exact and approximate inner-product search on synthetic face
vectors of the real dimension, up to a million gallery faces.

    python benchmarks/index.py [--sizes 10000 100000 1000000] [--dim 1751] [--queries 200]

The vectors stand in for the Verifier's vector form (lfw_siamese.verification.vectors; 1,751
dimensions for the default: the net's 128-d embedding plain and mirrored, and three LBP
projections of ~500): each gallery face is one person's random unit direction plus as much
noise again, and each query another noisy view of a random gallery person, so that every
query has a true nearest neighbour among many near ones. For each gallery size:
- `flat` (exact, float32), `hnsw` (at most 100,000 faces: its build grows fastest) and
  `ivfpq` (64 bytes a face): build time, the memory the index added to the process, queries
  per second (one batch of all queries), recall@1 against `flat`;
- NumPy brute force (one matrix product over the flat index's own vectors, then argmax) in
  the same run: its queries per second, and whether it finds `flat`'s answers.
"""

import argparse
import time

import numpy as np
from common import report

from lfw_siamese.verification.index import build_index, padded, search

CHUNK = 50_000
HNSW_MOST = 100_000


def resident() -> int:
    """Bytes of the process's resident memory."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def faces(n: int, dim: int, seed: int) -> np.ndarray:
    """`n` synthetic faces of `n` people: unit direction + noise of the same size, float32."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, dim), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    noise = rng.standard_normal((n, dim), dtype=np.float32)
    x += noise / np.linalg.norm(noise, axis=1, keepdims=True)
    return x


def gallery(n: int, dim: int):
    """The gallery in chunks (each made from its own seed, so it can be made again)."""
    for start in range(0, n, CHUNK):
        yield faces(min(CHUNK, n - start), dim, start)


def queries(n: int, dim: int, count: int) -> np.ndarray:
    """Other noisy views of `count` random gallery faces' people."""
    rng = np.random.default_rng(n)
    rows = np.sort(rng.choice(n, count, replace=False))
    out = []
    for start in range(0, n, CHUNK):
        chosen = rows[(rows >= start) & (rows < start + CHUNK)] - start
        if len(chosen) == 0:
            continue
        base = np.random.default_rng(start).standard_normal((min(CHUNK, n - start), dim),
                                                            dtype=np.float32)[chosen]
        base /= np.linalg.norm(base, axis=1, keepdims=True)
        noise = rng.standard_normal(base.shape, dtype=np.float32)
        out.append(base + noise / np.linalg.norm(noise, axis=1, keepdims=True))
    return np.concatenate(out)


def brute_force(stored: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Each query's best row of `stored` by inner product, a chunk of rows at a time."""
    best = np.full(len(q), -np.inf, np.float32)
    where = np.zeros(len(q), np.int64)
    for start in range(0, len(stored), CHUNK):
        scores = q @ stored[start:start + CHUNK].T
        top = scores.argmax(1)
        better = scores[np.arange(len(q)), top] > best
        best[better] = scores[np.arange(len(q)), top][better]
        where[better] = top[better] + start
    return where


def filled(kind: str, n: int, dim: int):
    """An index of `kind` holding the gallery; ivfpq learns from its first chunk."""
    chunks = gallery(n, dim)
    first = next(chunks)
    index = build_index(first, kind, first)
    for chunk in chunks:
        index.add(padded(chunk))
    return index


def one_size(n: int, dim: int, count: int) -> list[dict]:
    import faiss

    q = padded(queries(n, dim, count))
    rows = []
    before, start = resident(), time.perf_counter()
    flat = filled("flat", n, dim)
    build, memory = time.perf_counter() - start, resident() - before
    start = time.perf_counter()
    exact = search(flat, q, 1)[1][:, 0]
    rows.append({"gallery": n, "index": "flat (exact)", "build_s": build,
                 "memory_MB": memory / 1e6, "queries_per_s": count / (time.perf_counter() - start),
                 "recall@1": 1.0})
    stored = faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * flat.d).reshape(flat.ntotal, flat.d)
    start = time.perf_counter()
    brute = brute_force(stored, q)
    rows.append({"gallery": n, "index": "numpy brute force", "build_s": 0.0, "memory_MB": 0.0,
                 "queries_per_s": count / (time.perf_counter() - start),
                 "recall@1": float(np.mean(brute == exact))})
    del stored, flat
    for kind in ["ivfpq"] + (["hnsw"] if n <= HNSW_MOST else []):
        before, start = resident(), time.perf_counter()
        index = filled(kind, n, dim)
        build, memory = time.perf_counter() - start, resident() - before
        start = time.perf_counter()
        found = search(index, q, 1)[1][:, 0]
        rows.append({"gallery": n, "index": kind, "build_s": build, "memory_MB": memory / 1e6,
                     "queries_per_s": count / (time.perf_counter() - start),
                     "recall@1": float(np.mean(found == exact))})
        del index
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--dim", type=int, default=1751)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    rows = []
    for n in args.sizes:
        rows += one_size(n, args.dim, args.queries)
        print(rows[-1], flush=True)
    report("index", rows, {"dim": args.dim, "queries": args.queries})


if __name__ == "__main__":
    main()
