"""Score image pairs with a trained siamese model, optionally with test-time augmentation."""

import numpy as np

BATCH = 256


def score_pairs(model, left: np.ndarray, right: np.ndarray, tta: bool = False) -> np.ndarray:
    """P(same person) for each (left[i], right[i]); with `tta`, the mean of the pair's score
    and the score of both images flipped left-right."""
    scores = model.predict([left, right], batch_size=BATCH, verbose=0)[:, 0]
    if tta:
        flipped = model.predict([left[:, :, ::-1], right[:, :, ::-1]], batch_size=BATCH,
                                verbose=0)[:, 0]
        scores = (scores + flipped) / 2
    return scores.astype(np.float64)
