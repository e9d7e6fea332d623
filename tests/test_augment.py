"""Koch distortions and flips inside the train step: the geometry is what it says, the draws
follow Koch's distributions, the layer is seeded, acts only when training and keeps jit;
random erasing blanks one rectangle of the stated size, on top of the same distortions."""

import numpy as np
import pytest
from keras import ops, random

from lfw_siamese.net.augment import (
    DRAWS,
    ERASE_AREA,
    Augment,
    distort,
    erase,
    preview,
    random_matrices,
)


def warp(image: np.ndarray, matrix) -> np.ndarray:
    """One (H, W, C) image through `distort` with a forward 3x3 matrix."""
    m = ops.convert_to_tensor(np.asarray(matrix, np.float32)[None])
    return ops.convert_to_numpy(distort(ops.convert_to_tensor(image[None].astype(np.float32)),
                                        m))[0]


def test_identity_keeps_the_image():
    image = np.random.default_rng(0).integers(0, 256, (32, 32, 1)).astype(np.float32)
    assert np.allclose(warp(image, np.eye(3)), image, atol=1e-3)


def test_translation_moves_pixels_and_fills_with_the_mean():
    image = np.zeros((20, 20, 1), np.float32)
    image[5:10, 5:10] = 200
    shifted = warp(image, [[1, 0, 2], [0, 1, 0], [0, 0, 1]])
    assert np.allclose(shifted[5:10, 7:12], image[5:10, 5:10], atol=1e-3)
    assert np.allclose(shifted[:, :2], image.mean(), atol=1e-3)  # came from outside the frame


def test_rotation_is_about_the_centre():
    image = np.zeros((21, 21, 1), np.float32)
    image[10, 10] = 255
    t = np.deg2rad(30)
    out = warp(image, [[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])
    assert out[10, 10] == pytest.approx(255, abs=1e-2) and out.argmax() == 10 * 21 + 10


def test_flip_is_an_exact_mirror():
    image = np.random.default_rng(1).integers(0, 256, (16, 24, 1)).astype(np.float32)
    assert np.allclose(warp(image, np.diag([-1, 1, 1])), image[:, ::-1], atol=1e-3)


def test_stacked_regions_are_distorted_alike_each_filled_with_its_own_mean():
    rng = np.random.default_rng(0)
    regions = np.concatenate([rng.integers(0, 100, (24, 24, 1)),
                              rng.integers(150, 256, (24, 24, 1))], axis=-1).astype(np.float32)
    m = [[0.9, 0.2, 2], [-0.1, 1.1, -1], [0, 0, 1]]
    out = warp(regions, m)
    for r in range(2):  # the same geometry as each region alone
        assert np.allclose(out[..., r:r + 1], warp(regions[..., r:r + 1], m), atol=1e-3)
    assert out[0, 0] == pytest.approx(regions.mean(axis=(0, 1)), abs=1e-3)  # corner: outside


def test_random_matrices_follow_koch_distributions():
    m = ops.convert_to_numpy(random_matrices(random.uniform((20000, DRAWS), seed=3)))
    assert np.all(m[:, 2] == [0, 0, 1]) and np.all(np.abs(m[:, :2, 2]) <= 2)
    linear = m[:, :2, :2]
    det = np.linalg.det(linear)  # flip -1; scale 0.8-1.2 per axis; shear det 1 - ab, |a|,|b| <= 0.3
    assert np.all(np.abs(det) >= 0.8**2 * (1 - 0.09) - 1e-5)
    assert np.all(np.abs(det) <= 1.2**2 * (1 + 0.09) + 1e-5)
    assert np.mean(det < 0) == pytest.approx(0.5, abs=0.02)  # flipped half the time
    shifted = np.any(m[:, :2, 2] != 0, axis=1)
    assert np.mean(shifted) == pytest.approx(0.5, abs=0.02)
    untouched = np.all(np.isclose(np.abs(m), np.eye(3), atol=1e-7), axis=(1, 2))
    assert np.mean(untouched) == pytest.approx(0.5**4, abs=0.01)  # none of the 4 (flip aside)


def test_layer_acts_only_when_training_and_is_seeded():
    batch = np.random.default_rng(0).integers(0, 256, (8, 24, 24, 1), dtype=np.uint8)
    layer = Augment(seed=5)
    assert np.array_equal(ops.convert_to_numpy(layer(batch, training=False)), batch)
    first = ops.convert_to_numpy(layer(batch, training=True))
    second = ops.convert_to_numpy(layer(batch, training=True))
    assert first.shape == batch.shape and not np.allclose(first, batch)
    assert not np.allclose(first, second)  # the generator's state moves on
    again = ops.convert_to_numpy(Augment(seed=5)(batch, training=True))
    assert np.array_equal(first, again)
    assert first.min() >= -1e-3 and first.max() <= 255 + 1e-3  # bilinear stays in range


def test_preview_shows_uint8_distorted_pairs():
    rng = np.random.default_rng(0)
    left, right = (rng.integers(0, 256, (4, 16, 16, 1), dtype=np.uint8) for _ in range(2))
    label = np.array([1, 0, 1, 0], np.uint8)
    (seen_left, seen_right), seen_label = preview(((left, right), label), seed=0)
    assert seen_left.dtype == np.uint8 and seen_left.shape == left.shape
    assert not np.array_equal(seen_left, left) and seen_label is label


def test_erasing_sets_one_rectangle_of_the_stated_size_to_the_mean():
    rng = np.random.default_rng(0)
    images = rng.uniform(1, 255, (400, 40, 30, 1)).astype(np.float32)
    uniform = rng.uniform(size=(400, 5)).astype(np.float32)
    out = ops.convert_to_numpy(erase(ops.convert_to_tensor(images), uniform, 0.5))
    changed = out != images
    erased = changed.any(axis=(1, 2, 3))
    np.testing.assert_array_equal(erased, uniform[:, 0] < 0.5)
    for image, seen, mask in zip(images[erased], out[erased], changed[erased], strict=True):
        rows, cols = np.nonzero(mask[..., 0])
        box = (rows.min(), rows.max() + 1, cols.min(), cols.max() + 1)
        assert mask[box[0]:box[1], box[2]:box[3]].all()  # one filled rectangle
        assert np.allclose(seen[mask], image.mean(), atol=1e-3)
        area = mask.mean()  # clipped to whole pixels: a little beyond the range allowed
        assert ERASE_AREA[0] / 2 <= area <= ERASE_AREA[1] * 1.3
    np.testing.assert_array_equal(
        ops.convert_to_numpy(erase(ops.convert_to_tensor(images), uniform, 0.0)), images)


def test_erasing_comes_on_top_of_the_same_distortions():
    batch = np.random.default_rng(1).integers(1, 256, (16, 24, 24, 1), dtype=np.uint8)
    plain = ops.convert_to_numpy(Augment(seed=3)(batch, training=True))
    erased = ops.convert_to_numpy(Augment(seed=3, erase=1.0)(batch, training=True))
    differs = (plain != erased).any(axis=(1, 2, 3))
    assert differs.all()  # probability 1: every image has its rectangle
    outside = (erased == plain).mean()
    assert 0.6 < outside < 0.99  # and is otherwise the erase-free augmentation, pixel for pixel
