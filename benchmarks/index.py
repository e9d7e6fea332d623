"""The gallery index: FAISS exact and approximate inner-product search on synthetic face
vectors of the real dimension, up to a million gallery faces.

    python benchmarks/index.py [--sizes 10000 100000 1000000] [--dim 1751] [--queries 200]

The vectors stand in for the Verifier's vector form (lfw_siamese.verification.vectors; 1,751
dimensions for the default: the net's 128-d embedding plain and mirrored, and three LBP
projections of ~500): each gallery face is one person's random unit direction plus as much
noise again, and each query another noisy view of a random gallery person, so that every
query has a true nearest neighbour among many near ones (random directions: no clusters for
an inverted file to exploit, a hard case for the approximate indexes). For each gallery
size, each index is built and queried in a process of its own:
- `flat` (exact, float32), `flat16` (exact search over float16 vectors), `ivfpq` (64 bytes a
  face) and `hnsw` (at most 100,000 faces: its build grows fastest): build time, the memory
  the index added, the process's peak memory (gallery making included), queries per second
  (one batch of all queries), recall@1 against `flat`, and recall@1 as `identify` uses the
  index: its best 100 candidates rescored exactly;
- NumPy brute force (one matrix product over the flat index's own vectors, a chunk at a time,
  then argmax) in the flat process: its queries per second, and whether it finds `flat`'s
  answers.
"""

import argparse
import multiprocessing
import resource
import time

import numpy as np
from common import report

from lfw_siamese.verification.index import CANDIDATES, build_index, padded, search

CHUNK = 50_000
HNSW_MOST = 100_000


def resident() -> int:
    """Bytes of the process's resident memory."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def peak() -> int:
    """Bytes of the process's peak resident memory."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


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


def one_kind(kind: str, n: int, dim: int, count: int, exact: np.ndarray | None) -> dict:
    """Build and query one index (in a fresh process); `exact`: flat's answers (Q,)."""
    import faiss

    q = padded(queries(n, dim, count))
    before, start = resident(), time.perf_counter()
    index = filled(kind, n, dim)
    build, memory = time.perf_counter() - start, resident() - before
    start = time.perf_counter()
    found = search(index, q, CANDIDATES)[1]
    speed = count / (time.perf_counter() - start)
    row = {"gallery": n, "index": kind, "build_s": build, "memory_MB": memory / 1e6,
           "queries_per_s": speed}
    if kind == "flat":
        stored = faiss.rev_swig_ptr(index.get_xb(), index.ntotal * index.d).reshape(
            index.ntotal, index.d)
        start = time.perf_counter()
        brute = brute_force(stored, q)
        row["numpy_queries_per_s"] = count / (time.perf_counter() - start)
        row["numpy_agrees"] = float(np.mean(brute == found[:, 0]))
        return {**row, "peak_MB": peak() / 1e6, "answers": found[:, 0]}
    row["recall@1"] = float(np.mean(found[:, 0] == exact))
    row["recall@1_rescored"] = float(np.mean((found == exact[:, None]).any(1)))
    return {**row, "peak_MB": peak() / 1e6}


def in_process(*args) -> dict:
    """`one_kind` in a process of its own, so that each peak memory is its index's."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(one_kind, args)


def one_size(n: int, dim: int, count: int) -> list[dict]:
    flat = in_process("flat", n, dim, count, None)
    exact = flat.pop("answers")
    rows = [flat]
    print(flat, flush=True)
    for kind in ["flat16", "ivfpq"] + (["hnsw"] if n <= HNSW_MOST else []):
        rows.append(in_process(kind, n, dim, count, exact))
        print(rows[-1], flush=True)
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
    report("index", rows, {"dim": args.dim, "queries": args.queries})


if __name__ == "__main__":
    main()
