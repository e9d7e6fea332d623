"""A trained model's batch-norm statistics recomputed from clean training images instead of
the augmented ones `ema` uses: does the choice matter? Prints the net's validation AUC
(test-time flip on) as saved, then after recomputing; pairsDevTest is not read.

    python research/batch_norm_source.py data/model.keras
"""

import argparse

import numpy as np

from lfw_siamese.data.dataset import load_arrays
from lfw_siamese.net.inference import score_pairs
from lfw_siamese.net.model import twin_of
from lfw_siamese.net.saving import load_model
from lfw_siamese.net.training import recompute_batch_norm
from lfw_siamese.paths import PAIRS
from lfw_siamese.verification import metrics as m

BATCH = 64  # pairs per batch, as the recipe trains


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", help="a trained model, e.g. data/model.keras")
    model = load_model(parser.parse_args().model)
    val, people = load_arrays(PAIRS / "val.npz"), load_arrays(PAIRS / "people.npz")

    def val_auc() -> float:
        scores = score_pairs(model, val["left"], val["right"], True)
        return m.auc(*m.roc_curve(val["label"], scores))

    print(f"as saved: validation AUC {val_auc():.4f}")
    images = people["image"][np.random.default_rng(0).permutation(len(people["image"]))]
    pairs = range(0, len(images) - 2 * BATCH + 1, 2 * BATCH)
    recompute_batch_norm(twin_of(model), [((images[i:i + BATCH], images[i + BATCH:i + 2 * BATCH]),
                                           None) for i in pairs])
    print(f"batch norm from clean training images: validation AUC {val_auc():.4f}")


if __name__ == "__main__":
    main()
