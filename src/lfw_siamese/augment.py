"""Koch et al.'s random affine distortions and horizontal flips, applied to uint8 images.

Each of rotation (+-10 degrees), shear (+-0.3 rad per axis), scale (0.8-1.2 per axis) and
translation (+-2 px per axis) is applied with probability 0.5, about the image centre;
the image is then flipped left-right with probability 0.5. Pixels from outside the frame
take the image's mean value. Shapes and dtype are kept.
"""

import numpy as np
from PIL import Image

P = 0.5
ROTATION = np.deg2rad(10.0)
SHEAR = 0.3
SCALE = (0.8, 1.2)
SHIFT = 2.0


def random_matrix(rng: np.random.Generator) -> np.ndarray:
    """A 3x3 forward affine map (pixel coordinates, origin at the image centre)."""
    m = np.eye(3)
    if rng.random() < P:
        t = rng.uniform(-ROTATION, ROTATION)
        m = np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]]) @ m
    if rng.random() < P:
        m = np.array([[1, rng.uniform(-SHEAR, SHEAR), 0],
                      [rng.uniform(-SHEAR, SHEAR), 1, 0], [0, 0, 1]]) @ m
    if rng.random() < P:
        m = np.diag([*rng.uniform(*SCALE, size=2), 1.0]) @ m
    if rng.random() < P:
        m = np.array([[1, 0, rng.uniform(-SHIFT, SHIFT)],
                      [0, 1, rng.uniform(-SHIFT, SHIFT)], [0, 0, 1]]) @ m
    return m


def distort(image: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Apply a forward affine `matrix` (about the centre) to one (H, W, C) uint8 image; an
    image of regions stacked on the channel axis (C = 2, 4, 6: `Params.crops`) band by band,
    each filled with its own mean."""
    h, w, c = image.shape
    if c not in (1, 3):
        return np.concatenate([distort(image[..., i:i + 1], matrix) for i in range(c)], axis=-1)
    # PIL samples pixel centres at (x + 0.5, y + 0.5), so the frame's centre is (w/2, h/2).
    centre = np.array([[1, 0, w / 2], [0, 1, h / 2], [0, 0, 1]])
    uncentre = np.array([[1, 0, -w / 2], [0, 1, -h / 2], [0, 0, 1]])
    inverse = np.linalg.inv(centre @ matrix @ uncentre)  # PIL maps output -> input
    fill = int(image.mean()) if c == 1 else tuple(int(v) for v in image.mean(axis=(0, 1)))
    im = Image.fromarray(image[..., 0] if c == 1 else image)
    out = im.transform((w, h), Image.Transform.AFFINE, tuple(inverse[:2].ravel()),
                       Image.Resampling.BILINEAR, fillcolor=fill)
    array = np.asarray(out, dtype=np.uint8)
    return array[..., None] if c == 1 else array


def augment_batch(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A randomly distorted and flipped copy of a (N, H, W, C) uint8 batch."""
    out = np.empty_like(images)
    for i, image in enumerate(images):
        out[i] = distort(image, random_matrix(rng))
        if rng.random() < P:
            out[i] = out[i][:, ::-1]
    return out
