"""Inner-product search over a gallery's face vectors with FAISS, for large galleries.

The Verifier's fused logit is, up to a constant, the inner product of a probe's vector and a
gallery face's vector (lfw_siamese.verification.vectors), so finding a probe's best gallery
faces is maximum inner-product search:
- `flat`: exact search over every vector (float32);
- `flat16`: the same over vectors rounded to float16 (half the memory: a million faces of the
  default's 1,792 dimensions in 3.6 GB), its candidates near-exact;
- `hnsw`: a navigable small-world graph over the vectors (approximate; fast queries, slow to
  build, the vectors kept in full);
- `ivfpq`: the vectors clustered into inverted lists and product-quantised to 64 bytes each
  (approximate; small: a million faces in ~100 MB).
`benchmarks/index.py` measures build time, memory, queries per second and recall against
exact search.
"""

import numpy as np

from ..errors import LfwError

KINDS = ("flat", "flat16", "hnsw", "ivfpq")
PQ_BYTES = 64      # bytes per vector of the ivfpq index
HNSW_LINKS = 32    # neighbours per node of the hnsw graph
SEARCHED = {"hnsw": 128, "ivfpq": 32}  # efSearch; lists probed
EXACT_MOST = 100_000  # gallery photos scored exactly, without an index, by `chosen`
CANDIDATES = 100      # photos an index finds for each probe, then scored exactly
FLAT16_BYTES = 4e9    # the most memory `chosen` gives a flat16 index; beyond, ivfpq


def chosen(photos: int, dim: int) -> str:
    """The search for a gallery of `photos` vectors of `dim` dimensions, as measured by
    benchmarks/index.py: every photo scored exactly up to EXACT_MOST; then flat16 while it
    fits FLAT16_BYTES (a million photos at the default's dimension); ivfpq beyond."""
    if photos <= EXACT_MOST:
        return "exact"
    return "flat16" if photos * padded_dim(dim) * 2 <= FLAT16_BYTES else "ivfpq"


def padded_dim(dim: int, multiple: int = PQ_BYTES) -> int:
    """`dim` rounded up to a multiple of `multiple`, as `padded` makes it."""
    return dim + -dim % multiple


def padded(vectors: np.ndarray, multiple: int = PQ_BYTES) -> np.ndarray:
    """float32 vectors with zero columns appended to a multiple of `multiple` (inner products
    unchanged), as product quantisation splits them into equal parts."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    extra = padded_dim(vectors.shape[1], multiple) - vectors.shape[1]
    return np.pad(vectors, ((0, 0), (0, extra))) if extra else vectors


def build_index(vectors: np.ndarray, kind: str, train: np.ndarray | None = None):
    """A FAISS inner-product index of kind `kind` holding `vectors` (N, D); `ivfpq` learns its
    lists and codes from `train` (default: the vectors themselves)."""
    import faiss

    if kind not in KINDS:
        raise LfwError(f"index {kind!r}: one of {', '.join(KINDS)}")
    vectors = padded(vectors)
    dim = vectors.shape[1]
    if kind == "flat":
        index = faiss.IndexFlatIP(dim)
    elif kind == "flat16":
        index = faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_fp16,
                                           faiss.METRIC_INNER_PRODUCT)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_LINKS, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efSearch = SEARCHED["hnsw"]
    else:
        sample = padded(train) if train is not None else vectors
        if len(sample) < 256 * 39:
            raise LfwError(f"ivfpq: {len(sample):,} vectors are too few to learn the codes "
                           f"(at least {256 * 39:,}); use flat")
        lists = max(1, min(1024, int(4 * np.sqrt(len(vectors))), len(sample) // 39))
        index = faiss.IndexIVFPQ(faiss.IndexFlatIP(dim), dim, lists, PQ_BYTES, 8,
                                 faiss.METRIC_INNER_PRODUCT)
        index.train(sample)
        index.nprobe = SEARCHED["ivfpq"]
    index.add(vectors)
    return index


def search(index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The `k` best inner products of each query (Q, k) and their vectors' rows (Q, k)."""
    return index.search(padded(queries), min(k, index.ntotal))
