"""Stage `view2/fold@N`: train on eight other folds of pairs.txt, test on fold N.

Fold N - 1 (fold 10 for fold 1) is held out of training: its pairs, of people the model has
not seen, choose the threshold and serve as the per-epoch monitor; early stopping is off.
`train_pairs: dev` trains on the eight folds' pairs only (image-restricted); `mined` mines
pairs from all images of their people (unrestricted).
A killed fold resumes from its checkpoint (data/checkpoints/view2-fold-N/).
Fold N trains with seed + N, so the folds are ten different initialisations.
With `fusion: lbp`, the LBP descriptors (each image's regions decoded gray from data/lfw) are
fitted on the training folds' people and fused with the net by a logistic regression fitted
on the calibration fold; the net alone is recorded too (`net`).
Writes data/view2/fold_N.keras, metrics/view2/fold_N.json and metrics/view2/fold_N.csv
(every held-out pair's score).
"""

import sys

from lfw_siamese import paths
from lfw_siamese.errors import LfwError, run_stage
from lfw_siamese.fold import judge_net, load_fold
from lfw_siamese.fsutil import write_csv, write_json
from lfw_siamese.mining import check_mining
from lfw_siamese.pairs import people_of
from lfw_siamese.params import load_params
from lfw_siamese.view2 import FOLDS, calibration_fold

DATA = paths.VIEW2
METRICS = paths.METRICS / "view2"


def main() -> None:
    if len(sys.argv) != 2 or not sys.argv[1].isdigit() or not 1 <= int(sys.argv[1]) <= FOLDS:
        raise LfwError(f"usage: view2_fold.py N, with N the held-out fold (1-{FOLDS})")
    fold = int(sys.argv[1])
    p = load_params().replace(patience=0)
    groups, arrays, people = load_fold(fold)
    check_mining(p, people["person"])
    from lfw_siamese.saving import save_model  # after the checks: Keras takes seconds
    from lfw_siamese.training import train as train_model

    run = train_model(p, arrays["calibration"], pairs=arrays["training"], people=people,
                      seed=p.seed + fold, checkpoint=paths.CHECKPOINTS / f"view2-fold-{fold}")
    model = run.model
    save_model(model, DATA / f"fold_{fold}.keras")
    result, scores = judge_net(p, model, groups, arrays, people)
    write_json(METRICS / f"fold_{fold}.json", {
        "fold": fold, "calibration_fold": calibration_fold(fold), **result,
        "training": p.train_pairs, "epochs": len(run.history),
        "train_seconds": round(run.seconds, 1), "resumed_after_epoch": run.resumed_at,
        "training_people": len(people_of(groups["training"])),
        "training_images": len(people["image"])})
    write_csv(METRICS / f"fold_{fold}.csv", ["left_file", "right_file", "label", "score"],
              [(q.left, q.right, int(q.same), repr(float(s)))
               for q, s in zip(groups["test"], scores["test"], strict=True)])
    print(f"fold {fold}: accuracy {result['accuracy']:.4f} at threshold "
          f"{result['threshold']:.3f} (chosen on fold {calibration_fold(fold)}, held out of "
          f"training), AUC {result['auc']:.4f}")


if __name__ == "__main__":
    run_stage("view2/fold", main)
