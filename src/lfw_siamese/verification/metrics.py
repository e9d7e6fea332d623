"""Verification measures from labels (1 = same person) and similarity scores: the ROC and its
area from scikit-learn, the rest in NumPy.

A pair is judged "same" when its score is above the threshold (as Keras' BinaryAccuracy).
"""

import numpy as np


def roc_curve(labels, scores):
    """False and true positive rates at every distinct threshold, from (0, 0) to (1, 1)."""
    from sklearn import metrics

    labels = np.asarray(labels, bool)
    if labels.all() or not labels.any():  # one kind of pair: a rate of the other is 0
        return np.array([0.0, 1.0]), np.array([0.0, 1.0])
    fpr, tpr, _ = metrics.roc_curve(labels, np.asarray(scores, float), drop_intermediate=False)
    return fpr, tpr


def auc(fpr, tpr) -> float:
    """Area under the ROC curve (trapezoids)."""
    from sklearn import metrics

    return float(metrics.auc(fpr, tpr))


def equal_error_rate(fpr, tpr) -> float:
    """The rate at which false accepts equal false rejects, interpolated along the ROC."""
    fnr = 1 - tpr
    gap = fpr - fnr  # rises from -1 to +1 along the curve
    i = int(np.argmax(gap >= 0))
    if i == 0 or gap[i] == 0:
        return float(fpr[i])
    t = -gap[i - 1] / (gap[i] - gap[i - 1])
    return float(fpr[i - 1] + t * (fpr[i] - fpr[i - 1]))


def accuracy(labels, scores, threshold: float) -> float:
    return float(np.mean((np.asarray(scores) > threshold) == np.asarray(labels, bool)))


def best_threshold(labels, scores) -> float:
    """The threshold with the highest accuracy on these (validation) pairs.

    Candidates are midpoints between consecutive distinct scores; ties go to the one
    closest to 0.5.
    """
    s = np.unique(np.asarray(scores, float))
    candidates = np.r_[s[0] - 1e-6, (s[1:] + s[:-1]) / 2, s[-1]]
    accs = np.array([accuracy(labels, scores, t) for t in candidates])
    best = np.flatnonzero(accs == accs.max())
    return float(candidates[best[np.argmin(np.abs(candidates[best] - 0.5))]])


def confusion(labels, scores, threshold: float) -> dict:
    """Counts of true/false positives/negatives ("positive" = judged same)."""
    y = np.asarray(labels, bool)
    p = np.asarray(scores) > threshold
    return {"tp": int(np.sum(y & p)), "fn": int(np.sum(y & ~p)),
            "tn": int(np.sum(~y & ~p)), "fp": int(np.sum(~y & p))}


def summary(labels, scores, threshold: float) -> dict:
    """All measures for one set of pairs, with the given (validation-chosen) threshold."""
    fpr, tpr = roc_curve(labels, scores)
    c = confusion(labels, scores, threshold)
    return {
        "accuracy_at_0.5": accuracy(labels, scores, 0.5),
        "accuracy": accuracy(labels, scores, threshold),
        "auc": auc(fpr, tpr),
        "eer": equal_error_rate(fpr, tpr),
        "precision": c["tp"] / max(c["tp"] + c["fp"], 1),
        "recall": c["tp"] / max(c["tp"] + c["fn"], 1),
        **c,
    }


def most_confident_errors(labels, scores, threshold: float, n: int) -> dict[str, list[int]]:
    """Indices of the n worst false rejects (same, lowest score) and false accepts."""
    y = np.asarray(labels, bool)
    s = np.asarray(scores, float)
    rejects = np.flatnonzero(y & (s <= threshold))
    accepts = np.flatnonzero(~y & (s > threshold))
    return {
        "false_reject": rejects[np.argsort(s[rejects], kind="stable")][:n].tolist(),
        "false_accept": accepts[np.argsort(-s[accepts], kind="stable")][:n].tolist(),
    }
