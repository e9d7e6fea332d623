"""The losses, the identity head and the in-batch metric, by hand."""


import keras
import numpy as np
import pytest

from lfw_siamese.net.losses import ContrastiveLoss, CosFace, InBatchSoftmax
from lfw_siamese.net.objectives import CosineClassifier


def test_contrastive_loss_by_hand():
    loss = ContrastiveLoss(margin=1.0)
    # same pair, score 0.8 -> d = 0.2 -> 0.04; different pair, score 0.3 -> d = 0.7 -> 0.09
    value = loss(np.array([[1.0], [0.0]]), np.array([[0.8], [0.3]]))
    assert float(keras.ops.convert_to_numpy(value)) == pytest.approx((0.04 + 0.09) / 2)


def test_in_batch_softmax_by_hand():
    loss = InBatchSoftmax(temperature=1.0, reduction=None)
    both = np.array([[1.0, 0.0, 2.0, 0.0], [0.0, 1.0, 0.0, 3.0]])  # left | right, unnormalised
    value = keras.ops.convert_to_numpy(loss(np.array([3.0, 4.0]), both))
    np.testing.assert_allclose(value, [np.log1p(np.exp(-1.0))] * 2, rtol=1e-5)
    # two pairs of the same person: the other pair is not a negative, nothing left to learn
    same = keras.ops.convert_to_numpy(loss(np.array([3.0, 3.0]), both))
    np.testing.assert_allclose(same, [0.0, 0.0], atol=1e-6)


def test_cosface_by_hand():
    loss = CosFace(margin=0.25, scale=2.0, reduction=None)
    left, right = np.array([[0.5, -0.5, 0.0]]), np.array([[0.0, 1.0, 0.0]])
    value = keras.ops.convert_to_numpy(loss(np.array([1.0]), np.hstack([left, right])))

    def cross_entropy(cosines):  # true class 1, its cosine lowered by the margin
        logits = 2.0 * (cosines - np.array([0.0, 0.25, 0.0]))
        return np.log(np.exp(logits).sum()) - logits[1]

    np.testing.assert_allclose(value, [(cross_entropy(left[0]) + cross_entropy(right[0])) / 2],
                               rtol=1e-5)


def test_cosine_classifier_gives_cosines_to_its_centres():
    layer = CosineClassifier(3)
    x = np.array([[3.0, 4.0], [-1.0, 0.0]])
    out = keras.ops.convert_to_numpy(layer(x))
    w = keras.ops.convert_to_numpy(layer.centres)
    expected = (x / np.linalg.norm(x, axis=1, keepdims=True)) @ (w / np.linalg.norm(w, axis=0))
    np.testing.assert_allclose(out, expected, rtol=1e-5)
    assert CosineClassifier.from_config(layer.get_config()).classes == 3
