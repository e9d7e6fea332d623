"""Score image pairs with a trained siamese model, optionally with test-time augmentation."""

import numpy as np

from .backend import predict

BATCH = 256


def score_pairs(model, left: np.ndarray, right: np.ndarray, tta: bool = False) -> np.ndarray:
    """P(same person) for each (left[i], right[i]); with `tta`, the mean of the pair's score
    and the score of both images flipped left-right."""
    scores = predict(model, [left, right], BATCH)[:, 0]
    if tta:
        flipped = predict(model, [left[:, :, ::-1], right[:, :, ::-1]], BATCH)[:, 0]
        scores = (scores + flipped) / 2
    return scores.astype(np.float64)
