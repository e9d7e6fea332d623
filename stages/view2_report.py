"""Stage `view2/report`: aggregate the ten judged folds as the LFW results page reports them.

Writes metrics/view2.json (mean accuracy, standard error, mean AUC, per-fold accuracies and
thresholds, and the mean accuracy at the training pairs' thresholds where the folds have
it), metrics/view2_roc.csv (the mean ROC) and metrics/plots/view2.png.
Refuses folds whose nets or judges DVC recorded as run on different code, parameters or data
(view2/dvc.lock).
"""

from pathlib import Path

import numpy as np

from lfw_siamese.config import stage_params
from lfw_siamese.data.folds import FOLDS
from lfw_siamese.errors import run_stage
from lfw_siamese.fsutil import write_csv, write_json
from lfw_siamese.lockfile import check_same_inputs
from lfw_siamese.paths import METRICS, PLOTS
from lfw_siamese.verification import metrics as m
from lfw_siamese.verification.view2 import ROC_GRID, aggregate, mean_roc, read_fold

LOCK = Path("view2/dvc.lock")  # DVC's record of each fold's run


def main() -> None:
    p = stage_params("view2_report")
    from lfw_siamese.plots import view2

    read = [read_fold(METRICS / "view2", fold) for fold in range(1, FOLDS + 1)]
    folds = [result for result, _ in read]
    curves = [m.roc_curve(*scores) for _, scores in read]
    for kind in ("train", "judge"):
        check_same_inputs(LOCK, [f"{kind}@{fold}" for fold in range(1, FOLDS + 1)],
                          own=str(METRICS / "view2"))
    summary = {"release": p.release, "training": folds[0]["training"], **aggregate(folds)}
    roc = mean_roc(curves)
    write_json(METRICS / "view2.json", summary)
    write_csv(METRICS / "view2_roc.csv", ["fpr", "tpr"],
              [(f"{a:.2f}", f"{b:.5f}") for a, b in zip(ROC_GRID, roc, strict=True)])
    view2(summary, ROC_GRID, roc, PLOTS / "view2.png")
    print(f"View 2 ({summary['training']}): {100 * summary['mean_accuracy']:.2f} ± "
          f"{100 * summary['standard_error']:.2f} % over {FOLDS} folds, mean AUC "
          f"{summary['mean_auc']:.4f}; per fold {np.round(summary['accuracy_per_fold'], 3)}")
    for branch in ("net", "descriptors"):
        if f"{branch}_mean_accuracy" in summary:
            print(f"(the {branch} alone: {100 * summary[f'{branch}_mean_accuracy']:.2f} %)")
    if "mean_accuracy_at_training_pairs_threshold" in summary:
        print(f"(with thresholds chosen on the training pairs instead of the calibration folds: "
              f"{100 * summary['mean_accuracy_at_training_pairs_threshold']:.2f} %)")

if __name__ == "__main__":
    run_stage("view2/report", main)
