"""Test-time variants of a trained model's scores, ranked on validation.

    python research/test_time.py [--model data/model.keras] [--pairs data/pairs]

For the pairs of val.npz and test.npz: AUC of the cosine of the twin's embeddings (what the
model's head calibrates), of the embeddings summed with those of the flipped image, and of
PCA-whitened embeddings (mean and axes from 4,000 training images of people.npz; all axes or
the leading k). The pipeline's `tta` (scores averaged over the pair and its flipped copy) is
in metrics/evaluate.json.
"""

import argparse

import numpy as np

from lfw_siamese.data.dataset import load_arrays
from lfw_siamese.net.saving import load_model
from lfw_siamese.verification import metrics as m

TRAINING_IMAGES = 4000


def unit(e: np.ndarray) -> np.ndarray:
    return e / np.linalg.norm(e, axis=1, keepdims=True)


def whiteners(train: np.ndarray) -> dict:
    """PCA whitening fitted on training embeddings: all axes, or the leading 16 or 64."""
    mean = train.mean(axis=0)
    _, sv, axes = np.linalg.svd(train - mean, full_matrices=False)
    return {f"PCA-whitened, {k} axes": (lambda e, k=k: (e - mean) @ axes[:k].T / sv[:k])
            for k in (16, 64, len(sv))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="data/model.keras")
    parser.add_argument("--pairs", default="data/pairs")
    args = parser.parse_args()
    twin = load_model(args.model).get_layer("twin")

    def embed(x, flip_sum):
        e = twin.predict(x, batch_size=256, verbose=0)
        return e + twin.predict(x[:, :, ::-1], batch_size=256, verbose=0) if flip_sum else e

    people = load_arrays(f"{args.pairs}/people.npz")["image"]
    sample = people[np.random.default_rng(0).choice(len(people), TRAINING_IMAGES, replace=False)]
    splits = {s: load_arrays(f"{args.pairs}/{s}.npz") for s in ("val", "test")}
    print("| features | scoring | val AUC | test AUC |\n|---|---|---|---|")
    for flip_sum in (False, True):
        scorings = {"cosine": lambda e: e, **whiteners(embed(sample, flip_sum))}
        embedded = {s: (embed(d["left"], flip_sum), embed(d["right"], flip_sum))
                    for s, d in splits.items()}
        for name, transform in scorings.items():
            aucs = []
            for s, (a, b) in embedded.items():
                scores = np.sum(unit(transform(a)) * unit(transform(b)), axis=1)
                aucs.append(m.auc(*m.roc_curve(splits[s]["label"], scores)))
            features = "image + flipped, summed" if flip_sum else "image"
            print(f"| {features} | {name} | {aucs[0]:.4f} | {aucs[1]:.4f} |")


if __name__ == "__main__":
    main()
