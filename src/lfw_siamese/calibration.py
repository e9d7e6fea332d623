"""Fit the cosine head's scale and offset so that scores are probabilities."""

import keras
import numpy as np


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


def calibrate(model: keras.Model, left, right, label) -> None:
    """Set the siamese model's `score` layer from its cosines on labelled pairs."""
    cosine = keras.Model(model.inputs, model.get_layer("cosine").output)
    x = cosine.predict([left, right], batch_size=256, verbose=0)[:, 0]
    scale, offset = logistic_fit(x, label)
    model.get_layer("score").set_weights([np.array([[scale]], "float32"),
                                          np.array([offset], "float32")])
