"""Classical face descriptors, fused with the net: the route of the LFW results page's best
methods without deep nets (high-dim LBP, Fisher vector faces).

A descriptor is a kind of hand-made feature (lfw_siamese.verification.features, e.g. LBP
histograms of a face region) with its spec, and a projection fitted on the training people
and their mirror images (PCA with whitening, then LDA, scikit-learn), stored as one affine
map, so that applying it needs numpy and the feature's own code only. Two faces are compared
by the cosine of their projections. A set of faces (lfw_siamese.verification.faces) keeps
what the features share (e.g. each region's LBP codes) and each descriptor's projection, so
each face is described once whatever pairs it forms.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import LfwError
from ..fsutil import atomic_output
from .faces import Faces
from .features import kinds


@dataclass(frozen=True)
class Descriptor:
    """The features of kind `kind` with `spec` (its parameters, `crop` among them), projected
    by (x - mean) @ weights - offset (PCA-whitening then LDA, fitted on the training people)."""

    kind: str
    spec: dict
    mean: np.ndarray     # (D,)
    weights: np.ndarray  # (D, K)
    offset: np.ndarray   # (K,)

    @property
    def crop(self) -> int:
        """The centre crop of LFW's frame the descriptor sees."""
        return self.spec["crop"]

    def words(self) -> str:
        return kinds()[self.kind].words(self.spec)

    def project(self, features: np.ndarray) -> np.ndarray:
        """(N, K) projections of faces' features of this kind and spec."""
        return (features - self.mean) @ self.weights - self.offset

    def embed(self, faces: Faces) -> np.ndarray:
        """(N, K) projections of every face of the set, computed once per set."""
        return faces.kept(("projection", id(self)), lambda: (self, self.project(
            kinds()[self.kind].features(faces, self.spec))))[1]


ARRAYS = ("mean", "weights", "offset")


def pair_cosines(descriptors: list[Descriptor], faces: Faces, left: np.ndarray,
                 right: np.ndarray) -> list[np.ndarray]:
    """Per descriptor, the cosine of the projections of each pair of faces (rows `left[i]`
    and `right[i]` of the set)."""
    return [cosines(d.embed(faces)[left], d.embed(faces)[right]) for d in descriptors]


def save_descriptors(descriptors: list[Descriptor], path: Path) -> None:
    """One .npz file: each descriptor's kind, spec (JSON) and arrays, numbered (none with
    `fusion: none`)."""
    arrays = {}
    for i, d in enumerate(descriptors):
        arrays |= {f"kind_{i}": d.kind, f"spec_{i}": json.dumps(d.spec, sort_keys=True),
                   **{f"{name}_{i}": getattr(d, name) for name in ARRAYS}}
    with atomic_output(path) as tmp, open(tmp, "wb") as f:
        np.savez(f, **arrays)


def load_descriptors(path: Path, none_ok: bool = False) -> list[Descriptor]:
    """The descriptors `save_descriptors` wrote, in order; none (fusion: none) is refused
    unless `none_ok`."""
    try:
        with np.load(path) as d:
            count = sum(key.startswith("kind_") for key in d.files)
            if not count and d.files:
                raise ValueError("no descriptor kinds in it; written by an older version")
            descriptors = [Descriptor(str(d[f"kind_{i}"]), json.loads(str(d[f"spec_{i}"])),
                                      *(d[f"{name}_{i}"] for name in ARRAYS))
                           for i in range(count)]
    except FileNotFoundError:
        raise LfwError(f"{path}: no fitted descriptor; run `dvc repro`") from None
    except (KeyError, ValueError) as exc:
        raise LfwError(f"{path}: not a descriptor file ({exc}); run `dvc repro`") from None
    unknown = sorted({d.kind for d in descriptors} - set(kinds()))
    if unknown:
        raise LfwError(f"{path}: descriptors of kind {', '.join(unknown)}, which this version "
                       f"does not know (it knows {', '.join(kinds())}); run `dvc repro`")
    if not descriptors and not none_ok:
        raise LfwError(f"{path}: no descriptor in it (it was written with fusion: none); "
                       "run `dvc repro` with a fusion")
    return descriptors


def fit_descriptors(faces: Faces, person: np.ndarray, asked, dims: int,
                    rows: np.ndarray | None = None) -> list[Descriptor]:
    """One descriptor per (kind, spec) of `asked`, fitted on the faces `rows` of the set
    (default: all; the training people's images, `person` their ids) and their mirror images
    (each the same person as its original): PCA to `dims` with whitening, then LDA over the
    people."""
    rows = np.arange(len(faces)) if rows is None else rows
    mirrors = faces.mirrored(rows)
    person = np.concatenate([person, person])
    fitted = []
    for kind, spec in asked:
        features = kinds()[kind].features
        both = np.concatenate([features(faces, spec)[rows], features(mirrors, spec)])
        fitted.append(fit_projection(both, person, kind, spec, dims))
    return fitted


def fit_projection(features: np.ndarray, person: np.ndarray, kind: str, spec: dict,
                   dims: int) -> Descriptor:
    """PCA of `features` to `dims` with whitening, then LDA over `person`, as one map."""
    from sklearn.decomposition import PCA
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    limit = min(features.shape)
    if not 1 <= dims <= limit:
        raise LfwError(f"lbp_pca: got {dims}, at most {limit} possible here ({len(features)} "
                       f"training images with their mirrors, {features.shape[1]} features)")
    classes = len(np.unique(person))
    if classes < 2:
        raise LfwError("descriptor: LDA needs at least two training people")
    pca = PCA(dims, whiten=True, random_state=0).fit(features)
    lda = LinearDiscriminantAnalysis(n_components=min(dims, classes - 1))
    lda.fit(pca.transform(features), person)
    # pca.transform: (x - mean_) @ components_.T / sqrt(explained_variance_);
    # lda.transform: (z - xbar_) @ scalings_[:, :k]; composed into one affine map.
    whiten = pca.components_.T / np.sqrt(pca.explained_variance_)
    scalings = lda.scalings_[:, :lda.n_components]
    return Descriptor(kind, dict(spec), pca.mean_.astype(np.float32),
                      (whiten @ scalings).astype(np.float32),
                      (lda.xbar_ @ scalings).astype(np.float32))


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine similarity of two (N, K) arrays."""
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return np.sum(a * b, axis=1).astype(np.float64)
