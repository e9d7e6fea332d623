"""The release's images in one stored zip: reproducible bytes, counts, reads, clear errors."""

import hashlib

import numpy as np
import pytest
from PIL import Image

from lfw_siamese.data import imagestore
from lfw_siamese.data.archives import image_files
from lfw_siamese.data.images import load_from_store, load_images
from lfw_siamese.errors import LfwError


@pytest.fixture
def faces(tmp_path):
    root = tmp_path / "images"
    for person, n in (("Ann_A", 3), ("Bob_B", 1)):
        (root / person).mkdir(parents=True)
        for i in range(1, n + 1):
            pixels = np.full((250, 250), 40 * i, np.uint8)
            Image.fromarray(pixels).save(root / person / f"{person}_{i:04d}.jpg")
    return root


def digest(path):
    return hashlib.md5(path.read_bytes()).hexdigest()


def test_the_same_images_always_pack_to_the_same_bytes(faces, tmp_path):
    files = image_files(faces)
    imagestore.pack(faces, files, tmp_path / "a.zip")
    for f in faces.rglob("*.jpg"):  # other timestamps, other order: same zip
        f.touch()
    imagestore.pack(faces, list(reversed(files)), tmp_path / "b.zip")
    assert digest(tmp_path / "a.zip") == digest(tmp_path / "b.zip")


def test_store_lists_counts_and_reads_the_images(faces, tmp_path):
    imagestore.pack(faces, image_files(faces), tmp_path / "s.zip")
    store = imagestore.ImageStore(tmp_path / "s.zip")
    assert store.files == ["Ann_A/Ann_A_0001.jpg", "Ann_A/Ann_A_0002.jpg",
                           "Ann_A/Ann_A_0003.jpg", "Bob_B/Bob_B_0001.jpg"]
    assert store.counts() == {"Ann_A": 3, "Bob_B": 1}
    assert store.open("Bob_B/Bob_B_0001.jpg").read() == (faces / "Bob_B/Bob_B_0001.jpg").read_bytes()
    from_zip = load_from_store(store, store.files, 32, 1)
    from_files = load_images([faces / f for f in store.files], 32, 1)
    assert np.array_equal(from_zip, from_files)
    regions = load_from_store(store, store.files, 32, 1, (120, 200))
    assert regions.shape == (4, 32, 32, 2)
    assert np.array_equal(regions[..., :1], load_from_store(store, store.files, 32, 1, 120))
    assert np.array_equal(regions[..., 1:], load_from_store(store, store.files, 32, 1, 200))


def test_missing_store_and_missing_image_are_named(faces, tmp_path):
    with pytest.raises(LfwError, match=r"nothere.zip: not found: run `dvc repro download`"):
        imagestore.ImageStore(tmp_path / "nothere.zip")
    (tmp_path / "bad.zip").write_bytes(b"not a zip")
    with pytest.raises(LfwError, match="bad.zip: not a valid zip"):
        imagestore.ImageStore(tmp_path / "bad.zip")
    imagestore.pack(faces, image_files(faces), tmp_path / "s.zip")
    store = imagestore.ImageStore(tmp_path / "s.zip")
    with pytest.raises(LfwError, match=r"s.zip: no image 'Cid_C/Cid_C_0001.jpg'"):
        store.open("Cid_C/Cid_C_0001.jpg")


def test_an_undecodable_image_in_the_store_is_named_by_store_and_entry(faces, tmp_path):
    (faces / "Bob_B/Bob_B_0001.jpg").write_bytes(b"\xff\xd8 truncated")
    imagestore.pack(faces, image_files(faces), tmp_path / "s.zip")
    store = imagestore.ImageStore(tmp_path / "s.zip")
    with pytest.raises(LfwError, match=r"s.zip:Bob_B/Bob_B_0001.jpg: cannot decode image"):
        load_from_store(store, store.files, 32, 1)
