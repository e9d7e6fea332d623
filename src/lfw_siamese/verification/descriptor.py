"""Classical face descriptors, fused with the net: the route of the LFW results page's best
methods without deep nets (high-dim LBP, Fisher vector faces).

Uniform LBP codes (8 neighbours at radii 1-3, scikit-image) are histogrammed over a grid of
cells of a gray face region (a centre crop of the LFW frame, at the net's input size),
square-rooted and normalised; one descriptor per (region, grid), so that several regions and
grids describe the face at several scales. Each descriptor's projection, fitted on the
training people and their mirror images (PCA with whitening, then LDA, scikit-learn), is
stored as one affine map with its region and grid, so that applying it needs numpy and
scikit-image only. Two faces are compared by the cosine of their projections. A set of faces
(lfw_siamese.verification.faces) is LBP-coded once per region and projected once per
descriptor, whatever pairs its faces form.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import LfwError
from ..fsutil import atomic_output
from .faces import Faces

CODES = 59  # non-rotation-invariant uniform patterns of 8 neighbours
RADII = (1, 2, 3)


def lbp_codes(faces: np.ndarray, workers: int | None = None) -> np.ndarray:
    """(N, len(RADII), side, side) uint8: the uniform LBP code of every pixel of each gray face
    (N, side, side) at each radius; computed once, histogrammed on any grid. In parallel
    threads (scikit-image releases the GIL while coding)."""
    from skimage.feature import local_binary_pattern
    from tqdm import tqdm

    side = faces.shape[1]
    if faces.ndim != 3 or faces.shape[2] != side:
        raise LfwError(f"LBP: expected square gray faces, got shape {faces.shape[1:]}")
    out = np.empty((len(faces), len(RADII), side, side), np.uint8)

    def code(i):
        for j, r in enumerate(RADII):
            out[i, j] = local_binary_pattern(faces[i], 8, r, method="nri_uniform")

    with ThreadPoolExecutor(workers or os.cpu_count()) as pool:
        for _ in tqdm(pool.map(code, range(len(faces))), total=len(faces), desc="LBP codes",
                      unit="face", mininterval=2, leave=False, disable=len(faces) < 1000):
            pass
    return out


def grid_histograms(codes: np.ndarray, cells: int) -> np.ndarray:
    """(N, cells² · CODES · len(RADII)) float32: per face's `lbp_codes`, the square root of
    its normalised histograms of codes, one per cell of a `cells` x `cells` grid and radius."""
    side = codes.shape[2]
    if side < cells:
        raise LfwError(f"LBP: expected square gray faces of at least {cells} px, got {side} px")
    rows = np.minimum(np.arange(side) // (side // cells), cells - 1)
    cell = (rows[:, None] * cells + rows[None, :]) * CODES
    bins = cells * cells * CODES
    out = np.empty((len(codes), bins * len(RADII)), np.float32)
    for i, face in enumerate(codes):
        hist = np.concatenate([np.bincount((cell + c).ravel(), minlength=bins)
                               for c in face]).astype(np.float32)
        out[i] = np.sqrt(hist / hist.sum())
    return out


@dataclass(frozen=True)
class Descriptor:
    """The LBP histograms of a face's `crop` region on a `cells` grid, projected by
    (x - mean) @ weights - offset (PCA-whitening then LDA, fitted on the training people)."""

    crop: int
    cells: int
    mean: np.ndarray     # (D,)
    weights: np.ndarray  # (D, K)
    offset: np.ndarray   # (K,)

    def project(self, histograms: np.ndarray) -> np.ndarray:
        """(N, K) projections of faces' `grid_histograms` on this grid."""
        return (histograms - self.mean) @ self.weights - self.offset

    def embed(self, faces: Faces) -> np.ndarray:
        """(N, K) projections of every face of the set, computed once per set."""
        return faces.kept(("projection", id(self)), lambda: (self, self.project(
            grid_histograms(codes_of(faces, self.crop), self.cells))))[1]


FIELDS = ("crop", "cells", "mean", "weights", "offset")


def pair_cosines(descriptors: list[Descriptor], faces: Faces, left: np.ndarray,
                 right: np.ndarray) -> list[np.ndarray]:
    """Per descriptor, the cosine of the projections of each pair of faces (rows `left[i]`
    and `right[i]` of the set)."""
    return [cosines(d.embed(faces)[left], d.embed(faces)[right]) for d in descriptors]


def codes_of(faces: Faces, crop: int) -> np.ndarray:
    """The `lbp_codes` of every face of the set at `crop`, computed once per set."""
    return faces.kept(("lbp", crop), lambda: lbp_codes(faces.regions[crop]))


def save_descriptors(descriptors: list[Descriptor], path: Path) -> None:
    """One .npz file: each descriptor's fields, numbered (none with `fusion: none`)."""
    arrays = {f"{name}_{i}": getattr(d, name) for i, d in enumerate(descriptors)
              for name in FIELDS}
    with atomic_output(path) as tmp, open(tmp, "wb") as f:
        np.savez(f, **arrays)


def load_descriptors(path: Path, none_ok: bool = False) -> list[Descriptor]:
    """The descriptors `save_descriptors` wrote, in order; none (fusion: none) is refused
    unless `none_ok`."""
    try:
        with np.load(path) as d:
            count = sum(key.startswith("cells_") for key in d.files)
            descriptors = [Descriptor(int(d[f"crop_{i}"]), int(d[f"cells_{i}"]),
                                      *(d[f"{name}_{i}"] for name in FIELDS[2:]))
                           for i in range(count)]
    except FileNotFoundError:
        raise LfwError(f"{path}: no fitted descriptor; run `dvc repro`") from None
    except (KeyError, ValueError) as exc:
        raise LfwError(f"{path}: not a descriptor file ({exc}); run `dvc repro`") from None
    if not descriptors and not none_ok:
        raise LfwError(f"{path}: no descriptor in it (it was written with fusion: none); "
                       "run `dvc repro` with fusion: lbp")
    return descriptors


def fit_descriptors(faces: Faces, person: np.ndarray, described, dims: int,
                    rows: np.ndarray | None = None) -> list[Descriptor]:
    """One descriptor per (crop, cells) of `described`, fitted on the faces `rows` of the set
    (default: all; the training people's images, `person` their ids) and their mirror images
    (each the same person as its original): PCA to `dims` with whitening, then LDA over the
    people."""
    rows = np.arange(len(faces)) if rows is None else rows
    codes = {crop: mirrored_codes(faces, crop, rows) for crop in dict(described)}
    person = np.concatenate([person, person])
    return [fit_projection(grid_histograms(codes[crop], cells), person, crop, cells, dims)
            for crop, cells in described]


def mirrored_codes(faces: Faces, crop: int, rows: np.ndarray) -> np.ndarray:
    """The `lbp_codes` at `crop` of the faces `rows` of the set, then of their mirrors."""
    mirrors = faces.regions[crop][rows][:, :, ::-1]
    return np.concatenate([codes_of(faces, crop)[rows], lbp_codes(mirrors)])


def fit_projection(features: np.ndarray, person: np.ndarray, crop: int, cells: int,
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
    return Descriptor(crop, cells, pca.mean_.astype(np.float32),
                      (whiten @ scalings).astype(np.float32),
                      (lda.xbar_ @ scalings).astype(np.float32))


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine similarity of two (N, K) arrays."""
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return np.sum(a * b, axis=1).astype(np.float64)
