"""View 2 of params.yaml's descriptors and fusion on a finished run's fold nets, without
training the nets again.

    python research/view2_refit.py --models runs/view2/data/view2 --runs runs/view2-done \
                                   --out docs/results/recipe-v5-view2 [--folds 1 2 3]

For each fold K whose net was saved by stage view2/fold (MODELS/fold_K.keras), exactly what
the stage does once the net is trained (lfw_siamese.fold.judge_net): the net scores each
group of pairs, the descriptors of params.yaml are fitted on the fold's training people, the
fusion on its calibration fold, which also chooses the threshold. Writes OUT/fold_K.json and
OUT/fold_K.csv as the stage does; the training's own fields (epochs, time) are copied from
RUNS/fold_K.json, the run that trained the net. A fold net depends on the training
parameters only, so where params.yaml differs from that run in the descriptors (`lbp_*`)
alone, these are the files `dvc repro view2/dvc.yaml` would write after training the same
nets again. Compare runs with scripts/view2_compare.py.
"""

import argparse
import json
from pathlib import Path

from lfw_siamese.fold import judge_net, load_fold
from lfw_siamese.fsutil import write_csv, write_json
from lfw_siamese.params import load_params
from lfw_siamese.view2 import FOLDS, calibration_fold

TRAINING_FIELDS = ("training", "epochs", "train_seconds", "resumed_after_epoch",
                   "training_people", "training_images")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", type=Path, required=True, help="the fold_K.keras files")
    parser.add_argument("--runs", type=Path, required=True,
                        help="the fold_K.json files of the run that trained them")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--folds", type=int, nargs="+", default=list(range(1, FOLDS + 1)))
    args = parser.parse_args()
    p = load_params().replace(patience=0)
    from lfw_siamese.saving import load_model

    for fold in args.folds:
        model_path = args.models / f"fold_{fold}.keras"
        if not model_path.is_file():
            print(f"fold {fold}: no {model_path}, skipped")
            continue
        trained = json.loads((args.runs / f"fold_{fold}.json").read_text())
        groups, arrays, people = load_fold(fold)
        result, scores = judge_net(p, load_model(model_path), groups, arrays, people)
        if abs(result["net"]["accuracy"] - trained["net"]["accuracy"]) > 1e-9:
            raise SystemExit(f"fold {fold}: {model_path} is not the net of {args.runs}: its "
                             f"accuracy alone {result['net']['accuracy']:.4f}, recorded "
                             f"{trained['net']['accuracy']:.4f}")
        write_json(args.out / f"fold_{fold}.json", {
            "fold": fold, "calibration_fold": calibration_fold(fold), **result,
            **{k: trained[k] for k in TRAINING_FIELDS}})
        write_csv(args.out / f"fold_{fold}.csv", ["left_file", "right_file", "label", "score"],
                  [(q.left, q.right, int(q.same), repr(float(s)))
                   for q, s in zip(groups["test"], scores["test"], strict=True)])
        print(f"fold {fold}: fused {result['accuracy']:.4f} (AUC {result['auc']:.4f}); the "
              f"run's {trained['accuracy']:.4f}; the net alone {trained['net']['accuracy']:.4f}",
              flush=True)


if __name__ == "__main__":
    main()
