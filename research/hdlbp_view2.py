"""View 2 of the multi-scale LBP at fixed face points (research/hdlbp_screen.py), judged as
each fold's judge (stage view2/judge@N) judges the default: the descriptor fitted on the
fold's eight training folds' people and their mirrors, the fusion and the threshold on its
calibration fold, the test fold judged once.

    python research/hdlbp_view2.py [--points dense] [--scales 1 0.75 0.56 0.42] [--pca 1200]
                                   [--out docs/results/hdlbp-view2]

Needs the View 2 net scores (metrics/view2/net_N.csv, committed), data/regions.npz and
data/lfw (`dvc repro`). Each image of the ten folds' people is described once, and its mirror;
each fold fits its own projection. For every fold, four Verifier-style judgements, each a
folder of fold_N.json and fold_N.csv (the test pairs' scores) that scripts/view2_compare.py
reads: `default` (the net and the LBP descriptors of params.yaml, recomputed: it must match
metrics/view2), `hdlbp` (the new descriptor alone), `classical` (it and the LBP descriptors,
no net) and `fused` (the net, the LBP descriptors and it).
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from hdlbp_screen import POINTS, SIDE, describe

from lfw_siamese import paths
from lfw_siamese.config import stage_params
from lfw_siamese.data import regions
from lfw_siamese.data.folds import FOLDS, read_fold
from lfw_siamese.data.imagestore import ImageStore
from lfw_siamese.data.pairs import image_counts, people_of, person_images, person_of
from lfw_siamese.data.regions import gray_regions
from lfw_siamese.fsutil import write_csv, write_json
from lfw_siamese.verification.descriptor import cosines, fit_projection
from lfw_siamese.verification.faces import read_faces
from lfw_siamese.verification.fusion import Fusion
from lfw_siamese.verification.verifier import Pairs, described_crops, fit_described
from lfw_siamese.verification.view2 import fold_result

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "stages"))
from view2_judge import net_scores  # noqa: E402  (the judge's own reading of net_N.csv)

GROUPS = ("calibration", "test")


def judged(label: dict, net: dict | None, columns: dict) -> tuple[dict, np.ndarray]:
    """The fold's result (fold_result) of a fusion fitted on the calibration pairs, and its
    test scores; `net` and `columns` hold each group's net scores and cosines."""
    nets = net or dict.fromkeys(GROUPS)  # None: the descriptors without the net
    fusion = Fusion.fit(nets["calibration"], columns["calibration"], label["calibration"])
    scores = {g: fusion(nets[g], columns[g]) for g in GROUPS}
    return fold_result(*((label[g], scores[g]) for g in GROUPS)), scores["test"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", choices=sorted(POINTS), default="dense")
    parser.add_argument("--scales", type=float, nargs="+", default=[1, 0.75, 0.56, 0.42])
    parser.add_argument("--patch", type=int, default=40)
    parser.add_argument("--cells", type=int, default=4)
    parser.add_argument("--pca", type=int, default=1200)
    parser.add_argument("--out", type=Path, default=Path("docs/results/hdlbp-view2"))
    args = parser.parse_args()
    p = stage_params("view2_judge")
    start = time.perf_counter()
    folds = {k: read_fold(k) for k in range(1, FOLDS + 1)}
    counts = image_counts(regions.image_names(regions.FILE))
    everyone = sorted(set().union(*(people_of(g["test"]) for g in folds.values())))
    files = person_images(everyone, counts)
    row = {f: i for i, f in enumerate(files)}
    gray = gray_regions(ImageStore(paths.IMAGES), files, [SIDE], SIDE)[SIDE]
    points = POINTS[args.points]
    features = describe(gray, points, args.scales, args.patch, args.cells)
    mirrored = describe(gray[:, :, ::-1], points, args.scales, args.patch, args.cells)
    del gray
    described_seconds = round(time.perf_counter() - start)
    print(f"{len(files)} images described ({features.shape[1]} dims) in {described_seconds} s",
          flush=True)
    faces = read_faces(regions.FILE, described_crops(p), p.image_size, files)
    runs = {}
    for k, groups in folds.items():
        fold_start = time.perf_counter()
        people = sorted(people_of(groups["training"]))
        ids = {name: i for i, name in enumerate(people)}
        training = person_images(people, counts)
        rows = np.array([row[f] for f in training])
        person = np.array([ids[person_of(f)] for f in training])
        hd = fit_projection(np.concatenate([features[rows], mirrored[rows]]),
                            np.concatenate([person, person]), "hdlbp", {}, args.pca)
        projected = hd.project(features)
        descriptors = fit_described(p, faces, training, person)
        label, net, lbp, hd_cos = {}, {}, {}, {}
        for g in GROUPS:
            pairs = groups[g]
            left, right = [q.left for q in pairs], [q.right for q in pairs]
            label[g] = np.array([q.same for q in pairs], np.uint8)
            net[g] = net_scores(k, {g: pairs})[g].combined(p.tta)
            lbp[g] = Pairs.of(label[g], None, faces, left, right).cosines(descriptors)
            hd_cos[g] = [cosines(projected[[row[f] for f in left]],
                                 projected[[row[f] for f in right]])]
        variants = {
            "default": (net, lbp),
            "hdlbp": (None, hd_cos),
            "classical": (None, {g: lbp[g] + hd_cos[g] for g in GROUPS}),
            "fused": (net, {g: lbp[g] + hd_cos[g] for g in GROUPS}),
        }
        for name, (n, columns) in variants.items():
            result, test = judged(label, n, columns)
            runs.setdefault(name, {})[k] = result
            folder = args.out / name
            write_json(folder / f"fold_{k}.json", {"fold": k, **result})
            write_csv(folder / f"fold_{k}.csv", ["left_file", "right_file", "label", "score"],
                      [(q.left, q.right, int(q.same), repr(float(s)))
                       for q, s in zip(groups["test"], test, strict=True)])
        committed = json.loads((paths.METRICS / "view2" / f"fold_{k}.json").read_text())
        print(f"fold {k}: " + ", ".join(f"{n} {r[k]['accuracy']:.4f}" for n, r in runs.items())
              + f" (committed default {committed['accuracy']:.4f}; "
              f"{time.perf_counter() - fold_start:.0f} s)", flush=True)
    write_json(args.out / "summary.json", {
        "params": {"points": points, "scales": args.scales, "patch": args.patch,
                   "cells": args.cells, "pca": args.pca, "dims": int(features.shape[1]),
                   "lbp_crops": p.lbp_crops, "lbp_cells": p.lbp_cells, "lbp_pca": p.lbp_pca},
        "images": len(files), "described_seconds": described_seconds,
        "seconds": round(time.perf_counter() - start),
        **{name: {"mean_accuracy": float(np.mean([r["accuracy"] for r in folds_.values()])),
                  "mean_auc": float(np.mean([r["auc"] for r in folds_.values()]))}
           for name, folds_ in runs.items()}})
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
