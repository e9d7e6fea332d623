"""Estimate View 2 with the descriptors fused, from the committed folds' net scores, without
training: what would the fused recipe give on the ten folds?

    python research/view2_fusion.py [--folds docs/results/recipe-v3-view2]
                                    [--out docs/results/lbp-fusion/view2-estimate.json]

For each test fold K, as the view2 fold stage would: the LBP descriptors (`lbp_cells`,
`lbp_crops`) are
fitted on fold K's training people (never the calibration or test fold's) and score the
calibration and test pairs (`descriptor`: the first grid's alone). The nets are those of a
finished View 2 run of the net alone (--folds: fold K's scores of its test pairs; recipe
v3's by default). A fold's calibration pairs were scored
only by the model of the fold they test, K-1, a sibling of fold K's net (same recipe, other
training folds), so the fusion's weights are fitted on those; fold K's test labels are used
for nothing but its accuracy. For comparison the net alone is judged the same way
(threshold from fold K-1's scores), and as committed.
"""

import argparse
import csv
import json
from pathlib import Path

import numpy as np

from lfw_siamese import paths
from lfw_siamese.dataset import load_arrays, pair_arrays
from lfw_siamese.fold import descriptor_cosines
from lfw_siamese.fusion import Fusion
from lfw_siamese.imagestore import ImageStore
from lfw_siamese.pairs import read_pairs
from lfw_siamese.params import load_params
from lfw_siamese.view2 import FOLDS, calibration_fold, fold_groups, fold_result, training_people


def fold_scores(folder: Path, fold: int, pairs) -> np.ndarray:
    """The committed net scores of fold `fold`'s test pairs, in `pairs`' order."""
    with open(folder / f"fold_{fold}.csv", newline="") as f:
        rows = {(r["left_file"], r["right_file"]): float(r["score"]) for r in csv.DictReader(f)}
    return np.array([rows[(q.left, q.right)] for q in pairs])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folds", type=Path, default=Path("docs/results/recipe-v3-view2"),
                        help="a View 2 run's fold_K.csv and fold_K.json (the net alone)")
    parser.add_argument("--out", type=Path,
                        default=Path("docs/results/lbp-fusion/view2-estimate.json"))
    args = parser.parse_args()
    p = load_params()
    pairs = read_pairs(paths.PAIR_LISTS / "pairs.txt", ImageStore(paths.IMAGES).counts())
    data = load_arrays(paths.VIEW2 / "images.npz")
    index = {f: i for i, f in enumerate(data["files"])}
    folds = []
    for fold in range(1, FOLDS + 1):
        groups = fold_groups(pairs, fold)
        arrays = {k: pair_arrays(groups[k], data["image"], index)
                  for k in ("calibration", "test")}
        people = training_people(data, groups["training"])
        net = {"calibration": fold_scores(args.folds, calibration_fold(fold),
                                          groups["calibration"]),
               "test": fold_scores(args.folds, fold, groups["test"])}
        cosine = descriptor_cosines(p, {k: groups[k] for k in arrays}, people)
        labels = {k: a["label"] for k, a in arrays.items()}
        fusion = Fusion.fit(net["calibration"], cosine["calibration"], labels["calibration"])
        fused = {k: fusion(net[k], cosine[k]) for k in net}

        def judged(scores, labels=labels):
            return fold_result((labels["calibration"], scores["calibration"]),
                               (labels["test"], scores["test"]))

        committed = json.loads((args.folds / f"fold_{fold}.json").read_text())
        folds.append({"fold": fold, "fused": judged(fused), "net": judged(net),
                      "descriptor": judged({k: c[0] for k, c in cosine.items()}),
                      "net_as_committed": committed["accuracy"],
                      "fusion": fusion.as_dict()})
        print(fold, {k: round(folds[-1][k]["accuracy"], 4)
                     for k in ("fused", "net", "descriptor")}, flush=True)
    summary = {}
    for name in ("fused", "net", "descriptor", "net_as_committed"):
        acc = np.array([f[name] if name == "net_as_committed" else f[name]["accuracy"]
                        for f in folds])
        summary[name] = {"mean": float(acc.mean()),
                         "standard_error": float(acc.std(ddof=1) / np.sqrt(FOLDS)),
                         "per_fold": [round(float(a), 4) for a in acc]}
    gain = np.array([f["fused"]["accuracy"] - f["net_as_committed"] for f in folds])
    summary["fused_minus_committed"] = {
        "mean": float(gain.mean()), "standard_error": float(gain.std(ddof=1) / np.sqrt(FOLDS)),
        "folds_better": int((gain > 0).sum()), "folds_worse": int((gain < 0).sum())}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"lbp_cells": list(p.lbp_cells),
                                    "lbp_crops": list(p.lbp_crops), "lbp_pca": p.lbp_pca,
                                    "summary": summary, "folds": folds}, indent=1) + "\n")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
