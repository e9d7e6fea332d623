"""Decode face images to uint8 arrays: centre crop, resize and channels, as in training.

`crop` is the side of the centre square kept, in pixels of LFW's 250x250 frame; for other
image sizes it scales with the shorter side. JPEGs are decoded at the smallest DCT scale that
still covers the output (Pillow's draft mode), which is several times faster than a full
decode followed by a resize.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

from .errors import LfwError

LFW_SIDE = 250


def load_image(path, size: int, channels: int, crop: int = LFW_SIDE) -> np.ndarray:
    """One image as a (size, size, channels) uint8 array."""
    mode = "L" if channels == 1 else "RGB"
    try:
        with Image.open(path) as im:
            width, height = im.size
            side = min(width, height) * min(crop, LFW_SIDE) / LFW_SIDE
            scale = size / side
            im.draft(mode, (int(width * scale + 1), int(height * scale + 1)))
            w, h = im.size  # after draft: the DCT-scaled size
            half_w, half_h = side * w / width / 2, side * h / height / 2
            box = (max(w / 2 - half_w, 0), max(h / 2 - half_h, 0),
                   min(w / 2 + half_w, w), min(h / 2 + half_h, h))
            pixels = im.convert(mode).resize((size, size), Image.Resampling.BILINEAR, box=box)
    except FileNotFoundError:
        raise LfwError(f"{path}: image not found") from None
    except Image.DecompressionBombError as exc:
        raise LfwError(f"{path}: refused as a possible decompression bomb ({exc})") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise LfwError(f"{path}: cannot decode image ({exc})") from None
    array = np.asarray(pixels, dtype=np.uint8)
    return array[..., None] if channels == 1 else array


def load_images(paths, size: int, channels: int, crop: int = LFW_SIDE, workers=None):
    """Decode many images in parallel threads (Pillow releases the GIL while decoding)."""
    paths = [Path(p) for p in paths]
    out = np.empty((len(paths), size, size, channels), np.uint8)

    def work(i):
        out[i] = load_image(paths[i], size, channels, crop)

    with ThreadPoolExecutor(workers or os.cpu_count()) as pool:
        for _ in pool.map(work, range(len(paths))):
            pass
    return out
