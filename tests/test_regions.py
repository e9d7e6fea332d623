"""The gray regions the descriptors see: decoded once into data/regions.npz, read back by
name, refused with the fix when they do not fit; a set of faces LBP-codes each image once."""

import numpy as np
import pytest
from PIL import Image

from lfw_siamese.data import imagestore, regions
from lfw_siamese.data.archives import image_files
from lfw_siamese.data.faces import network_input
from lfw_siamese.data.images import load_from_store
from lfw_siamese.errors import LfwError
from lfw_siamese.verification.descriptor import fit_descriptors, pair_cosines
from lfw_siamese.verification.faces import Faces, read_faces
from lfw_siamese.verification.features import lbp

from .conftest import lbp_specs


@pytest.fixture
def store(tmp_path):
    """Three LFW-framed images of rings around the centre (each crop sees other rings)."""
    root = tmp_path / "images"
    y, x = np.mgrid[:250, :250]
    for person, n in (("Ann_A", 2), ("Bob_B", 1)):
        (root / person).mkdir(parents=True)
        for i in range(1, n + 1):
            rings = 127 + 120 * np.sin(np.hypot(x - 125, y - 125) / (3 + i + len(person)))
            Image.fromarray(rings.astype(np.uint8)).save(root / person / f"{person}_{i:04d}.jpg")
    imagestore.pack(root, image_files(root), tmp_path / "s.zip")
    return imagestore.ImageStore(tmp_path / "s.zip")


def test_regions_are_gray_crops_of_each_image_written_once_and_read_by_name(store, tmp_path):
    decoded = regions.gray_regions(store, store.files, [120, 90, 120], 32)
    assert list(decoded) == [120, 90]  # each distinct crop once, in order
    for crop, faces in decoded.items():
        assert faces.shape == (3, 32, 32) and faces.dtype == np.uint8
        assert np.array_equal(faces, load_from_store(store, store.files, 32, 1, crop)[..., 0])
    assert not np.array_equal(decoded[120], decoded[90])
    regions.write_regions(tmp_path / "regions.npz", store.files, decoded, 32)
    assert regions.image_names(tmp_path / "regions.npz") == store.files
    read = regions.Regions(tmp_path / "regions.npz", [90], 32)
    a, b = store.files[2], store.files[0]
    taken = read.take([a, b, a])
    assert list(taken) == [90]
    assert np.array_equal(taken[90], decoded[90][[2, 0, 2]])


def test_regions_that_do_not_fit_are_refused_with_the_fix(store, tmp_path):
    path = tmp_path / "regions.npz"
    with pytest.raises(LfwError, match=r"regions.npz: not found: run `dvc repro regions`"):
        regions.Regions(path, [120], 32)
    regions.write_regions(path, store.files, regions.gray_regions(store, store.files, [120], 32),
                          32)
    with pytest.raises(LfwError, match=r"holds regions of \[120\] at 32 px; the descriptors "
                                       r"need \[90, 120\] at 32 px: run `dvc repro regions`"):
        regions.Regions(path, [120, 90], 32)
    with pytest.raises(LfwError, match=r"the descriptors need \[120\] at 64 px"):
        regions.Regions(path, [120], 64)
    with pytest.raises(LfwError, match=r"no image 'Cy_C/Cy_C_0001.jpg'.*`dvc repro regions`"):
        regions.Regions(path, [120], 32).take(["Cy_C/Cy_C_0001.jpg"])
    path.write_text("not numpy")
    with pytest.raises(LfwError, match="not a regions file"):
        regions.Regions(path, [120], 32)


def test_a_set_of_faces_codes_each_image_once_whatever_pairs_it_serves(store, tmp_path,
                                                                       monkeypatch):
    regions.write_regions(tmp_path / "regions.npz", store.files,
                          regions.gray_regions(store, store.files, [120], 32), 32)
    a, b, c = store.files
    assert read_faces(tmp_path / "regions.npz", [], 32, [a]) is None  # no descriptor: no faces
    faces = read_faces(tmp_path / "regions.npz", [120], 32, [c, a, c, b])
    assert faces.names == [c, a, b] and len(faces) == 3  # each distinct image once
    coded = []
    real = lbp.lbp_codes
    monkeypatch.setattr(lbp, "lbp_codes", lambda x: coded.append(len(x)) or real(x))
    [d] = fit_descriptors(faces, np.array([0, 1]), lbp_specs((120, 2)), dims=2, rows=faces.rows([a, b]))
    assert coded == [3, 2]  # every face of the set once, then the two mirrors fitted on
    first = pair_cosines([d], faces, faces.rows([a, a]), faces.rows([b, c]))
    again = pair_cosines([d], faces, faces.rows([c]), faces.rows([a]))
    assert coded == [3, 2]  # the pairs reuse the codes
    assert np.allclose(again[0], first[0][1])
    with pytest.raises(LfwError, match="no image 'Cy_C/Cy_C_0001.jpg' in this set"):
        faces.rows(["Cy_C/Cy_C_0001.jpg"])
    with pytest.raises(LfwError, match="each image once"):
        Faces([a, a], {120: np.zeros((2, 32, 32), np.uint8)})


def test_verify_decodes_an_lfw_framed_photos_regions_as_stage_regions_does(store, tmp_path):
    name = store.files[1]
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(store.open(name).read())
    _, gray, _ = network_input(photo, 32, 1, 120, lfw_framed=True, gray_crops=(120, 90))
    decoded = regions.gray_regions(store, [name], [120, 90], 32)
    assert list(gray) == [120, 90]
    assert all(np.array_equal(gray[c], decoded[c][0]) for c in (120, 90))
