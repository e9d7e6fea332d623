"""LFW View 2: ten folds of pairs.txt, each tested by a model trained on the other nine.

The folds share no person. Restricted training uses only the nine folds' pairs; the
unrestricted variant mines pairs from all images of the nine folds' people. The threshold
is chosen on the nine training folds' pairs. Results are reported as the LFW results page
does: mean accuracy and its standard error, the sample standard deviation over sqrt(10).
"""

import numpy as np

from . import metrics as m
from .pairs import Pair

FOLDS = 10
ROC_GRID = np.linspace(0, 1, 101)


def split_folds(pairs: list[Pair], test_fold: int):
    """(training pairs, test pairs) for 1-based `test_fold`; Pair.fold is 0-based."""
    return ([p for p in pairs if p.fold != test_fold - 1],
            [p for p in pairs if p.fold == test_fold - 1])


def mean_roc(curves: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """True positive rates averaged over folds at the false positive rates of ROC_GRID."""
    tprs = []
    for fpr, tpr in curves:
        # interpolate on the upper envelope: the best rate reached at each fpr
        tprs.append(np.interp(ROC_GRID, fpr, np.maximum.accumulate(tpr)))
    return np.mean(tprs, axis=0)


def aggregate(folds: list[dict]) -> dict:
    """Mean accuracy, its standard error (sigma / sqrt(n)), AUC and per-fold figures."""
    acc = np.array([f["accuracy"] for f in folds])
    aucs = np.array([f["auc"] for f in folds])
    return {
        "folds": len(folds),
        "mean_accuracy": float(acc.mean()),
        "standard_error": float(acc.std(ddof=1) / np.sqrt(len(acc))),
        "mean_auc": float(aucs.mean()),
        "accuracy_per_fold": [round(float(a), 4) for a in acc],
        "threshold_per_fold": [round(float(f["threshold"]), 6) for f in folds],
    }


def fold_result(train_labels, train_scores, test_labels, test_scores) -> dict:
    """Threshold from the training folds' pairs, accuracy and AUC on the held-out fold."""
    threshold = m.best_threshold(train_labels, train_scores)
    fpr, tpr = m.roc_curve(test_labels, test_scores)
    return {"threshold": threshold, "train_accuracy": m.accuracy(train_labels, train_scores,
                                                                 threshold),
            "accuracy": m.accuracy(test_labels, test_scores, threshold), "auc": m.auc(fpr, tpr),
            "pairs": len(test_labels)}
