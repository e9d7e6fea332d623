"""What averaging several trained models' scores buys (an ensemble probe).

    python research/ensemble.py MODEL[=PAIRS] MODEL[=PAIRS] ... [--pairs data/pairs] [--val-only]

For each model alone and for the mean of their scores (each with the pipeline's `tta`):
validation AUC and accuracy at the best validation threshold, then test AUC and test
accuracy at that validation threshold, as the evaluate stage reports them (`--val-only`:
validation alone, for probes that decide something). A model is scored on --pairs, or on its
own `=PAIRS` folder when it was trained on other arrays of the same pairs (another `crop`, say:
a fusion of face regions); the pairs, their order and labels must be the same in all.
"""

import argparse

import numpy as np

from lfw_siamese.data.dataset import load_arrays
from lfw_siamese.net.inference import score_pairs
from lfw_siamese.net.saving import load_model
from lfw_siamese.verification import metrics as m


def row(name: str, scores: dict, splits: dict) -> str:
    """A table row: validation figures, and test at the validation threshold if scored."""
    threshold = m.best_threshold(splits["val"]["label"], scores["val"])
    val = m.summary(splits["val"]["label"], scores["val"], threshold)
    if "test" not in scores:
        return f"| {name} | {val['accuracy']:.4f} | {val['auc']:.4f} | – | – | – |"
    test = m.summary(splits["test"]["label"], scores["test"], threshold)
    return (f"| {name} | {val['accuracy']:.4f} | {val['auc']:.4f} | {test['accuracy']:.4f} "
            f"| {test['auc']:.4f} | {test['eer']:.4f} |")


def load_splits(folder: str, names: tuple, like: dict | None = None) -> dict:
    """The val (and test) arrays of a pairs folder; with `like`, checked to hold the same pairs."""
    splits = {s: load_arrays(f"{folder}/{s}.npz") for s in names}
    for s, d in (like or {}).items():
        for key in ("left_file", "right_file", "label"):
            if not np.array_equal(splits[s][key], d[key]):
                raise SystemExit(f"{folder}/{s}.npz: its {key} differs from the first model's "
                                 "pairs; fuse only models prepared with the same split")
    return splits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("models", nargs="+", metavar="MODEL[=PAIRS]")
    parser.add_argument("--pairs", default="data/pairs")
    parser.add_argument("--val-only", action="store_true")
    args = parser.parse_args()
    names = ("val",) if args.val_only else ("val", "test")
    first, each = None, []
    print("| models | val acc | val AUC | test acc @val thr. | test AUC | test EER |\n"
          "|---|---|---|---|---|---|")
    for spec in args.models:
        path, _, folder = spec.partition("=")
        splits = load_splits(folder or args.pairs, names, first)
        first = first or splits
        model = load_model(path)
        each.append({s: score_pairs(model, d["left"], d["right"], tta=True)
                     for s, d in splits.items()})
        print(row(spec, each[-1], first), flush=True)
    mean = {s: np.mean([scores[s] for scores in each], axis=0) for s in names}
    print(row(f"mean of the {len(each)}", mean, first))


if __name__ == "__main__":
    main()
