"""Uniform local binary patterns (LBP) on a grid of cells of a gray face region: the kind of
feature `fusion: lbp` fuses with the net.

The uniform LBP code (8 neighbours at radii 1-3, scikit-image) of every pixel of a centre
crop of the LFW frame (at the net's input size) is histogrammed over a `cells` x `cells`
grid, one histogram per cell and radius, square-rooted and normalised. One descriptor per
(crop, grid) of `lbp_crops` and `lbp_cells`, so that several regions and grids describe the
face at several scales.
"""

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ...errors import LfwError
from . import Kind

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




def codes_of(faces, crop: int) -> np.ndarray:
    """The `lbp_codes` of every face of a set at `crop`, computed once per set (every grid
    of that crop histograms them)."""
    return faces.kept(("lbp", crop), lambda: lbp_codes(faces.regions[crop]))


def features(faces, spec: dict) -> np.ndarray:
    """The `grid_histograms` of every face of a set at the spec's crop and cells."""
    return grid_histograms(codes_of(faces, spec["crop"]), spec["cells"])


KIND = Kind(
    name="lbp",
    crops=lambda p: p.lbp_crops,
    specs=lambda p: [{"crop": crop, "cells": cells} for crop, cells in p.lbp_descriptors],
    features=features,
    words=lambda spec: f"LBP of the centre {spec['crop']}/250 on {spec['cells']}x"
                       f"{spec['cells']} cells")
