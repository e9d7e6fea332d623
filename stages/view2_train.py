"""Stage `view2/train@N`: train a net on eight folds of pairs.txt, and score every pair its
judge (`view2/judge@N`) uses with it.

Fold N is the test fold and fold N - 1 (fold 10 for fold 1) the calibration fold, both held out
of training; the calibration fold's pairs are the per-epoch monitor (early stopping is off).
`train_pairs: dev` trains on the other eight folds' pairs only (image-restricted); `mined`
mines pairs from all images of their people (unrestricted). Fold N trains with seed + N, so
the folds are ten different initialisations. A killed fold resumes from its checkpoint
(data/checkpoints/view2-fold-N/).
Writes metrics/view2/net_N.csv: the net's score of every training, calibration and test pair,
plain and with both images flipped left-right (the judge's `tta` picks), committed to git so
that a fresh clone judges without training; metrics/view2/train_N.json (the training's
record and machine); and data/view2/fold_N.keras (the net, not tracked).
"""

import sys

from lfw_siamese import paths
from lfw_siamese.config import stage_params
from lfw_siamese.data.folds import FOLDS, calibration_fold, fold_number, load_fold
from lfw_siamese.data.pairs import people_of
from lfw_siamese.errors import run_stage
from lfw_siamese.fsutil import write_csv, write_json
from lfw_siamese.hardware import describe
from lfw_siamese.net.mining import check_mining

METRICS = paths.METRICS / "view2"


def main() -> None:
    fold = fold_number(sys.argv[1:], "view2_train.py")
    p = stage_params("view2_train").replace(patience=0)
    groups, arrays, people = load_fold(fold)
    check_mining(p, people["person"])
    import keras  # after the checks: Keras takes seconds

    from lfw_siamese.net.inference import net_scores
    from lfw_siamese.net.saving import save_model
    from lfw_siamese.net.training import train

    run = train(p, arrays["calibration"], pairs=arrays["training"], people=people,
                seed=p.seed + fold, checkpoint=paths.CHECKPOINTS / f"view2-fold-{fold}")
    save_model(run.model, paths.VIEW2 / f"fold_{fold}.keras")
    rows = []
    for name, pairs in groups.items():
        scores = net_scores(run.model, arrays[name]["left"], arrays[name]["right"])
        rows += [(name, q.left, q.right, int(q.same), repr(float(a)), repr(float(b)))
                 for q, a, b in zip(pairs, scores.plain, scores.flipped, strict=True)]
    write_csv(METRICS / f"net_{fold}.csv",
              ["group", "left_file", "right_file", "label", "score", "flipped_score"], rows)
    write_json(METRICS / f"train_{fold}.json", {
        "fold": fold, "calibration_fold": calibration_fold(fold), "training": p.train_pairs,
        "epochs": len(run.history), "train_seconds": round(run.seconds, 1),
        "resumed_after_epoch": run.resumed_at, "last_epoch": run.history[-1],
        "training_people": len(people_of(groups["training"])),
        "training_images": len(people["image"]), "machine": describe(),
        "backend": keras.backend.backend(), "keras": keras.__version__})
    print(f"fold {fold} of {FOLDS}: trained {len(run.history)} epochs in {run.seconds:.0f} s; "
          f"scored {len(rows)} pairs")


if __name__ == "__main__":
    run_stage("view2/train", main)
