"""Stage `view2/judge@N`: judge fold N from its net's scores (stage view2/train@N), as the
LFW results page asks: nothing chosen on the test fold.

The descriptors of params.yaml are fitted on the training folds' people (every image of
them, its gray regions from data/regions.npz, and their mirrors); the fusion and the
threshold on the calibration fold (N - 1, held out of training); then the test fold is
judged. The net alone and the descriptors alone are judged the same way, for comparison, and
so is the threshold the training pairs would have chosen. Needs the net's scores, not the
net: a fresh clone judges without training, and a change of a descriptor, fusion or `tta`
parameter re-runs the ten judges and no training. Each image is LBP-coded once, though it
serves the fit and several groups of pairs.
Writes metrics/view2/fold_N.json (the fold's result) and metrics/view2/fold_N.csv (every
test pair's score).
"""

import csv
import json
import sys
import time

import numpy as np

from lfw_siamese import paths
from lfw_siamese.config import stage_params
from lfw_siamese.data import regions
from lfw_siamese.data.folds import calibration_fold, fold_number, read_fold
from lfw_siamese.data.pairs import image_counts, people_of, person_images, person_of
from lfw_siamese.errors import LfwError, run_stage
from lfw_siamese.fsutil import write_csv, write_json
from lfw_siamese.net.inference import NetScores
from lfw_siamese.verification.faces import read_faces
from lfw_siamese.verification.verifier import Pairs, Verifier, described_crops, fit_described
from lfw_siamese.verification.view2 import fold_result

METRICS = paths.METRICS / "view2"


def net_scores(fold: int, groups: dict) -> dict[str, NetScores]:
    """Each group's net scores from metrics/view2/net_N.csv, checked pair by pair against
    the groups of pairs.txt."""
    path = METRICS / f"net_{fold}.csv"
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except FileNotFoundError:
        raise LfwError(f"{path}: missing: run `dvc repro view2/dvc.yaml:train@{fold}`") from None
    found = {}
    for name, pairs in groups.items():
        mine = [r for r in rows if r["group"] == name]
        if [(r["left_file"], r["right_file"]) for r in mine] != [(q.left, q.right) for q in pairs]:
            raise LfwError(f"{path}: its {name} pairs are not fold {fold}'s of pairs.txt: run "
                           f"`dvc repro view2/dvc.yaml:train@{fold}`")
        found[name] = NetScores(np.array([float(r["score"]) for r in mine]),
                                np.array([float(r["flipped_score"]) for r in mine]))
    return found


def main() -> None:
    fold = fold_number(sys.argv[1:], "view2_judge.py")
    p = stage_params("view2_judge")
    start = time.perf_counter()
    groups = read_fold(fold)
    scores = net_scores(fold, groups)
    training = json.loads((METRICS / f"train_{fold}.json").read_text())
    people = sorted(people_of(groups["training"]))
    files = person_images(people, image_counts(regions.image_names(regions.FILE)))
    ids = {name: i for i, name in enumerate(people)}
    faces = read_faces(regions.FILE, described_crops(p), p.image_size,
                       files + [f for x in groups.values() for q in x for f in (q.left, q.right)])
    descriptors = fit_described(p, faces, files, np.array([ids[person_of(f)] for f in files]))
    pairs = {name: Pairs.of(np.array([q.same for q in x], np.uint8), scores[name], faces,
                            [q.left for q in x], [q.right for q in x])
             for name, x in groups.items()}
    verifier = Verifier.of(p, METRICS / f"net_{fold}.csv", descriptors)  # the net: its scores
    fitted = {name: v.fit(pairs["calibration"])
              for name, v in {"fused": verifier, **verifier.branches()}.items()}
    results = {name: fold_result(*((pairs[g].label, v.score(pairs[g])["fused"])
                                   for g in ("calibration", "test", "training")))
               for name, v in fitted.items()}
    result = results.pop("fused")
    if results:  # each branch alone, beside the fusion
        result |= {"fusion": fitted["fused"].fusion.as_dict(), **{
            name: {key: r[key] for key in ("threshold", "accuracy", "auc")}
            for name, r in results.items()}}
    test = fitted["fused"].score(pairs["test"])["fused"]
    write_json(METRICS / f"fold_{fold}.json", {
        "fold": fold, "calibration_fold": calibration_fold(fold), **result,
        "training": training["training"], "descriptors_fitted_on_images": len(files),
        "judge_seconds": round(time.perf_counter() - start, 1)})
    write_csv(METRICS / f"fold_{fold}.csv", ["left_file", "right_file", "label", "score"],
              [(q.left, q.right, int(q.same), repr(float(s)))
               for q, s in zip(groups["test"], test, strict=True)])
    print(f"fold {fold}: accuracy {result['accuracy']:.4f} at threshold "
          f"{result['threshold']:.3f} (chosen on fold {calibration_fold(fold)}, held out of "
          f"training), AUC {result['auc']:.4f}"
          + "".join(f"; the {name} alone {result[name]['accuracy']:.4f}" for name in results))


if __name__ == "__main__":
    run_stage("view2/judge", main)
