"""Koch distortions and flips: shapes, dtype and range kept; the geometry is what it says."""

import numpy as np

from lfw_siamese.augment import augment_batch, distort, random_matrix


def test_identity_keeps_the_image():
    image = np.random.default_rng(0).integers(0, 256, (32, 32, 1), dtype=np.uint8)
    assert np.array_equal(distort(image, np.eye(3)), image)


def test_translation_moves_pixels_and_fills_with_the_mean():
    image = np.zeros((20, 20, 1), np.uint8)
    image[5:10, 5:10] = 200
    shifted = distort(image, np.array([[1, 0, 2], [0, 1, 0], [0, 0, 1.0]]))
    assert np.array_equal(shifted[5:10, 7:12], image[5:10, 5:10])
    assert np.all(shifted[:, :2] == int(image.mean()))  # came from outside the frame


def test_rotation_is_about_the_centre():
    image = np.zeros((21, 21, 3), np.uint8)
    image[10, 10] = (255, 0, 0)
    t = np.deg2rad(30)
    rot = np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])
    assert tuple(distort(image, rot)[10, 10]) == (255, 0, 0)


def test_random_matrices_stay_within_koch_ranges():
    rng = np.random.default_rng(0)
    for _ in range(500):
        m = random_matrix(rng)
        assert abs(m[0, 2]) <= 2 and abs(m[1, 2]) <= 2 and m[2].tolist() == [0, 0, 1]
        det = np.linalg.det(m[:2, :2])  # scale 0.8-1.2 per axis, shear det 1 - ab, |a|,|b| <= 0.3
        assert 0.8**2 * (1 - 0.09) - 1e-9 <= det <= 1.2**2 * (1 + 0.09) + 1e-9


def test_batch_keeps_shape_dtype_and_range_and_varies():
    rng = np.random.default_rng(0)
    batch = rng.integers(0, 256, (16, 24, 24, 1), dtype=np.uint8)
    out = augment_batch(batch, np.random.default_rng(1))
    assert out.shape == batch.shape and out.dtype == np.uint8
    assert not np.array_equal(out, batch)
    assert np.array_equal(out, augment_batch(batch, np.random.default_rng(1)))  # seeded


def test_stacked_regions_are_distorted_alike_each_filled_with_its_own_mean():
    rng = np.random.default_rng(0)
    regions = np.concatenate([rng.integers(0, 100, (24, 24, 1), dtype=np.uint8),
                              rng.integers(150, 256, (24, 24, 1), dtype=np.uint8)], axis=-1)
    m = np.array([[0.9, 0.2, 2], [-0.1, 1.1, -1], [0, 0, 1.0]])
    out = distort(regions, m)
    assert out.shape == regions.shape
    for r in range(2):  # the same geometry as each region alone
        assert np.array_equal(out[..., r:r + 1], distort(regions[..., r:r + 1], m))
    assert out[0, 0, 0] == int(regions[..., 0].mean()) != out[0, 0, 1]  # corner: outside
