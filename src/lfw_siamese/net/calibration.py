"""Fit the cosine head's scale and offset so that scores are probabilities, and score
labelled pairs through the twin with each distinct image embedded once."""

import keras
import numpy as np

from ..backend import predict
from .model import score_layer, twin_of


def logistic_fit(x: np.ndarray, label: np.ndarray) -> tuple[float, float]:
    """(scale, offset) of P(y=1 | x) = sigmoid(scale * x + offset): a ridge 1-D logistic
    regression (Newton's method) on standardised x, so it converges even when x is bunched."""
    x = x.astype(np.float64)
    mean, std = x.mean(), x.std() + 1e-9
    design = np.stack([(x - mean) / std, np.ones_like(x)], axis=1)
    w = np.zeros(2)
    for _ in range(25):
        prob = 1 / (1 + np.exp(-np.clip(design @ w, -30, 30)))
        grad = design.T @ (prob - label) + 1e-2 * w
        hess = design.T @ (design * (prob * (1 - prob))[:, None]) + 1e-2 * np.eye(2)
        w -= np.linalg.solve(hess, grad)
    scale = w[0] / std
    return scale, w[1] - scale * mean


class DistinctPairs:
    """Labelled pairs kept as their distinct images and two index arrays into them: mined
    pairs share images (4,000 validation pairs hold 1,692 images), so scoring them embeds
    each image once instead of twice per pair it is in."""

    def __init__(self, left: np.ndarray, right: np.ndarray, label: np.ndarray):
        both = np.concatenate([left, right])
        rows, index = np.unique(both.reshape(len(both), -1), axis=0, return_inverse=True)
        index = index.reshape(-1)
        self.images = rows.reshape((len(rows),) + left.shape[1:])
        self.left, self.right, self.label = index[:len(left)], index[len(left):], label

    def cosines(self, siamese: keras.Model) -> np.ndarray:
        """The cosine of each pair's two embeddings (what the model's `cosine` layer gives)."""
        e = predict(twin_of(siamese), self.images, 256)
        e = e.astype(np.float64) / np.sqrt((e.astype(np.float64) ** 2).sum(1, keepdims=True)
                                           + 1e-12)
        return np.sum(e[self.left] * e[self.right], axis=1)

    def scores(self, siamese: keras.Model) -> np.ndarray:
        """P(same person) as the siamese model's score head gives it from the cosines."""
        (scale,), offset = (w.ravel() for w in score_layer(siamese).get_weights())
        return 1 / (1 + np.exp(-(scale * self.cosines(siamese) + offset[0])))


def calibrate(model: keras.Model, pairs: DistinctPairs) -> None:
    """Set the siamese model's `score` layer from its cosines on labelled pairs."""
    scale, offset = logistic_fit(pairs.cosines(model), pairs.label)
    score_layer(model).set_weights([np.array([[scale]], "float32"),
                                    np.array([offset], "float32")])
