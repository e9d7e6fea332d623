"""Screen on validation: a multi-scale LBP descriptor at fixed face points, beside the LBP ones.

    python research/hdlbp_screen.py [--points five] [--scales 1 0.75 0.56 0.42 0.32] [--patch 40]
                                    [--cells 4] [--pca 400 800 1200] [--out FILE]

After high-dimensional LBP (Chen, Cao, Wen and Sun, CVPR 2013) at a size that fits 2 cores:
LFW-a is aligned, so fixed points stand in for landmarks; they were measured once on the
mean LFW-a face (the eyes by OpenCV's eye cascade, the nose's base and the mouth's corners
by the darkest rows and columns there) and made symmetric about the frame's centre line, so a
mirror image swaps them. Each gray 250 x 250 image is scaled by each of `--scales`; around
each point, a `--patch`-pixel square of that scaled image is cut into `--cells` x `--cells`
cells, each a histogram of uniform LBP codes (8 neighbours, radius 1, 59 bins), normalised
and square-rooted. Then PCA-whitened and LDA-projected on the training people and their
mirrors, as the LBP descriptors are (lfw_siamese.verification.descriptor.fit_projection).
On the validation pairs: the new descriptor alone, the net with the LBP descriptors of
params.yaml (the pipeline), and the three together, the fusions 10-fold cross-validated over
the validation pairs. Test pairs are not read.
"""

import argparse
import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from validation import faces, fused, judged, net_scores, pairs, pipeline_cosines, save, wrong

from lfw_siamese.data.imagestore import ImageStore
from lfw_siamese.data.regions import gray_regions
from lfw_siamese.params import load_params
from lfw_siamese.paths import IMAGES
from lfw_siamese.verification.descriptor import cosines, fit_projection
from lfw_siamese.verification.features.lbp import CODES
from lfw_siamese.verification.verifier import described_crops

SIDE = 250
# (x, y) in the 250 x 250 LFW-a frame: the eyes, the nose's base, the mouth's corners; `dense`
# adds the brows, the eyes' outer corners, the nose's bridge and sides, the mouth's centre and
# the chin (each placed from the same mean face)
POINTS = {"five": ((103, 112), (147, 112), (125, 141), (109, 160), (141, 160))}
POINTS["dense"] = (*POINTS["five"], (103, 95), (147, 95), (88, 112), (162, 112), (125, 112),
                   (112, 138), (138, 138), (125, 160), (125, 180))


def describe(gray: np.ndarray, points, scales, patch: int, cells: int) -> np.ndarray:
    """(N, len(scales) · len(points) · cells² · CODES) float32 multi-scale LBP histograms."""
    from PIL import Image
    from skimage.feature import local_binary_pattern

    step = patch // cells
    side = step * cells
    cell = np.arange(side) // step  # each patch pixel's cell, row-major, then its code's bin
    offset = ((cell[:, None] * cells + cell[None, :]) * CODES).astype(np.int64)
    dims = len(scales) * len(points) * cells * cells * CODES

    def one(face):
        out = []
        for s in scales:
            size = round(SIDE * s)
            scaled = np.asarray(Image.fromarray(face).resize((size, size), Image.BILINEAR))
            codes = local_binary_pattern(np.pad(scaled, patch, mode="edge"), 8, 1,
                                         method="nri_uniform").astype(np.int64)
            for x, y in points:
                top, left = round(y * s) + patch - patch // 2, round(x * s) + patch - patch // 2
                window = codes[top:top + side, left:left + side]
                hist = np.bincount((offset + window).ravel(), minlength=cells * cells * CODES)
                hist = hist.reshape(cells * cells, CODES)
                out.append(np.sqrt(hist / hist.sum(1, keepdims=True)).ravel())
        return np.concatenate(out).astype(np.float32)

    with ThreadPoolExecutor(2) as pool:
        described = np.stack(list(pool.map(one, gray)))
    assert described.shape[1] == dims
    return described


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", choices=sorted(POINTS), default="five")
    parser.add_argument("--scales", type=float, nargs="+", default=[1, 0.75, 0.56, 0.42, 0.32])
    parser.add_argument("--patch", type=int, default=40)
    parser.add_argument("--cells", type=int, default=4)
    parser.add_argument("--pca", type=int, nargs="+", default=[400, 800, 1200])
    parser.add_argument("--out", type=Path, default=Path("docs/results/hdlbp-screen/screen.json"))
    args = parser.parse_args()
    p = load_params()
    start = time.perf_counter()
    people, val = pairs()
    training, pair_faces, left, right = faces(p, described_crops(p), people, val)
    y = val["label"]

    # the LBP descriptors of params.yaml, as the pipeline fits them
    lbp_cos = pipeline_cosines(p, people, training, pair_faces, left, right)
    net = net_scores(p, val)

    store = ImageStore(IMAGES)
    full = gray_regions(store, list(people["files"]), [SIDE], SIDE)[SIDE]
    points = POINTS[args.points]
    train_x = describe(np.concatenate([full, full[:, :, ::-1]]), points, args.scales,
                       args.patch, args.cells)
    del full
    val_x = describe(gray_regions(store, pair_faces.names, [SIDE], SIDE)[SIDE], points,
                     args.scales, args.patch, args.cells)
    described_at = round(time.perf_counter() - start)
    person = np.concatenate([people["person"], people["person"]])
    rows = []
    for dims in args.pca:
        projected = fit_projection(train_x, person, "hdlbp", {}, dims).project(val_x)
        hd_cos = cosines(projected[left], projected[right])
        rows.append({"pca": dims, "alone": judged(y, hd_cos),
                     "net_hdlbp": fused(y, net, hd_cos),
                     "net_lbp_hdlbp": fused(y, net, *lbp_cos, hd_cos),
                     "hdlbp_lbp_error_correlation": [
                         round(float(np.corrcoef(wrong(y, hd_cos), wrong(y, c))[0, 1]), 3)
                         for c in lbp_cos]})
        print(json.dumps(rows[-1]), flush=True)
    result = {"params": {"scales": args.scales, "patch": args.patch, "cells": args.cells,
                         "points": points, "dims": train_x.shape[1],
                         "lbp_pca": p.lbp_pca, "lbp_crops": p.lbp_crops,
                         "lbp_cells": p.lbp_cells},
              "validation_pairs": len(y), "net": judged(y, net),
              "lbp_alone": [judged(y, c) for c in lbp_cos],
              "net_lbp": fused(y, net, *lbp_cos), "hdlbp": rows,
              "described_seconds": described_at,
              "seconds": round(time.perf_counter() - start)}
    save(result, args.out)


if __name__ == "__main__":
    main()
