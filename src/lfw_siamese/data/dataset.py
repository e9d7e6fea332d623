"""Arrays on disk: the .npz files the prepare stage writes and training reads.

A pair file holds `left` and `right` (N, H, W, C) uint8 images, `label` (N,) uint8 with
1 = same person, and `left_file` / `right_file` naming the two images of every pair.
The people file (split by person only) holds every image of the training people: `image`
(N, H, W, C) uint8, `person` (N,) int32 ids 0..P-1, `files` names.
"""

import numpy as np

from ..fsutil import atomic_output
from .pairs import Pair, person_of


def split_pairs(pairs: list[Pair], val_fraction: float, seed: int):
    """Seeded random split into (train, validation) pairs."""
    order = np.random.default_rng(seed).permutation(len(pairs))
    n_val = round(len(pairs) * val_fraction)
    val = sorted(order[:n_val])
    train = sorted(order[n_val:])
    return [pairs[i] for i in train], [pairs[i] for i in val]


def pair_arrays(pairs: list[Pair], images: np.ndarray, index: dict[str, int]) -> dict:
    """`left`, `right` and `label` arrays of `pairs`, their images the rows of `images` looked
    up by file name in `index`."""
    left = np.array([index[p.left] for p in pairs], np.intp)
    right = np.array([index[p.right] for p in pairs], np.intp)
    return {"left": images[left], "right": images[right],
            "label": np.array([p.same for p in pairs], np.uint8)}


def save_pairs(path, pairs: list[Pair], images: np.ndarray, index: dict[str, int]) -> None:
    """Write the pairs' arrays (`pair_arrays`) and their file names to an .npz file."""
    with atomic_output(path) as tmp:
        np.savez(tmp, **pair_arrays(pairs, images, index),
                 left_file=np.array([p.left for p in pairs]),
                 right_file=np.array([p.right for p in pairs]))


def save_people(path, files: list[str], images: np.ndarray, index: dict[str, int]) -> None:
    """Write the images `files` (grouped by person folder) with their person ids."""
    names = sorted({person_of(f) for f in files})
    ids = {name: i for i, name in enumerate(names)}
    with atomic_output(path) as tmp:
        np.savez(
            tmp,
            image=images[[index[f] for f in files]],
            person=np.array([ids[person_of(f)] for f in files], np.int32),
            files=np.array(files),
        )


def load_arrays(path) -> dict[str, np.ndarray]:
    """Read a file written by `save_pairs` or `save_people` (no pickled objects)."""
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}
