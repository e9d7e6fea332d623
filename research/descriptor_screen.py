"""Screen the LBP descriptors' settings on validation: which `lbp_cells` and `lbp_pca`?

    python research/descriptor_screen.py [--model data/model.keras] [--cells 6 8 10]
                                         [--pca 400 600 800 1000] [--combine 3] [--out FILE]

On the prepared arrays (data/pairs), as the pipeline fits them (lfw_siamese.descriptor: LBP
histograms of the training people and their mirrors, PCA-whitened, LDA): for each grid and PCA
size, the validation AUC of the descriptor alone, and of its fusion with the net (the model's
validation scores as `evaluate` computes them); then, at each PCA size, every combination of
up to `--combine` grids fused with the net. The fusion's accuracy and AUC are 10-fold
cross-validated over the validation pairs, so its fitted weights are never judged on the pairs
they were fitted on. Also the correlation of the net's and each descriptor's validation errors
(fusion pays when they differ). Test pairs are not read.
"""

import argparse
import itertools
import json
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict

from lfw_siamese import metrics as m
from lfw_siamese.dataset import load_arrays
from lfw_siamese.descriptor import (
    cosines,
    fit_projection,
    gray,
    grid_histograms,
    lbp_codes,
    mirrored_codes,
)
from lfw_siamese.fusion import logit
from lfw_siamese.params import load_params
from lfw_siamese.paths import MODEL, PAIRS


def judged(labels, scores) -> dict:
    """Accuracy at the best threshold on these pairs, and AUC."""
    fpr, tpr = m.roc_curve(labels, scores)[:2]
    return {"accuracy": m.accuracy(labels, scores, m.best_threshold(labels, scores)),
            "auc": m.auc(fpr, tpr)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--cells", type=int, nargs="+", default=[6, 8, 10])
    parser.add_argument("--pca", type=int, nargs="+", default=[400, 600, 800, 1000])
    parser.add_argument("--combine", type=int, default=1,
                        help="also fuse every combination of up to this many grids")
    parser.add_argument("--out", type=Path, default=Path("docs/results/lbp-fusion/screen.json"))
    args = parser.parse_args()
    p = load_params()
    from lfw_siamese.inference import score_pairs
    from lfw_siamese.saving import load_model

    people, val = load_arrays(PAIRS / "people.npz"), load_arrays(PAIRS / "val.npz")
    y = val["label"]
    net = score_pairs(load_model(args.model), val["left"], val["right"], p.tta)
    # each distinct validation image once
    files = np.concatenate([val["left_file"], val["right_file"]])
    _, first, index = np.unique(files, return_index=True, return_inverse=True)
    faces = gray(np.concatenate([val["left"], val["right"]])[first], p.channels)
    left, right = index[:len(y)], index[len(y):]
    net_threshold = m.best_threshold(y, net)
    net_wrong = (net > net_threshold) != (y == 1)
    def fused(*cosine) -> dict:
        inputs = np.stack([logit(net), *cosine], 1)
        return judged(y, cross_val_predict(LogisticRegression(), inputs, y, cv=10,
                                           method="predict_proba")[:, 1])

    rows, found = [], {}
    train_codes, train_people = mirrored_codes(gray(people["image"], p.channels), people["person"])
    codes = lbp_codes(faces)
    for cells in args.cells:
        start = time.perf_counter()
        train = grid_histograms(train_codes, cells), train_people
        histograms = grid_histograms(codes, cells)
        for dims in args.pca:
            projected = fit_projection(*train, cells, dims).project(histograms)
            cosine = found[cells, dims] = cosines(projected[left], projected[right])
            wrong = (cosine > m.best_threshold(y, cosine)) != (y == 1)
            rows.append({"lbp_cells": [cells], "lbp_pca": dims, "alone": judged(y, cosine),
                         "fused": fused(cosine),
                         "error_correlation": float(np.corrcoef(net_wrong, wrong)[0, 1]),
                         "seconds": round(time.perf_counter() - start, 1)})
            print(json.dumps(rows[-1]), flush=True)
            start = time.perf_counter()
    for size, dims in itertools.product(range(2, args.combine + 1), args.pca):
        for grids in itertools.combinations(args.cells, size):
            rows.append({"lbp_cells": list(grids), "lbp_pca": dims,
                         "fused": fused(*(found[g, dims] for g in grids))})
            print(json.dumps(rows[-1]), flush=True)
    result = {"model": str(args.model), "net": judged(y, net), "screen": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    best = max(rows, key=lambda r: r["fused"]["auc"])
    print(f"net alone: {result['net']}; best fused AUC: lbp_cells {best['lbp_cells']}, "
          f"lbp_pca {best['lbp_pca']}: {best['fused']}")


if __name__ == "__main__":
    main()
