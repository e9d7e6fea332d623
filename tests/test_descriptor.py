"""The descriptors: LBP histograms (the kind of feature `fusion: lbp` fuses), the fitted
projection as one affine map, one per (region, grid), and their file."""

import numpy as np
import pytest

from lfw_siamese.errors import LfwError
from lfw_siamese.verification.descriptor import (
    Descriptor,
    fit_descriptors,
    load_descriptors,
    pair_cosines,
    save_descriptors,
)
from lfw_siamese.verification.features.lbp import CODES, RADII, grid_histograms, lbp_codes
from lfw_siamese.verification.metrics import auc, roc_curve

from .conftest import face_set, lbp_specs


def lbp_histograms(faces, cells):
    return grid_histograms(lbp_codes(faces), cells)


def projected(descriptor, faces):
    return descriptor.project(lbp_histograms(faces, descriptor.spec["cells"]))


def faces_of_people(people: int, per_person: int, side: int = 24, seed: int = 0):
    """Gray faces: each person stripes of their own direction and frequency, each image them
    at a random phase with fresh noise, so that only a descriptor of the local texture tells
    people apart."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[:side, :side]
    faces, person = [], []
    for k in range(people):
        angle, frequency = rng.uniform(0, np.pi), rng.uniform(0.08, 0.3)
        wave = 2 * np.pi * frequency * (x * np.cos(angle) + y * np.sin(angle))
        for _ in range(per_person):
            face = 128 + 60 * np.sin(wave + rng.uniform(0, 2 * np.pi))
            face += rng.normal(0, 20, (side, side))
            faces.append(np.clip(face, 0, 255).astype(np.uint8))
            person.append(k)
    return np.stack(faces), np.array(person)


def test_grid_histograms_on_a_hand_counted_5px_face():
    """A 5 x 5 face on a 2 x 2 grid: cells of 2 px, the fifth row and column joining the last
    cell, so the cells hold 4, 6, 6 and 9 pixels; one block of 4 cells x CODES bins per
    radius, counts over the whole face (75 codes) normalised, then square-rooted."""
    codes = np.empty((1, 3, 5, 5), np.int64)
    codes[0, 0] = 3              # radius 1: code 3 everywhere
    codes[0, 1] = 58             # radius 2: code 58, but 0 in the bottom-right pixel
    codes[0, 1, 4, 4] = 0
    codes[0, 2] = 11             # radius 3: code 7 in the top-left cell, 11 elsewhere
    codes[0, 2, :2, :2] = 7
    counts = np.zeros(3 * 4 * CODES)

    def bin_of(radius, cell, code):
        return (radius * 4 + cell) * CODES + code

    for cell, pixels in enumerate((4, 6, 6, 9)):
        counts[bin_of(0, cell, 3)] = pixels
        counts[bin_of(1, cell, 58)] = pixels
        counts[bin_of(2, cell, 11)] = pixels
    counts[bin_of(1, 3, 58)], counts[bin_of(1, 3, 0)] = 8, 1
    counts[bin_of(2, 0, 11)], counts[bin_of(2, 0, 7)] = 0, 4
    np.testing.assert_allclose(grid_histograms(codes, 2)[0], np.sqrt(counts / 75), rtol=1e-6)


def test_histograms_are_per_cell_and_radius_and_unit_length():
    faces, _ = faces_of_people(3, 2, side=16)
    h = lbp_histograms(faces, 2)
    assert h.shape == (6, 2 * 2 * CODES * len(RADII)) and h.dtype == np.float32
    assert np.allclose(np.sum(h**2, axis=1), 1, atol=1e-5)  # square roots of a distribution
    dim = faces // 2  # LBP compares pixels with their (interpolated) neighbours only, so
    assert np.array_equal(lbp_histograms(dim * 2, 2), lbp_histograms(dim, 2))  # contrast-blind
    assert not np.allclose(lbp_histograms(dim, 2), h)  # (halving merges some gray levels)
    assert not np.allclose(h[0], lbp_histograms(faces[:1, :, ::-1], 2)[0])  # not mirror-blind


def test_the_stored_map_is_pca_then_lda_and_tells_people_apart(tmp_path):
    from sklearn.decomposition import PCA
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    faces, person = faces_of_people(30, 4)
    [d] = fit_descriptors(face_set({120: faces}), person, lbp_specs((120, 2)), dims=30)
    features = lbp_histograms(np.concatenate([faces, faces[:, :, ::-1]]), 2)
    both = np.concatenate([person, person])
    pca = PCA(30, whiten=True, random_state=0).fit(features)
    lda = LinearDiscriminantAnalysis(n_components=29).fit(pca.transform(features), both)
    expected = lda.transform(pca.transform(features[:len(faces)]))
    assert np.allclose(projected(d, faces), expected, atol=1e-3 * np.abs(expected).max())
    # new images of new people: same-person pairs score above different-person pairs
    new, who = faces_of_people(20, 2, seed=1)
    left, right = np.arange(0, 40, 2), np.arange(1, 40, 2)
    [same] = pair_cosines([d], face_set({120: new}), left, right)
    [other] = pair_cosines([d], face_set({120: new}), left, np.roll(right, 1))
    assert (who[left] == who[right]).all()
    fpr, tpr = roc_curve(np.r_[np.ones(20), np.zeros(20)], np.r_[same, other])
    assert auc(fpr, tpr) > 0.9
    both = fit_descriptors(face_set({120: faces}), person, lbp_specs((120, 2), (120, 3)), dims=30)
    assert [g.spec["cells"] for g in both] == [2, 3] and np.array_equal(both[0].weights, d.weights)
    save_descriptors(both, tmp_path / "descriptor.npz")
    again = load_descriptors(tmp_path / "descriptor.npz")
    assert [(g.kind, g.spec) for g in again] == lbp_specs((120, 2), (120, 3))
    assert all(np.array_equal(projected(a, new), projected(b, new)) for a, b in zip(again, both, strict=True))


def test_bad_sizes_and_files_are_named(tmp_path):
    faces, person = faces_of_people(3, 2, side=16)
    with pytest.raises(LfwError, match=r"lbp_pca: got 500, at most 12 possible here \(12 training"):
        fit_descriptors(face_set({120: faces}), person, lbp_specs((120, 2)), 500)
    with pytest.raises(LfwError, match="at least two training people"):
        fit_descriptors(face_set({120: faces[:2]}), np.zeros(2, int), lbp_specs((120, 2)), 2)
    with pytest.raises(LfwError, match="square gray faces of at least 4 px, got 3 px"):
        lbp_histograms(faces[:, :3, :3], 4)
    with pytest.raises(LfwError, match="expected square gray faces"):
        lbp_histograms(faces[:, :3, :4], 2)
    with pytest.raises(LfwError, match="no fitted descriptor; run `dvc repro`"):
        load_descriptors(tmp_path / "none.npz")
    save_descriptors([], tmp_path / "empty.npz")  # what the stage writes with fusion: none
    with pytest.raises(LfwError, match="fusion: none"):
        load_descriptors(tmp_path / "empty.npz")
    (tmp_path / "text.npz").write_text("not numpy")
    with pytest.raises(LfwError, match="not a descriptor file"):
        load_descriptors(tmp_path / "text.npz")
    np.savez(tmp_path / "old.npz", crop_0=120, cells_0=8, mean_0=np.zeros(3),
             weights_0=np.zeros((3, 2)), offset_0=np.zeros(2))  # before kinds of features
    with pytest.raises(LfwError, match=r"old.npz: not a descriptor file \(no descriptor kinds "
                                       r"in it; written by an older version\); run `dvc repro`"):
        load_descriptors(tmp_path / "old.npz")
    [d] = fit_descriptors(face_set({120: faces}), person, lbp_specs((120, 2)), 4)
    save_descriptors([Descriptor("hog", d.spec, d.mean, d.weights, d.offset)],
                     tmp_path / "hog.npz")
    with pytest.raises(LfwError, match=r"hog.npz: descriptors of kind hog, which this version "
                                       r"does not know \(it knows .*lbp.*\); run `dvc repro`"):
        load_descriptors(tmp_path / "hog.npz")


def test_each_descriptor_describes_its_own_region_and_keeps_it_in_its_file(tmp_path):
    faces, person = faces_of_people(30, 4)
    noise = np.random.default_rng(2).integers(0, 256, faces.shape, dtype=np.uint8)
    regions = {120: faces, 90: noise}  # the same images, two regions: only one tells people apart
    tight, wide, alone = fit_descriptors(face_set(regions), person,
                                         lbp_specs((90, 2), (120, 2), (120, 3)), dims=30)
    assert [(d.kind, d.spec) for d in (tight, wide, alone)] == lbp_specs((90, 2), (120, 2),
                                                                          (120, 3))
    [same_crop] = fit_descriptors(face_set({120: faces}), person, lbp_specs((120, 2)), dims=30)
    assert np.array_equal(wide.weights, same_crop.weights)  # fitted on its region only
    new, _ = faces_of_people(20, 2, seed=1)
    left, right = np.arange(0, 40, 2), np.arange(1, 40, 2)
    pairs = (face_set({120: new[np.r_[left, right]],  # pair i: faces i and 20 + i
                       90: np.random.default_rng(3).integers(0, 256, (40, *new.shape[1:]),
                                                              dtype=np.uint8)}),
             np.arange(20), np.arange(20, 40))
    cos_tight, cos_wide, _ = pair_cosines([tight, wide, alone], *pairs)
    assert np.allclose(cos_wide, pair_cosines([same_crop], *pairs)[0])
    assert cos_wide.mean() > 0.5 > abs(cos_tight.mean())  # the noise region says nothing
    save_descriptors([tight, wide], tmp_path / "descriptor.npz")
    assert [d.crop for d in load_descriptors(tmp_path / "descriptor.npz")] == [90, 120]
