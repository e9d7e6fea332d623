"""Stage `view2/report`: aggregate the ten folds as the LFW results page reports them.

Writes metrics/view2.json (mean accuracy, standard error, mean AUC, per-fold accuracies and
thresholds, and the mean accuracy at the training pairs' thresholds where the folds have
it), metrics/view2_roc.csv (the mean ROC) and metrics/plots/view2.png.
Refuses folds that DVC recorded as run on different code, parameters or data (view2/dvc.lock).
"""

import csv
import json
from pathlib import Path

import numpy as np

from lfw_siamese import metrics as m
from lfw_siamese.errors import LfwError, run_stage
from lfw_siamese.fsutil import write_csv, write_json
from lfw_siamese.lockfile import check_same_inputs
from lfw_siamese.params import load_params
from lfw_siamese.paths import METRICS, PLOTS
from lfw_siamese.view2 import FOLDS, ROC_GRID, aggregate, mean_roc

LOCK = Path("view2/dvc.lock")  # DVC's record of each fold's run


def main() -> None:
    p = load_params()
    from lfw_siamese.plots import view2

    folds, curves = [], []
    for fold in range(1, FOLDS + 1):
        path = METRICS / "view2" / f"fold_{fold}.json"
        if not path.is_file():
            raise LfwError(f"{path}: missing: run `dvc repro view2/dvc.yaml`")
        folds.append(json.loads(path.read_text()))
        with open(METRICS / "view2" / f"fold_{fold}.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        curves.append(m.roc_curve([int(r["label"]) for r in rows],
                                  [float(r["score"]) for r in rows]))
    check_same_inputs(LOCK, [f"fold@{fold}" for fold in range(1, FOLDS + 1)])
    summary = {"release": p.release, "training": folds[0]["training"], **aggregate(folds)}
    roc = mean_roc(curves)
    write_json(METRICS / "view2.json", summary)
    write_csv(METRICS / "view2_roc.csv", ["fpr", "tpr"],
              [(f"{a:.2f}", f"{b:.5f}") for a, b in zip(ROC_GRID, roc, strict=True)])
    view2(summary, ROC_GRID, roc, PLOTS / "view2.png")
    print(f"View 2 ({summary['training']}): {100 * summary['mean_accuracy']:.2f} ± "
          f"{100 * summary['standard_error']:.2f} % over {FOLDS} folds, mean AUC "
          f"{summary['mean_auc']:.4f}; per fold {np.round(summary['accuracy_per_fold'], 3)}")
    if "net_mean_accuracy" in summary:
        print(f"(the net alone, without the descriptor: "
              f"{100 * summary['net_mean_accuracy']:.2f} %)")
    if "mean_accuracy_at_training_pairs_threshold" in summary:
        print(f"(with thresholds chosen on the training pairs instead of the calibration folds: "
              f"{100 * summary['mean_accuracy_at_training_pairs_threshold']:.2f} %)")


if __name__ == "__main__":
    run_stage("view2/report", main)
