"""Koch et al.'s random affine distortions and horizontal flips, inside the training step,
and optionally random erasing.

Each of rotation (+-10 degrees), shear (+-0.3 per axis), scale (0.8-1.2 per axis) and
translation (+-2 px per axis) is applied with probability 0.5, about the image centre; the
image is then flipped left-right with probability 0.5. Distortion and flip are one affine map,
so each image is resampled once (bilinear); pixels from outside the frame take the image's
mean (per channel: stacked face regions each keep their own). With `erase` > 0, each
distorted image then has, with that probability, one random rectangle (2-33% of its area,
aspect 0.3-3.3 drawn log-uniformly: torchvision's RandomErasing ranges) set to its mean: an
occlusion to see past. Everything is `keras.ops` and
`keras.random` with a `SeedGenerator`, so the layer compiles into the train step on any
backend (Keras' own RandomRotation & co. switch jit off for the whole model) and its random
state is a variable that a checkpoint saves.
"""

import math

import keras
from keras import layers, ops

from .model import PACKAGE

P = 0.5
ROTATION = math.radians(10.0)
SHEAR = 0.3
SCALE = (0.8, 1.2)
SHIFT = 2.0
ERASE_AREA = (0.02, 0.33)
ERASE_ASPECT = (0.3, 3.3)
DRAWS = 12  # per image: 5 coins (rotation, shear, scale, shift, flip) and 7 magnitudes


def random_matrices(uniform):
    """Forward affine maps (N, 3, 3) about the image centre, from (N, DRAWS) uniforms in [0, 1):
    rotation, then shear, scale and shift, each applied with probability P, then a flip."""
    coin = [uniform[:, i] < P for i in range(5)]
    angle, shear_x, shear_y, scale_x, scale_y, shift_x, shift_y = (
        uniform[:, 5 + i] for i in range(7))

    def spread(u, low, high, on, off):
        return ops.where(on, low + (high - low) * u, off)

    t = spread(angle, -ROTATION, ROTATION, coin[0], 0.0)
    a = spread(shear_x, -SHEAR, SHEAR, coin[1], 0.0)
    b = spread(shear_y, -SHEAR, SHEAR, coin[1], 0.0)
    sx, sy = (spread(s, *SCALE, coin[2], 1.0) for s in (scale_x, scale_y))
    tx, ty = (spread(s, -SHIFT, SHIFT, coin[3], 0.0) for s in (shift_x, shift_y))
    flip = ops.where(coin[4], -1.0, 1.0)
    cos, sin = ops.cos(t), ops.sin(t)
    # flip @ shift @ scale @ shear @ rotation, multiplied out
    row0 = [flip * sx * (cos + a * sin), flip * sx * (a * cos - sin), flip * tx]
    row1 = [sy * (sin + b * cos), sy * (cos - b * sin), ty]
    zero, one = ops.zeros_like(t), ops.ones_like(t)
    return ops.stack([ops.stack(row0, -1), ops.stack(row1, -1),
                      ops.stack([zero, zero, one], -1)], axis=1)


def distort(images, matrices):
    """Apply forward affine maps (N, 3, 3) about the centre to (N, H, W, C) images (float)."""
    h, w = images.shape[1], images.shape[2]
    centre = ops.convert_to_tensor([[1.0, 0, (w - 1) / 2], [0, 1, (h - 1) / 2], [0, 0, 1]])
    uncentre = ops.convert_to_tensor([[1.0, 0, -(w - 1) / 2], [0, 1, -(h - 1) / 2], [0, 0, 1]])
    pixels = ops.matmul(ops.matmul(centre, matrices), uncentre)  # pixel-index coordinates
    inverse = ops.inv(pixels)  # affine_transform maps each output pixel to its source
    mean = ops.mean(images, axis=(1, 2), keepdims=True)  # bilinear is linear: fill 0 = mean
    out = ops.image.affine_transform(images - mean, ops.reshape(inverse, (-1, 9))[:, :8],
                                     interpolation="bilinear", fill_mode="constant",
                                     fill_value=0, data_format="channels_last")
    return out + mean


def erase(images, uniform, probability: float):
    """Each of (N, H, W, C) float images, with `probability`, with one rectangle set to the
    image's mean; (N, 5) uniforms in [0, 1) draw: whether, area, aspect, top, left."""
    h, w = images.shape[1], images.shape[2]
    area = ERASE_AREA[0] + (ERASE_AREA[1] - ERASE_AREA[0]) * uniform[:, 1]
    low, high = math.log(ERASE_ASPECT[0]), math.log(ERASE_ASPECT[1])
    aspect = ops.exp(low + (high - low) * uniform[:, 2])  # height / width
    height = ops.clip(ops.sqrt(area * aspect) * h, 1.0, h)
    width = ops.clip(ops.sqrt(area / aspect) * w, 1.0, w)
    top, left = uniform[:, 3] * (h - height), uniform[:, 4] * (w - width)

    def per_image(v):
        return v[:, None, None, None]

    rows = ops.reshape(ops.arange(h, dtype="float32"), (1, h, 1, 1))
    cols = ops.reshape(ops.arange(w, dtype="float32"), (1, 1, w, 1))
    inside = ((rows >= per_image(top)) & (rows < per_image(top + height))
              & (cols >= per_image(left)) & (cols < per_image(left + width))
              & per_image(uniform[:, 0] < probability))
    return ops.where(inside, ops.mean(images, axis=(1, 2), keepdims=True), images)


@keras.saving.register_keras_serializable(package=PACKAGE)
class Augment(layers.Layer):
    """Random Koch distortion and flip of each image of a batch when training, then random
    erasing with probability `erase`; identity otherwise. `seed` seeds its `SeedGenerator`
    (the erasing draws come after the distortion's, so `erase` 0 leaves that stream as is)."""

    def __init__(self, seed: int | None = None, erase: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.seed, self.erase = seed, erase
        self.generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=False):
        if not training:
            return images
        images = ops.cast(images, "float32")
        n = ops.shape(images)[0]
        uniform = keras.random.uniform((n, DRAWS), seed=self.generator)
        images = distort(images, random_matrices(uniform))
        if self.erase:
            images = erase(images, keras.random.uniform((n, 5), seed=self.generator), self.erase)
        return images

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "seed": self.seed, "erase": self.erase}


def preview(batch, seed: int, erase: float = 0.0):
    """A training batch ((left, right), targets) as the train step sees it after augmentation,
    as uint8 arrays (for metrics/plots/train_batch.png)."""
    (left, right), targets = batch
    augment = Augment(seed, erase)
    seen = (ops.convert_to_numpy(ops.clip(ops.round(augment(x, training=True)), 0, 255))
            .astype("uint8") for x in (left, right))
    return tuple(seen), targets
