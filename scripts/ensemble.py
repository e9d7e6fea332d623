"""What averaging several trained models' scores buys (an ensemble probe for issue 15).

    python scripts/ensemble.py MODEL MODEL [MODEL ...] [--pairs data/pairs]

For each model alone and for the mean of their scores (each with the pipeline's `tta`):
validation AUC and accuracy at the best validation threshold, then test AUC and test
accuracy at that validation threshold, as the evaluate stage reports them. The models must
have been trained on the same split (the same data/pairs).
"""

import argparse

import numpy as np

from lfw_siamese import metrics as m
from lfw_siamese.dataset import load_arrays
from lfw_siamese.inference import score_pairs
from lfw_siamese.model import load_model


def row(name: str, scores: dict, labels: dict) -> str:
    threshold = m.best_threshold(labels["val"], scores["val"])
    val, test = (m.summary(labels[s], scores[s], threshold) for s in ("val", "test"))
    return (f"| {name} | {val['accuracy']:.4f} | {val['auc']:.4f} | {test['accuracy']:.4f} "
            f"| {test['auc']:.4f} | {test['eer']:.4f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("models", nargs="+")
    parser.add_argument("--pairs", default="data/pairs")
    args = parser.parse_args()
    splits = {s: load_arrays(f"{args.pairs}/{s}.npz") for s in ("val", "test")}
    labels = {s: d["label"] for s, d in splits.items()}
    each = []
    print("| models | val acc | val AUC | test acc @val thr. | test AUC | test EER |\n"
          "|---|---|---|---|---|---|")
    for path in args.models:
        model = load_model(path)
        each.append({s: score_pairs(model, d["left"], d["right"], tta=True)
                     for s, d in splits.items()})
        print(row(path, each[-1], labels), flush=True)
    mean = {s: np.mean([scores[s] for scores in each], axis=0) for s in splits}
    print(row(f"mean of the {len(each)}", mean, labels))


if __name__ == "__main__":
    main()
