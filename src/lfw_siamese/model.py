"""The Koch-style siamese network, in Keras 3 (`keras.ops` only: runs on TF, JAX or torch).

Twin: Conv 10x10 -> pool -> Conv 7x7 -> pool -> Conv 4x4 -> pool -> Conv 4x4 -> Flatten ->
Dense sigmoid, ReLU convs, optional batch norm after each conv, dropout 0.3 after the first
block and 0.02 after the embedding. Head: |h1 - h2| -> Dense(1, sigmoid) = P(same person).
"""

import keras
from keras import layers, ops

from .arch import CONV_STACK

PACKAGE = "lfw_siamese"
L2 = 0.001


@keras.saving.register_keras_serializable(package=PACKAGE)
class AbsDiff(layers.Layer):
    """Component-wise |a - b| of two embeddings (symmetric in its inputs)."""

    def call(self, inputs):
        a, b = inputs
        return ops.abs(a - b)


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


def make_loss(name: str, margin: float = 1.0) -> keras.losses.Loss:
    """The training loss named in params.yaml."""
    if name == "contrastive":
        return ContrastiveLoss(margin)
    return keras.losses.BinaryCrossentropy()


def _init(mean: float, std: float):
    return keras.initializers.RandomNormal(mean=mean, stddev=std)


def build_twin(input_shape, filters, dense_units: int, batch_norm: bool) -> keras.Model:
    """The shared feature extractor: uint8-range image -> sigmoid embedding."""
    reg = keras.regularizers.L2(L2)
    inputs = keras.Input(input_shape, name="image")
    x = layers.Rescaling(1 / 255)(inputs)
    for i, ((kernel, pooled), width) in enumerate(zip(CONV_STACK, filters, strict=True)):
        x = layers.Conv2D(
            width, kernel, activation="relu", kernel_initializer=_init(0, 0.01),
            bias_initializer=_init(0.5, 0.01), kernel_regularizer=reg,
        )(x)
        if batch_norm:
            x = layers.BatchNormalization()(x)
        if pooled:
            x = layers.MaxPooling2D(2, strides=2)(x)
        if i == 0:
            x = layers.Dropout(0.3)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(
        dense_units, activation="sigmoid", kernel_initializer=_init(0, 0.01),
        bias_initializer=_init(0.5, 0.01), kernel_regularizer=reg,
    )(x)
    x = layers.Dropout(0.02)(x)
    return keras.Model(inputs, x, name="twin")


def build_siamese(
    image_size: int = 105,
    channels: int = 3,
    filters=(64, 128, 128, 256),
    dense_units: int = 4096,
    batch_norm: bool = True,
) -> keras.Model:
    """Two inputs, one shared twin, |h1 - h2|, and a sigmoid similarity score."""
    shape = (image_size, image_size, channels)
    twin = build_twin(shape, filters, dense_units, batch_norm)
    left = keras.Input(shape, name="left")
    right = keras.Input(shape, name="right")
    distance = AbsDiff(name="abs_diff")([twin(left), twin(right)])
    score = layers.Dense(
        1, activation="sigmoid", kernel_initializer=_init(0, 0.2),
        bias_initializer=_init(0.5, 0.01), kernel_regularizer=keras.regularizers.L2(L2),
        name="score",
    )(distance)
    return keras.Model([left, right], score, name="siamese")
