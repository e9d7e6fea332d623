"""The siamese network, in Keras 3 (`keras.ops` only: runs on TF, JAX or torch).

Twins: `koch` (the reference) is Conv 10x10 -> pool -> Conv 7x7 -> pool -> Conv 4x4 -> pool
-> Conv 4x4 -> Flatten -> Dense sigmoid, ReLU convs, optional batch norm after each conv,
dropout 0.3 after the first block and 0.02 after the embedding. `lean` is a 5x5 stride-2 conv, then
three blocks of a 3x3 conv and a 2x2 pool (batch norm after each conv), global average
pooling, dropout 0.2 and a linear embedding: ~30 MFLOP per 64x64 image, fast on a CPU.
With a second face region (`context_crop`), the lean twin is one tower per region, their
unit-length embeddings joined; the context tower has widths of its own (`context_filters`)
and may see its region average-pooled (`context_pool`: 2 gives 32x32 for a quarter of the
cost). Heads: `l1` is |h1 - h2| -> Dense(1, sigmoid); `cosine` is the cosine similarity of
the two embeddings -> Dense(1, sigmoid), i.e. a learned scale and offset. Output: P(same person).
"""

import json
import zipfile

import keras
from keras import layers, ops

from .arch import CONV_STACK
from .fsutil import atomic_output

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


@keras.saving.register_keras_serializable(package=PACKAGE)
class Cosine(layers.Layer):
    """Cosine similarity of two embeddings, shape (batch, 1)."""

    def call(self, inputs):
        a, b = (x / ops.sqrt(ops.sum(x * x, axis=-1, keepdims=True) + 1e-12) for x in inputs)
        return ops.sum(a * b, axis=-1, keepdims=True)


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
        a, b = (x / ops.sqrt(ops.sum(x * x, axis=-1, keepdims=True) + 1e-12)
                for x in (y_pred[:, :half], y_pred[:, half:]))
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
        parts = [x / ops.sqrt(ops.sum(x * x, axis=-1, keepdims=True) + 1e-12) for x in inputs]
        return ops.concatenate(parts, axis=-1) / len(parts) ** 0.5


@keras.saving.register_keras_serializable(package=PACKAGE)
class CosineClassifier(layers.Layer):
    """Cosine similarity of each embedding to one learned centre per identity: (batch, classes)."""

    def __init__(self, classes: int, **kwargs):
        super().__init__(**kwargs)
        self.classes = classes

    def build(self, input_shape):
        self.centres = self.add_weight(shape=(input_shape[-1], self.classes), name="centres",
                                       initializer="glorot_uniform")

    def call(self, x):
        x = x / ops.sqrt(ops.sum(x * x, axis=-1, keepdims=True) + 1e-12)
        w = self.centres / ops.sqrt(ops.sum(self.centres**2, axis=0, keepdims=True) + 1e-12)
        return ops.matmul(x, w)

    def get_config(self):
        return {**super().get_config(), "classes": self.classes}


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


def embedding_trainer(siamese: keras.Model, classes: int = 0) -> keras.Model:
    """Both embeddings side by side, (B, 2d), sharing the siamese model's twin weights; with
    `classes`, a second output: both images' cosines to that many identity centres, (B, 2C)."""
    twin = siamese.get_layer("twin")
    left, right = siamese.inputs
    pair = [twin(left), twin(right)]
    both = layers.Concatenate(name="embeddings")(pair)
    if not classes:
        return keras.Model([left, right], both, name="embedding_trainer")
    centres = CosineClassifier(classes, name="identity")
    identities = layers.Concatenate(name="identities")([centres(x) for x in pair])
    return keras.Model([left, right], [both, identities], name="embedding_trainer")


def save_model(model: keras.Model, path) -> None:
    """Save a .keras file whose bytes depend only on the model, atomically.

    Keras stamps the save time into metadata.json and a zip entry, and numbers shared
    objects in config.json by their memory address; the first two become constants, the
    addresses 0, 1, 2... in order of appearance, so identical trainings give identical
    files (and DVC hashes)."""
    with atomic_output(path) as tmp:
        raw = tmp.with_name(f".raw-{tmp.name}")
        try:
            model.save(raw)
            with zipfile.ZipFile(raw) as src, zipfile.ZipFile(tmp, "w") as dst:
                for info in src.infolist():
                    data = src.read(info)
                    if info.filename == "metadata.json":
                        data = json.dumps({**json.loads(data), "date_saved": "-"}).encode()
                    elif info.filename == "config.json":
                        data = json.dumps(_renumber_shared(json.loads(data), {})).encode()
                    entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
                    entry.compress_type = info.compress_type
                    dst.writestr(entry, data)
        finally:
            raw.unlink(missing_ok=True)


def _renumber_shared(node, ids: dict):
    """A copy of a Keras config with every `shared_object_id` replaced by its rank."""
    if isinstance(node, dict):
        return {k: ids.setdefault(v, len(ids)) if k == "shared_object_id"
                else _renumber_shared(v, ids) for k, v in node.items()}
    if isinstance(node, list):
        return [_renumber_shared(v, ids) for v in node]
    return node


def load_model(path) -> keras.Model:
    """A saved siamese model, loaded in safe mode (this module registers its custom layers)."""
    return keras.saving.load_model(path, safe_mode=True)


def make_loss(name: str, margin: float = 1.0) -> keras.losses.Loss:
    """The training loss named in params.yaml."""
    if name == "contrastive":
        return ContrastiveLoss(margin)
    # bce, and the score head of batch_softmax training (calibrated, not trained, with BCE)
    return keras.losses.BinaryCrossentropy()


def _init(mean: float, std: float):
    return keras.initializers.RandomNormal(mean=mean, stddev=std)


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
    return keras.Model(inputs, x, name="twin")


def _conv_bn_relu(x, width: int, kernel: int, strides: int, batch_norm: bool):
    x = layers.Conv2D(width, kernel, strides=strides, padding="same", use_bias=not batch_norm)(x)
    if batch_norm:
        x = layers.BatchNormalization()(x)
    return layers.ReLU()(x)


def build_lean_twin(input_shape, filters, dense_units: int, batch_norm: bool,
                    name: str = "twin") -> keras.Model:
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
    return keras.Model(inputs, JoinRegions(name="join")(parts), name="twin")


TWINS = {"koch": build_koch_twin, "lean": build_lean_twin}


def build_siamese(*, image_size: int, channels: int, filters, dense_units: int,
                  batch_norm: bool, twin: str, head: str, regions: int = 1,
                  context_filters=None, context_pool: int = 1) -> keras.Model:
    """Two inputs, one shared twin, a distance head and a sigmoid similarity score.

    The arguments are the params.yaml keys of the same names (the reference report's values
    are in lfw_siamese.configs.REFERENCE); `regions` 2 (lean twin only): the face crop and a
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
        score = layers.Dense(1, activation="sigmoid", name="score",
                             kernel_initializer=keras.initializers.Constant(5.0))(similarity)
    else:
        score = layers.Dense(
            1, activation="sigmoid", kernel_initializer=_init(0, 0.2),
            bias_initializer=_init(0.5, 0.01), kernel_regularizer=keras.regularizers.L2(L2),
            name="score",
        )(AbsDiff(name="abs_diff")(pair))
    return keras.Model([left, right], score, name="siamese")
