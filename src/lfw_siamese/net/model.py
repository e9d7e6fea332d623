"""The siamese network, in Keras 3 (`keras.ops` only: runs on TF, JAX or torch).

`build_siamese` takes two images, embeds each with one shared twin and scores the pair:
P(same person).
- Twins: `koch` (the reference) is Conv 10x10 -> pool -> Conv 7x7 -> pool -> Conv 4x4 -> pool
  -> Conv 4x4 -> Flatten -> Dense sigmoid, ReLU convs, optional batch norm after each conv,
  dropout 0.3 after the first block and 0.02 after the embedding. `lean` is a 5x5 stride-2
  conv, then three blocks of a 3x3 conv and a 2x2 pool (batch norm after each conv), global
  average pooling, dropout 0.2 and a linear embedding: ~30 MFLOP per 64x64 image.
- With a second face region (`context_crop`), the lean twin is one tower per region, their
  unit-length embeddings joined; the context tower has widths of its own (`context_filters`)
  and may see its region average-pooled (`context_pool`).
- Heads: `l1` is |h1 - h2| -> Dense(1, sigmoid); `cosine` is the cosine similarity of the two
  embeddings -> Dense(1, sigmoid), i.e. a learned scale and offset.
The custom layers below are saved with the model under this module's name; they stay here.
"""

import keras
from keras import layers, ops

from .arch import CONV_STACK

PACKAGE = "lfw_siamese"
L2 = 0.001
TWIN, SCORE = "twin", "score"  # names of the shared embedding model and of the score layer


def build_siamese(*, image_size: int, channels: int, filters, dense_units: int,
                  batch_norm: bool, twin: str, head: str, regions: int = 1,
                  context_filters=None, context_pool: int = 1) -> keras.Model:
    """Two inputs, one shared twin, a distance head and a sigmoid similarity score.

    The arguments are the params.yaml keys of the same names (the reference report's values
    are in experiments/reference.yaml); `regions` 2 (lean twin only): the face crop and a
    context region stacked on the channel axis, `channels` each, one tower per region, the
    context tower of `context_filters` (default: `filters`) on its region pooled by
    `context_pool`."""
    shape = (image_size, image_size, channels * regions)
    if regions > 1:
        towers = [(filters, 1), (context_filters or filters, context_pool)]
        extractor = build_regions_twin(shape, towers, dense_units, batch_norm)
    else:
        extractor = TWINS[twin](shape, filters, dense_units, batch_norm)
    left = keras.Input(shape, name="left")
    right = keras.Input(shape, name="right")
    pair = [extractor(left), extractor(right)]
    if head == "cosine":
        similarity = Cosine(name="cosine")(pair)
        score = layers.Dense(1, activation="sigmoid", name=SCORE,
                             kernel_initializer=keras.initializers.Constant(5.0))(similarity)
    else:
        score = layers.Dense(
            1, activation="sigmoid", kernel_initializer=_init(0, 0.2),
            bias_initializer=_init(0.5, 0.01), kernel_regularizer=keras.regularizers.L2(L2),
            name=SCORE,
        )(AbsDiff(name="abs_diff")(pair))
    return keras.Model([left, right], score, name="siamese")


def siamese_for(p) -> keras.Model:
    """The siamese model of checked parameters `p` (a stage's values or the checked params.yaml)."""
    return build_siamese(image_size=p.image_size, channels=p.channels, filters=p.filters,
                         dense_units=p.dense_units, batch_norm=p.batch_norm, twin=p.twin,
                         head=p.head, regions=len(p.crops), context_filters=p.context_filters,
                         context_pool=p.context_pool)


def twin_of(siamese: keras.Model) -> keras.Model:
    """The shared twin: image -> embedding."""
    return siamese.get_layer(TWIN)


def score_layer(siamese: keras.Model) -> layers.Layer:
    """The head's final Dense(1, sigmoid) layer."""
    return siamese.get_layer(SCORE)


def build_koch_twin(input_shape, filters, dense_units: int, batch_norm: bool) -> keras.Model:
    """The reference feature extractor: uint8-range image -> sigmoid embedding."""
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
    return keras.Model(inputs, x, name=TWIN)


def build_lean_twin(input_shape, filters, dense_units: int, batch_norm: bool,
                    name: str = TWIN) -> keras.Model:
    """A small, CPU-friendly extractor: uint8-range image -> linear embedding."""
    inputs = keras.Input(input_shape, name="image")
    x = layers.Rescaling(1 / 255)(inputs)
    x = _conv_bn_relu(x, filters[0], 5, 2, batch_norm)
    for width in filters[1:]:
        x = layers.MaxPooling2D(2)(_conv_bn_relu(x, width, 3, 1, batch_norm))
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.2)(x)
    x = layers.Dense(dense_units)(x)
    return keras.Model(inputs, x, name=name)


def build_regions_twin(input_shape, towers, dense_units: int, batch_norm: bool) -> keras.Model:
    """One lean tower per face region (the regions stacked on the input's channel axis), each
    given as (filters, pool): its widths, and the factor its region is average-pooled by
    first; the embeddings fused by `JoinRegions`."""
    inputs = keras.Input(input_shape, name="image")
    size, channels = input_shape[0], input_shape[-1] // len(towers)
    parts = []
    for r, (filters, pool) in enumerate(towers, start=1):
        x = Region((r - 1) * channels, r * channels, name=f"pick_{r}")(inputs)
        if pool > 1:
            x = layers.AveragePooling2D(pool, name=f"pool_{r}")(x)
        side = size // pool
        parts.append(build_lean_twin((side, side, channels), filters, dense_units, batch_norm,
                                     name=f"region_{r}")(x))
    return keras.Model(inputs, JoinRegions(name="join")(parts), name=TWIN)


TWINS = {"koch": build_koch_twin, "lean": build_lean_twin}


def _conv_bn_relu(x, width: int, kernel: int, strides: int, batch_norm: bool):
    x = layers.Conv2D(width, kernel, strides=strides, padding="same", use_bias=not batch_norm)(x)
    if batch_norm:
        x = layers.BatchNormalization()(x)
    return layers.ReLU()(x)


def _init(mean: float, std: float):
    return keras.initializers.RandomNormal(mean=mean, stddev=std)


def unit(x, axis: int = -1):
    """`x` scaled to unit length along `axis`."""
    return x / ops.sqrt(ops.sum(x * x, axis=axis, keepdims=True) + 1e-12)


@keras.saving.register_keras_serializable(package=PACKAGE)
class Cosine(layers.Layer):
    """Cosine similarity of two embeddings, shape (batch, 1)."""

    def call(self, inputs):
        a, b = (unit(x) for x in inputs)
        return ops.sum(a * b, axis=-1, keepdims=True)


@keras.saving.register_keras_serializable(package=PACKAGE)
class AbsDiff(layers.Layer):
    """Component-wise |a - b| of two embeddings (symmetric in its inputs)."""

    def call(self, inputs):
        a, b = inputs
        return ops.abs(a - b)


@keras.saving.register_keras_serializable(package=PACKAGE)
class Region(layers.Layer):
    """Channels [start, stop) of the input: one face region of several stacked."""

    def __init__(self, start: int, stop: int, **kwargs):
        super().__init__(**kwargs)
        self.start, self.stop = start, stop

    def call(self, x):
        return x[..., self.start:self.stop]

    def get_config(self):
        return {**super().get_config(), "start": self.start, "stop": self.stop}


@keras.saving.register_keras_serializable(package=PACKAGE)
class JoinRegions(layers.Layer):
    """The regions' embeddings, each scaled to unit length, side by side and divided by
    sqrt(regions): a unit-length embedding whose cosine with another is the mean of the
    regions' cosines, so no region outweighs another."""

    def call(self, inputs):
        parts = [unit(x) for x in inputs]
        return ops.concatenate(parts, axis=-1) / len(parts) ** 0.5
