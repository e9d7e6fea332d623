"""How far each View 2 fold's threshold is from its test fold's own best.

    python research/view2_thresholds.py [FOLDER ...]     (default: metrics/view2)

For each folder of fold_N.json / fold_N.csv files: per fold, the threshold used and the
accuracy it gave, and the test fold's own best threshold and accuracy (a bound no method may
use: it is chosen on the test labels); then the means. A large gap means the threshold was
chosen on pairs unlike the test fold's (e.g. pairs the model was trained on).
"""
import argparse
import csv
import json
from pathlib import Path

import numpy as np

from lfw_siamese.verification import metrics as m


def folds(folder: Path):
    for path in sorted(folder.glob("fold_*.json"), key=lambda p: int(p.stem.split("_")[1])):
        result = json.loads(path.read_text())
        with open(path.with_suffix(".csv"), newline="") as f:
            rows = list(csv.DictReader(f))
        labels = [int(r["label"]) for r in rows]
        scores = [float(r["score"]) for r in rows]
        best = m.best_threshold(labels, scores)
        yield (result["fold"], result["threshold"], result["accuracy"], best,
               m.accuracy(labels, scores, best))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="*", type=Path, default=[Path("metrics/view2")])
    for folder in parser.parse_args().folders:
        rows = list(folds(folder))
        print(f"{folder}:\n fold  threshold  accuracy  test's best threshold  its accuracy")
        for fold, used, acc, best, best_acc in rows:
            print(f" {fold:>4}  {used:9.3f}  {acc:8.4f}  {best:21.3f}  {best_acc:12.4f}")
        means = np.mean([(r[2], r[4]) for r in rows], axis=0)
        print(f" mean over {len(rows)} folds: {means[0]:.4f} against {means[1]:.4f}")


if __name__ == "__main__":
    main()
