"""Two View 2 runs compared fold by fold: the paired difference, its standard error, a paired
t-test's p-value, and the folds where it helps.

Both runs test the same ten folds, so the fold-to-fold spread they share (some folds are
harder) cancels in the per-fold difference; its standard error is far smaller than either
run's. A side may hold several runs (seeds): each fold's accuracy is then their mean.
"""

import json
from pathlib import Path

import numpy as np
from scipy import stats

from ..errors import LfwError
from .view2 import mean_and_error


def fold_accuracies(folder: Path, net: bool = False) -> dict[int, float]:
    """{fold: test accuracy} of the fold_N.json files in `folder` (`metrics/view2` or an
    archived copy); with `net`, the net alone of a fused run."""
    found = {}
    for path in sorted(folder.glob("fold_*.json")):
        fold = json.loads(path.read_text())
        record = fold.get("net") if net else fold
        if record is None:
            raise LfwError(f"{path}: no `net` record (a run without fusion): compare it "
                           "without --net")
        found[int(fold["fold"])] = float(record["accuracy"])
    if not found:
        raise LfwError(f"{folder}: no fold_N.json in it (expected metrics/view2 or a copy)")
    return found


def side(folders: list[Path], net: bool = False) -> dict[int, float]:
    """Each fold's mean accuracy over several runs, on the folds they all have."""
    runs = [fold_accuracies(f, net) for f in folders]
    folds = sorted(set.intersection(*(set(r) for r in runs)))
    return {k: float(np.mean([r[k] for r in runs])) for k in folds}


def paired(a: dict[int, float], b: dict[int, float]) -> dict:
    """B - A on the folds both have: per fold, the mean ± standard error (sigma / sqrt(n)) of
    the differences and the two-sided p-value of a paired t-test (None when every fold
    differs by the same amount), each side's mean ± SE, and the folds where B is better,
    worse, level."""
    folds = sorted(set(a) & set(b))
    if len(folds) < 2:
        raise LfwError(f"compare: {len(folds)} fold(s) in common; a standard error needs 2")
    x, y = np.array([a[k] for k in folds]), np.array([b[k] for k in folds])
    diff = y - x

    def mean_se(v):
        return dict(zip(("mean", "standard_error"), mean_and_error(v), strict=True))

    p_value = float(stats.ttest_rel(y, x).pvalue) if np.ptp(diff) > 0 else None
    return {"folds": folds, "a": mean_se(x), "b": mean_se(y),
            "difference": {**mean_se(diff), "p_value": p_value},
            "per_fold": {k: {"a": a[k], "b": b[k], "difference": float(d)}
                         for k, d in zip(folds, diff, strict=True)},
            "better": [k for k, d in zip(folds, diff, strict=True) if d > 1e-9],
            "worse": [k for k, d in zip(folds, diff, strict=True) if d < -1e-9],
            "missing": sorted(set(a) ^ set(b))}
