"""LFW View 2 judged: each fold's result, read back, and the ten aggregated as the LFW results
page reports them (mean accuracy and its standard error, the sample standard deviation over
sqrt(10)). Which pairs form a fold is lfw_siamese.data.folds.
"""

import csv
import json
from pathlib import Path

import numpy as np
from scipy import stats

from ..errors import LfwError
from . import metrics as m

ROC_GRID = np.linspace(0, 1, 101)


def mean_roc(curves: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """True positive rates averaged over folds at the false positive rates of ROC_GRID."""
    tprs = []
    for fpr, tpr in curves:
        # interpolate on the upper envelope: the best rate reached at each fpr
        tprs.append(np.interp(ROC_GRID, fpr, np.maximum.accumulate(tpr)))
    return np.mean(tprs, axis=0)


def mean_and_error(values) -> tuple[float, float]:
    """The mean of per-fold figures and its standard error (sample sigma / sqrt(n))."""
    values = np.asarray(values, np.float64)
    return float(values.mean()), float(stats.sem(values))


def aggregate(folds: list[dict]) -> dict:
    """Mean accuracy, its standard error, AUC and per-fold figures; the same of the net alone
    and of the descriptors alone where the folds fused them; and the mean accuracy at the
    thresholds the training pairs would have given, where recorded."""
    mean, error = mean_and_error([f["accuracy"] for f in folds])
    summary = {
        "folds": len(folds),
        "mean_accuracy": mean,
        "standard_error": error,
        "mean_auc": float(np.mean([f["auc"] for f in folds])),
        "accuracy_per_fold": [round(float(f["accuracy"]), 4) for f in folds],
        "threshold_per_fold": [round(float(f["threshold"]), 6) for f in folds],
    }
    for branch in ("net", "descriptors"):  # folds fused with descriptors: each branch alone
        alone = [f.get(branch, {}).get("accuracy") for f in folds]
        if None not in alone:
            summary[f"{branch}_mean_accuracy"] = float(np.mean(alone))
            summary[f"{branch}_accuracy_per_fold"] = [round(float(a), 4) for a in alone]
    seen = [f.get("accuracy_at_training_pairs_threshold") for f in folds]
    if None not in seen:  # folds scored since the calibration fold was held out
        summary["mean_accuracy_at_training_pairs_threshold"] = float(np.mean(seen))
    return summary


def read_fold(folder: Path, fold: int) -> tuple[dict, tuple[np.ndarray, np.ndarray]]:
    """A fold's result (fold_N.json) and its test pairs' (labels, scores) (fold_N.csv), from
    metrics/view2 or an archived run's folder."""
    result_path, scores_path = folder / f"fold_{fold}.json", folder / f"fold_{fold}.csv"
    try:
        result = json.loads(result_path.read_text())
        with open(scores_path, newline="") as f:
            rows = list(csv.DictReader(f))
        labels = np.array([int(r["label"]) for r in rows])
        scores = np.array([float(r["score"]) for r in rows])
    except FileNotFoundError as exc:
        raise LfwError(f"{exc.filename}: missing: run `dvc repro view2/dvc.yaml`") from None
    except (json.JSONDecodeError, KeyError, ValueError) as exc:
        raise LfwError(f"{folder}/fold_{fold}: not a View 2 fold's result ({exc})") from None
    return result, (labels, scores)


def fold_result(calibration, test, training=None) -> dict:
    """Threshold from the calibration fold's (labels, scores), accuracy and AUC on the test
    fold's. With the training folds' own pairs, also the accuracy a threshold chosen on them,
    pairs the net was trained on, would give (how View 2 was scored before)."""
    threshold = m.best_threshold(*calibration)
    fpr, tpr = m.roc_curve(*test)
    result = {"threshold": threshold, "calibration_accuracy": m.accuracy(*calibration, threshold),
              "accuracy": m.accuracy(*test, threshold), "auc": m.auc(fpr, tpr),
              "pairs": len(test[0])}
    if training is not None:
        seen = m.best_threshold(*training)
        result |= {"training_pairs_threshold": seen,
                   "accuracy_at_training_pairs_threshold": m.accuracy(*test, seen)}
    return result
