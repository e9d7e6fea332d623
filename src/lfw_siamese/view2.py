"""LFW View 2: ten folds of pairs.txt, each tested by a model trained on eight of the others.

The folds share no person. Of the nine, the fold before the test fold (fold 10 for fold 1)
is held out of training: its pairs choose the threshold, on people the model has not seen,
as the test fold's are. Restricted training uses only the other eight folds' pairs; the
unrestricted variant mines pairs from all images of their people. Results are reported as
the LFW results page does: mean accuracy and its standard error, the sample standard
deviation over sqrt(10).
"""

from itertools import combinations

import numpy as np

from . import metrics as m
from .errors import LfwError
from .pairs import Pair, people_of, person_of

FOLDS = 10
ROC_GRID = np.linspace(0, 1, 101)


def calibration_fold(test_fold: int) -> int:
    """The 1-based fold held out of training to choose `test_fold`'s threshold."""
    return test_fold - 1 if test_fold > 1 else FOLDS


def split_folds(pairs: list[Pair], test_fold: int):
    """(training, calibration, test) pairs for 1-based `test_fold`; Pair.fold is 0-based."""
    held_out = {test_fold - 1: "test", calibration_fold(test_fold) - 1: "calibration"}
    parts = {"training": [], "calibration": [], "test": []}
    for p in pairs:
        parts[held_out.get(p.fold, "training")].append(p)
    return parts["training"], parts["calibration"], parts["test"]


def fold_groups(pairs: list[Pair], test_fold: int) -> dict[str, list[Pair]]:
    """The training, calibration and test pairs of `test_fold`; refused if two share a person."""
    train, calibration, test = split_folds(pairs, test_fold)
    groups = {"training": train, "calibration": calibration, "test": test}
    for (a, pa), (b, pb) in combinations(groups.items(), 2):
        if shared := people_of(pa) & people_of(pb):
            raise LfwError(f"pairs.txt: for fold {test_fold}, the {a} and {b} folds share "
                           f"people: {', '.join(sorted(shared)[:5])}")
    return groups


def training_people(data: dict, training: list[Pair]) -> dict:
    """The images (and 0-based person ids) that mining may draw from: every image of the
    training folds' people, and no one else's."""
    pool = np.isin([person_of(f) for f in data["files"]], sorted(people_of(training)))
    return {"image": data["image"][pool],
            "person": np.unique(data["person"][pool], return_inverse=True)[1],
            "files": data["files"][pool]}


def judge_fold(scores: dict, arrays: dict) -> dict:
    """The `fold_result` of each group's pair scores (a dict like `arrays`: training,
    calibration, test): the threshold chosen on the calibration fold, applied to the test
    fold."""
    labelled = {name: (arrays[name]["label"], s) for name, s in scores.items()}
    return fold_result(labelled["calibration"], labelled["test"], labelled["training"])


def mean_roc(curves: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """True positive rates averaged over folds at the false positive rates of ROC_GRID."""
    tprs = []
    for fpr, tpr in curves:
        # interpolate on the upper envelope: the best rate reached at each fpr
        tprs.append(np.interp(ROC_GRID, fpr, np.maximum.accumulate(tpr)))
    return np.mean(tprs, axis=0)


def aggregate(folds: list[dict]) -> dict:
    """Mean accuracy, its standard error (sigma / sqrt(n)), AUC and per-fold figures (and the
    mean accuracy at the thresholds the training pairs would have given, where recorded)."""
    acc = np.array([f["accuracy"] for f in folds])
    aucs = np.array([f["auc"] for f in folds])
    summary = {
        "folds": len(folds),
        "mean_accuracy": float(acc.mean()),
        "standard_error": float(acc.std(ddof=1) / np.sqrt(len(acc))),
        "mean_auc": float(aucs.mean()),
        "accuracy_per_fold": [round(float(a), 4) for a in acc],
        "threshold_per_fold": [round(float(f["threshold"]), 6) for f in folds],
    }
    nets = [f.get("net", {}).get("accuracy") for f in folds]
    if None not in nets:  # folds fused with a descriptor: the net alone, for comparison
        summary["net_mean_accuracy"] = float(np.mean(nets))
        summary["net_accuracy_per_fold"] = [round(float(a), 4) for a in nets]
    seen = [f.get("accuracy_at_training_pairs_threshold") for f in folds]
    if None not in seen:  # folds scored since the calibration fold was held out
        summary["mean_accuracy_at_training_pairs_threshold"] = float(np.mean(seen))
    return summary


def fold_result(calibration, test, training=None) -> dict:
    """Threshold from the calibration fold's (labels, scores), accuracy and AUC on the test
    fold's. With the training folds' own pairs, also the accuracy a threshold chosen on them,
    pairs the model was trained on, would give (how View 2 was scored before)."""
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
