"""The gray face regions the descriptors see, of every image of the release, decoded once.

Stage `regions` decodes each image of data/lfw gray at each centre crop the descriptors
describe, at the net's input size, and writes them to data/regions.npz; stage describe,
stage evaluate and each View 2 judge read them from there instead of decoding the JPEGs
again. `lfw-siamese verify` decodes a photo's regions with the same functions
(lfw_siamese.data.images.load_image, or the face's framing).
"""

from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ..errors import LfwError
from ..fsutil import atomic_output
from .images import load_from_store

FILE = Path("data/regions.npz")  # stage regions' output


def gray_regions(store, files, crops, size: int, workers=None) -> dict[int, np.ndarray]:
    """For each distinct crop of `crops`, the gray regions (N, size, size) of the
    `ImageStore`'s images `files`, in order."""
    return {crop: load_from_store(store, files, size, 1, crop, workers)[..., 0]
            for crop in dict.fromkeys(crops)}


def write_regions(path: Path, files: list[str], regions: dict[int, np.ndarray],
                  size: int) -> None:
    """One uncompressed .npz: the image names, the side, and one array per crop."""
    with atomic_output(path) as tmp, open(tmp, "wb") as f:
        np.savez(f, files=np.array(files), size=size,
                 **{f"crop_{crop}": faces for crop, faces in regions.items()})


def image_names(path: Path) -> list[str]:
    """The names of the images a regions file holds (their regions are not read)."""
    with _opened(path) as d:
        return [str(f) for f in d["files"]]


@contextmanager
def _opened(path: Path):
    """The open .npz file, its errors turned into ones naming the fix."""
    try:
        with np.load(path) as d:
            yield d
    except FileNotFoundError:
        raise LfwError(f"{path}: not found: run `dvc repro regions`") from None
    except (KeyError, ValueError, OSError) as exc:
        raise LfwError(f"{path}: not a regions file ({exc}): run `dvc repro regions`") from None


class Regions:
    """The regions stage `regions` wrote: names of the images, and their gray regions per
    crop; `take` picks some images' regions by name."""

    def __init__(self, path: Path, crops, size: int):
        """Read `path`, refusing it (with the fix) unless it holds every crop of `crops`
        at side `size`."""
        self.path = Path(path)
        with _opened(self.path) as d:
            self.files = [str(f) for f in d["files"]]
            found, have = int(d["size"]), {int(k[5:]) for k in d.files if k[:5] == "crop_"}
            missing = sorted(set(crops) - have)
            if found != size or missing:
                raise LfwError(
                    f"{self.path}: holds regions of {sorted(have) or 'no crop'} at {found} px; "
                    f"the descriptors need {sorted(set(crops))} at {size} px: run `dvc repro "
                    "regions`")
            self.faces = {crop: d[f"crop_{crop}"] for crop in dict.fromkeys(crops)}
        self._row = {name: i for i, name in enumerate(self.files)}

    def take(self, files) -> dict[int, np.ndarray]:
        """The regions of the images `files` (names), in order, per crop."""
        try:
            rows = np.array([self._row[str(f)] for f in files], dtype=np.int64)
        except KeyError as exc:
            raise LfwError(f"{self.path}: no image {exc.args[0]!r}: run `dvc repro regions` "
                           "(its images are data/lfw's)") from None
        return {crop: faces[rows] for crop, faces in self.faces.items()}
