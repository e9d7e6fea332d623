"""Probe: does a classical descriptor, fused with the net, add accuracy? (LFW results page:
high-dim LBP 93.2%, Fisher vector faces 93.0% on View 2, unrestricted, label-free outside data.)

    python research/lbp_fusion.py [--model data/model.keras] [--out docs/results/lbp-fusion]
                                  [--cells 4 8] [--pca 100 200 400] [--size 64]

On the prepared arrays (data/pairs: the training people's 64-px crops, validation and test
pairs): multi-scale uniform LBP histograms on a grid of cells (scikit-image), square-rooted,
PCA-whitened and LDA-projected on the training people (scikit-learn), compared by cosine.
Every choice (grid, PCA size, LDA or not) is made on validation AUC; the fusion of the net's
score (as the evaluate stage computes it, flip TTA per params) with the descriptor's cosine is
a logistic regression fitted on the validation pairs, its threshold the best on them. Test
(pairsDevTest) is scored once for the net alone, the descriptor alone and the fusion. Also
reported: how correlated the two systems' validation errors are (fusion pays when they differ).
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
from skimage.feature import local_binary_pattern
from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from lfw_siamese import metrics as m
from lfw_siamese.dataset import load_arrays
from lfw_siamese.images import load_from_store
from lfw_siamese.imagestore import ImageStore
from lfw_siamese.params import load_params
from lfw_siamese.paths import LFW, MODEL, PAIRS

CODES = 59  # non-rotation-invariant uniform patterns of 8 neighbours


def lbp(images: np.ndarray, cells: int, radii=(1, 2, 3)) -> np.ndarray:
    """(N, cells * cells * CODES * len(radii)) square-rooted, normalised LBP histograms."""
    n, side = len(images), images.shape[1]
    step = side // cells
    rows = np.minimum(np.arange(side) // step, cells - 1)
    cell = (rows[:, None] * cells + rows[None, :]) * CODES
    out = np.empty((n, cells * cells * CODES * len(radii)), np.float32)
    for i, image in enumerate(images[..., 0]):
        parts = []
        for r in radii:
            codes = local_binary_pattern(image, 8, r, method="nri_uniform").astype(np.int64)
            parts.append(np.bincount((cell + codes).ravel(), minlength=cells * cells * CODES))
        hist = np.concatenate(parts).astype(np.float32)
        out[i] = np.sqrt(hist / hist.sum())
    return out


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return np.sum(a * b, axis=1)


def descriptor(train_x, person, dims: int, lda: bool):
    """A projection fitted on the training people: PCA (whitened) to `dims`, then LDA."""
    pca = PCA(dims, whiten=True, random_state=0).fit(train_x)
    if not lda:
        return pca.transform
    counts = np.bincount(person)
    keep = counts[person] >= 2
    projected = pca.transform(train_x[keep])
    model = LinearDiscriminantAnalysis(n_components=min(dims, len(set(person[keep])) - 1))
    model.fit(projected, person[keep])
    return lambda x: model.transform(pca.transform(x))


def net_scores(model_path: Path, splits: list[dict], tta: bool) -> list[np.ndarray]:
    """The net's score of each split's pairs, as the evaluate stage computes it."""
    from lfw_siamese.inference import score_pairs
    from lfw_siamese.saving import load_model

    model = load_model(model_path)
    return [score_pairs(model, s["left"], s["right"], tta) for s in splits]


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return np.log(p / (1 - p))


def judged(label, scores, threshold) -> dict:
    fpr, tpr = m.roc_curve(label, scores)[:2]
    return {"accuracy": m.accuracy(label, scores, threshold), "auc": m.auc(fpr, tpr)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--out", type=Path, default=Path("docs/results/lbp-fusion"))
    parser.add_argument("--cells", type=int, nargs="+", default=[4, 8],
                        help="grids screened: cells per side")
    parser.add_argument("--pca", type=int, nargs="+", default=[100, 200, 400],
                        help="PCA sizes screened")
    parser.add_argument("--size", type=int,
                        help="describe the same crops decoded at this side (default: the "
                             "net's input, image_size)")
    args = parser.parse_args()
    p = load_params()
    people = load_arrays(PAIRS / "people.npz")
    val, test = load_arrays(PAIRS / "val.npz"), load_arrays(PAIRS / "test.npz")
    start = time.perf_counter()
    pixels = {"people": people["image"], "val": (val["left"], val["right"]),
              "test": (test["left"], test["right"])}
    if args.size and args.size != p.image_size:
        store = ImageStore(LFW / "images.zip")

        def decoded(files):
            return load_from_store(store, list(files), args.size, 1, p.crop)

        pixels = {"people": decoded(people["files"]),
                  **{name: (decoded(split["left_file"]), decoded(split["right_file"]))
                     for name, split in (("val", val), ("test", test))}}
    screen, best = [], None
    for cells in args.cells:
        feats = {"train": lbp(pixels["people"], cells)}
        for name in ("val", "test"):
            feats[name] = [lbp(side, cells) for side in pixels[name]]
        for dims in args.pca:
            for lda in (False, True):
                project = descriptor(feats["train"], people["person"], dims, lda)
                val_cos = cosine(*(project(x) for x in feats["val"]))
                row = {"cells": cells, "pca": dims, "lda": lda,
                       "val_auc": roc_auc_score(val["label"], val_cos)}
                screen.append(row)
                print(row, flush=True)
                if best is None or row["val_auc"] > best[0]["val_auc"]:
                    best = row, val_cos, cosine(*(project(x) for x in feats["test"]))
    row, lbp_val, lbp_test = best
    net_val, net_test = net_scores(args.model, [val, test], p.tta)
    pairs_val, pairs_test = (np.stack([logit(net), lbp_cos], 1)
                             for net, lbp_cos in ((net_val, lbp_val), (net_test, lbp_test)))
    fusion = LogisticRegression().fit(pairs_val, val["label"])
    fused_val, fused_test = (fusion.predict_proba(x)[:, 1] for x in (pairs_val, pairs_test))
    weights = {"net_logit": float(fusion.coef_[0, 0]), "lbp_cosine": float(fusion.coef_[0, 1]),
               "offset": float(fusion.intercept_[0])}
    result = {"model": str(args.model), "size": args.size or p.image_size, "descriptor": row,
              "screen": screen, "fusion_weights": weights}
    errors = {}
    for name, (sv, st) in {"net": (net_val, net_test), "lbp": (lbp_val, lbp_test),
                           "fusion": (fused_val, fused_test)}.items():
        threshold = m.best_threshold(val["label"], sv)
        errors[name] = (sv > threshold) != (val["label"] == 1)
        result[name] = {"val": judged(val["label"], sv, threshold),
                        "test": judged(test["label"], st, threshold), "threshold": threshold}
    result["val_error_correlation"] = float(np.corrcoef(errors["net"], errors["lbp"])[0, 1])
    result["val_errors_shared"] = int(np.sum(errors["net"] & errors["lbp"]))
    result["val_errors"] = {k: int(v.sum()) for k, v in errors.items()}
    result["seconds"] = round(time.perf_counter() - start, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "result.json").write_text(json.dumps(result, indent=2, default=float) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "screen"}, indent=1, default=float))


if __name__ == "__main__":
    main()
