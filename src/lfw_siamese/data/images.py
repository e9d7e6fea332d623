"""Decode face images to uint8 arrays: centre crop, resize and channels, as in training.

`crop` is the side of the centre square kept, in pixels of LFW's 250x250 frame; for other
image sizes it scales with the shorter side. JPEGs are decoded at the smallest DCT scale that
still covers the output (Pillow's draft mode), which is several times faster than a full
decode followed by a resize.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PIL import Image

from ..errors import LfwError

LFW_SIDE = 250
ORIENTATION = 0x0112  # the EXIF tag cameras and phones write instead of rotating the pixels
UPRIGHT = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
           4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
           6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
           8: Image.Transpose.ROTATE_90}


# Modes Pillow gives 16-bit grayscale PNG and TIFF (and 32-bit integer) images; its own
# conversion to 8 bits clips their samples at 255 instead of scaling them.
WIDE_GRAY = {"I;16", "I;16L", "I;16B", "I;16N", "I"}


def eight_bit(image: Image.Image) -> Image.Image:
    """`image` with 16-bit grayscale samples scaled to 8 bits (65535 -> 255); other images as
    they are (Pillow already reduces 16-bit RGB to 8 bits when it decodes it)."""
    if image.mode not in WIDE_GRAY:
        return image
    samples = np.asarray(image, dtype=np.float64) / 257
    return Image.fromarray(np.clip(np.rint(samples), 0, 255).astype(np.uint8))


@contextmanager
def decoding(name):
    """Turn the errors of opening and decoding an image into one line naming it."""
    try:
        yield
    except FileNotFoundError:
        raise LfwError(f"{name}: image not found") from None
    except Image.DecompressionBombError as exc:
        raise LfwError(f"{name}: refused as a possible decompression bomb ({exc})") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise LfwError(f"{name}: cannot decode image ({exc})") from None


def load_image(source, size: int, channels: int, crop: int = LFW_SIDE, label=None) -> np.ndarray:
    """One image (a path or a binary file object) as a (size, size, channels) uint8 array,
    upright as viewers show it (EXIF orientation applied).

    `label` names it in error messages (default: the path). The centre crop and the resize
    commute with the orientation's flips and quarter turns, so it is applied last, to the
    small result, keeping JPEG draft decoding fast."""
    mode = "L" if channels == 1 else "RGB"
    with decoding(label or source), Image.open(source) as im:
        width, height = im.size
        side = min(width, height) * min(crop, LFW_SIDE) / LFW_SIDE
        scale = size / side
        im.draft(mode, (int(width * scale + 1), int(height * scale + 1)))
        w, h = im.size  # after draft: the DCT-scaled size
        half_w, half_h = side * w / width / 2, side * h / height / 2
        box = (max(w / 2 - half_w, 0), max(h / 2 - half_h, 0),
               min(w / 2 + half_w, w), min(h / 2 + half_h, h))
        pixels = eight_bit(im).convert(mode).resize((size, size), Image.Resampling.BILINEAR,
                                                    box=box)
        turn = UPRIGHT.get(im.getexif().get(ORIENTATION, 1))
        if turn is not None:
            pixels = pixels.transpose(turn)
    array = np.asarray(pixels, dtype=np.uint8)
    return array[..., None] if channels == 1 else array


def load_images(sources, size: int, channels: int, crop: int = LFW_SIDE, workers=None,
                labels=None):
    """Decode many images (paths or file objects) in parallel threads (Pillow releases the
    GIL while decoding); `labels`, if given, name them in error messages."""
    sources = [s if hasattr(s, "read") else Path(s) for s in sources]
    labels = labels or [None] * len(sources)
    out = np.empty((len(sources), size, size, channels), np.uint8)

    def work(i):
        out[i] = load_image(sources[i], size, channels, crop, labels[i])

    with ThreadPoolExecutor(workers or os.cpu_count()) as pool:
        for _ in pool.map(work, range(len(sources))):
            pass
    return out


def load_from_store(store, files, size: int, channels: int, crop: int | tuple = LFW_SIDE,
                    workers=None):
    """Decode images of an `ImageStore` by name, as `load_images` does. With several crops
    (`Params.crops`), each image's regions are stacked on the channel axis, in that order."""
    if not isinstance(crop, int):
        return np.concatenate([load_from_store(store, files, size, channels, c, workers)
                               for c in crop], axis=-1)
    return load_images([store.open(f) for f in files], size, channels, crop, workers,
                       [store.label(f) for f in files])

