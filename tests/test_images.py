import numpy as np
import pytest
from PIL import Image

from lfw_siamese.data.images import ORIENTATION, UPRIGHT, load_image, load_images
from lfw_siamese.errors import LfwError


def face_like(path, mode="RGB", size=250, fmt="JPEG"):
    """A 250x250 image: dark border, bright centre square of side 100, red-ish where colour."""
    a = np.full((size, size, 3), 20, np.uint8)
    lo, hi = size * 3 // 10, size * 7 // 10
    a[lo:hi, lo:hi] = (240, 200, 200)
    Image.fromarray(a).convert(mode).save(path, fmt)
    return path


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "CMYK", "P"])
@pytest.mark.parametrize("channels", [1, 3])
def test_modes_load_to_configured_channels(tmp_path, mode, channels):
    fmt = "PNG" if mode in ("RGBA", "P") else "JPEG"
    path = face_like(tmp_path / f"x.{fmt.lower()}", mode, fmt=fmt)
    img = load_image(path, 65, channels)
    assert img.shape == (65, 65, channels) and img.dtype == np.uint8
    assert img[32, 32].mean() > 150 and img[2, 2].mean() < 60


def test_grayscale_is_repeated_into_three_equal_channels(tmp_path):
    img = load_image(face_like(tmp_path / "g.jpg", "L"), 105, 3)
    assert np.array_equal(img[..., 0], img[..., 1]) and np.array_equal(img[..., 1], img[..., 2])


def test_crop_keeps_the_centre(tmp_path):
    path = face_like(tmp_path / "c.jpg", "L")
    full = load_image(path, 100, 1, crop=250)[..., 0]
    centre = load_image(path, 100, 1, crop=100)[..., 0]
    assert full[5, 5] < 60 and full[50, 50] > 200  # border visible without crop
    assert centre[3:-3, 3:-3].min() > 180  # the crop is all bright centre square
    bright = full > 128
    rows = np.flatnonzero(bright.any(axis=1))
    assert abs(rows[0] - 30) <= 2 and abs(rows[-1] - 69) <= 2  # square at 30%..70%


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: None, "image not found"),
        (lambda p: p.write_bytes(b"not an image at all"), "cannot decode image"),
        (lambda p: p.write_bytes(face_like(p).read_bytes()[:600]), "cannot decode image"),
    ],
)
def test_bad_images_are_named(tmp_path, make, message):
    path = tmp_path / "bad.jpg"
    make(path)
    with pytest.raises(LfwError) as err:
        load_image(path, 65, 3)
    assert str(err.value).startswith(str(path)) and message in str(err.value)


def test_decompression_bomb_refused(tmp_path, monkeypatch):
    path = face_like(tmp_path / "big.jpg")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 250*250 > 2x the limit
    with pytest.raises(LfwError, match="decompression bomb"):
        load_image(path, 65, 3)


def test_parallel_load_matches_single(tmp_path):
    paths = [face_like(tmp_path / f"{i}.jpg", "L", size=200 + i) for i in range(6)]
    batch = load_images(paths, 65, 3, workers=3)
    assert batch.shape == (6, 65, 65, 3)
    for i, p in enumerate(paths):
        assert np.array_equal(batch[i], load_image(p, 65, 3))


def test_real_lfwa_image(lfwa_sample):
    img = load_image(lfwa_sample / "AJ_Cook" / "AJ_Cook_0001.jpg", 105, 3)
    assert img.shape == (105, 105, 3)
    assert 40 < img.mean() < 220 and img.std() > 20  # a real photo, not blank


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_gives_the_upright_image(tmp_path, orientation):
    """A photo stored turned, with the EXIF tag saying how (as phones write it), loads as the
    upright photo does."""
    upright = np.zeros((300, 200, 3), np.uint8)  # portrait, asymmetric: a bright top-left block
    upright[20:120, 20:90] = 250
    upright[200:280, 120:180] = (0, 0, 200)
    image = Image.fromarray(upright)
    stored = image
    if orientation in UPRIGHT:  # store the pixels so that UPRIGHT[orientation] undoes it
        inverse = {Image.Transpose.ROTATE_90: Image.Transpose.ROTATE_270,
                   Image.Transpose.ROTATE_270: Image.Transpose.ROTATE_90}
        turn = UPRIGHT[orientation]
        stored = image.transpose(inverse.get(turn, turn))
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    stored.save(tmp_path / "tagged.jpg", quality=95, exif=exif)
    image.save(tmp_path / "upright.jpg", quality=95)
    for channels in (1, 3):
        got = load_image(tmp_path / "tagged.jpg", 64, channels, crop=200).astype(int)
        want = load_image(tmp_path / "upright.jpg", 64, channels, crop=200).astype(int)
        assert np.abs(got - want).mean() < 3, (orientation, channels)
