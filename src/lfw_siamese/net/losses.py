"""Training losses and the in-batch metric (`keras.ops` only)."""

import keras
from keras import ops

from .model import PACKAGE, unit


def make_loss(p) -> keras.losses.Loss:
    """The loss the siamese model is compiled with, for checked parameters `p`: contrastive,
    or binary cross-entropy (bce, and the score head of batch_softmax training, which is
    calibrated rather than trained)."""
    if p.loss == "contrastive":
        return ContrastiveLoss(p.margin)
    return keras.losses.BinaryCrossentropy()


@keras.saving.register_keras_serializable(package=PACKAGE)
class ContrastiveLoss(keras.losses.Loss):
    """Hadsell et al. (2006) on the distance d = 1 - score: y d^2 + (1 - y) max(m - d, 0)^2."""

    def __init__(self, margin: float = 1.0, name: str = "contrastive", **kwargs):
        super().__init__(name=name, **kwargs)
        self.margin = margin

    def call(self, y_true, y_pred):
        y = ops.cast(y_true, y_pred.dtype)
        d = 1.0 - y_pred
        return ops.mean(y * d**2 + (1.0 - y) * ops.maximum(self.margin - d, 0.0) ** 2, axis=-1)

    def get_config(self):
        return {**super().get_config(), "margin": self.margin}


@keras.saving.register_keras_serializable(package=PACKAGE)
class InBatchSoftmax(keras.losses.Loss):
    """Symmetric in-batch softmax (CLIP-style) over cosine similarities of embedding pairs.

    y_pred is (B, 2d): the left and right embeddings of B same-person pairs; y_true holds the
    B person ids. Each left image must pick its own partner among the B right images (and
    vice versa), so every batch of B pairs gives B positives and B(B - 1) negatives.
    """

    def __init__(self, temperature: float = 0.1, name: str = "batch_softmax", **kwargs):
        super().__init__(name=name, **kwargs)
        self.temperature = temperature

    def call(self, y_true, y_pred):
        half = ops.shape(y_pred)[-1] // 2
        a, b = unit(y_pred[:, :half]), unit(y_pred[:, half:])
        logits = ops.matmul(a, ops.transpose(b)) / self.temperature
        ids = ops.reshape(y_true, (-1,))
        rows = ops.cumsum(ops.ones_like(ids)) - 1  # 0..B-1 without a static batch size
        diagonal = ops.equal(rows[:, None], rows[None, :])
        same_person = ops.logical_and(ops.equal(ids[:, None], ids[None, :]),
                                      ops.logical_not(diagonal))
        logits = ops.where(same_person, -1e9, logits)  # another pair of the same person
        target = ops.cast(rows, "int32")
        return 0.5 * (
            ops.sparse_categorical_crossentropy(target, logits, from_logits=True)
            + ops.sparse_categorical_crossentropy(target, ops.transpose(logits), from_logits=True)
        )

    def get_config(self):
        return {**super().get_config(), "temperature": self.temperature}


@keras.saving.register_keras_serializable(package=PACKAGE)
class CosFace(keras.losses.Loss):
    """Large-margin cosine loss (Wang et al. 2018) of the left and right images' identities.

    y_pred is (B, 2C): the cosines of both images to the C identity centres; y_true the B
    person ids. Softmax cross-entropy of scale * (cosine - margin at the true identity)."""

    def __init__(self, margin: float = 0.2, scale: float = 16.0, name: str = "cosface",
                 **kwargs):
        super().__init__(name=name, **kwargs)
        self.margin, self.scale = margin, scale

    def call(self, y_true, y_pred):
        classes = ops.shape(y_pred)[-1] // 2
        ids = ops.cast(ops.reshape(y_true, (-1,)), "int32")
        margin = self.margin * ops.one_hot(ids, classes, dtype=y_pred.dtype)
        return 0.5 * sum(
            ops.sparse_categorical_crossentropy(ids, self.scale * (side - margin),
                                                from_logits=True)
            for side in (y_pred[:, :classes], y_pred[:, classes:]))

    def get_config(self):
        return {**super().get_config(), "margin": self.margin, "scale": self.scale}


def partner_accuracy(y_true, y_pred):
    """In-batch: 1 where a left image's most similar right image is its own partner."""
    half = ops.shape(y_pred)[-1] // 2
    logits = ops.matmul(y_pred[:, :half], ops.transpose(y_pred[:, half:]))
    norms = ops.sqrt(ops.sum(y_pred[:, half:] ** 2, axis=-1))
    best = ops.argmax(logits / norms[None, :], axis=-1)
    rows = ops.cumsum(ops.ones_like(best)) - 1
    return ops.cast(ops.equal(best, rows), "float32")
