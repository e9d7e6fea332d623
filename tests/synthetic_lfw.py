"""A synthetic LFW, small enough for the whole pipeline and View 2 to run in a test's minutes.

`write_release(folder)` writes what the download stage leaves in data/lfw: images.zip
(250 x 250 gray JPEGs, `<Person>/<Person>_NNNN.jpg`), the three official pair lists and
release.json. pairs.txt has ten folds whose people are never in two folds; pairsDevTrain and
pairsDevTest share no one; a few people are in no list (the stratified split validates on
them among others). Each person is a texture of their own (stripes of one direction and frequency) under
fresh noise, so that both the net and the LBP descriptors can tell people apart.
"""

import io
import itertools
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

from lfw_siamese.data import imagestore
from lfw_siamese.data.archives import fingerprint, image_files
from lfw_siamese.fsutil import write_json

FOLDS, PER_FOLD, IMAGES = 10, 4, 3  # people per fold, images per person
SAME = 6  # same-person (and different-people) pairs per fold in pairs.txt
DEV_TEST_FOLDS = 3  # View 1: these folds' people form pairsDevTest, the others pairsDevTrain
# People in no pair list, by their image counts: some with more than 5 and one with more
# than 50, as the dataset analysis charts them.
OUTSIDE = (1, 2, 3, 6, 8, 12, 20, 51)
SIDE = 250


def people() -> dict[str, int]:
    """{person: image count}: the folds' people, then those outside every list."""
    listed = {f"Fold{k:02d}_Person{i}": IMAGES for k in range(1, FOLDS + 1)
              for i in range(PER_FOLD)}
    return listed | {f"Outside_Person{i}": n for i, n in enumerate(OUTSIDE)}


def face(rng, person: int) -> np.ndarray:
    """One photo of `person`: their stripes at a random phase, fresh noise, a bright centre."""
    y, x = np.mgrid[:SIDE, :SIDE] / SIDE
    angle, frequency = person * 2.399, 6 + person % 7 * 2
    stripes = np.sin(2 * np.pi * frequency * (x * np.cos(angle) + y * np.sin(angle))
                     + rng.uniform(0, 2 * np.pi))
    centre = np.exp(-((x - 0.5) ** 2 + (y - 0.5) ** 2) / 0.08)
    image = 128 + 60 * stripes * centre + rng.normal(0, 12, (SIDE, SIDE))
    return np.clip(image, 0, 255).astype(np.uint8)


def fold_lines(names: list[str], rng) -> tuple[list[str], list[str]]:
    """SAME same-person and SAME different-people lines among `names` (IMAGES each)."""
    same = [(n, i, j) for n in names for i, j in itertools.combinations(range(1, IMAGES + 1), 2)]
    different = list(itertools.combinations(names, 2))
    same = [same[i] for i in rng.choice(len(same), SAME, replace=False)]
    different = [different[i] for i in rng.choice(len(different), SAME, replace=False)]
    return ([f"{n}\t{i}\t{j}" for n, i, j in same],
            [f"{a}\t{rng.integers(1, IMAGES + 1)}\t{b}\t{rng.integers(1, IMAGES + 1)}"
             for a, b in different])


def write_release(out: Path, seed: int = 0) -> None:
    """data/lfw as the download stage writes it, at `out`."""
    rng = np.random.default_rng(seed)
    folder = out / "images"
    for number, (person, count) in enumerate(people().items()):
        (folder / person).mkdir(parents=True)
        for i in range(1, count + 1):
            buffer = io.BytesIO()
            Image.fromarray(face(rng, number)).save(buffer, "JPEG", quality=90)
            (folder / person / f"{person}_{i:04d}.jpg").write_bytes(buffer.getvalue())
    files = image_files(folder)
    (out / "pairs").mkdir(parents=True)
    folds = [[f"Fold{k:02d}_Person{i}" for i in range(PER_FOLD)] for k in range(1, FOLDS + 1)]
    lines = [fold_lines(names, rng) for names in folds]
    view2 = [f"{FOLDS}\t{SAME}"] + [line for same, diff in lines for line in same + diff]
    (out / "pairs/pairs.txt").write_text("\n".join(view2) + "\n")
    for name, chosen in (("pairsDevTest.txt", lines[:DEV_TEST_FOLDS]),
                         ("pairsDevTrain.txt", lines[DEV_TEST_FOLDS:])):
        same = [line for s, _ in chosen for line in s]
        diff = [line for _, d in chosen for line in d]
        (out / "pairs" / name).write_text("\n".join([str(len(same)), *same, *diff]) + "\n")
    imagestore.pack(folder, files, out / "images.zip")
    write_json(out / "release.json", {
        "release": "lfwa", "description": "synthetic, for the tests", "images": len(files),
        "people": len(people()), "fingerprint": fingerprint(folder, files),
        "fingerprint_pinned": False})
    shutil.rmtree(folder)


# Parameters that train and judge on it in seconds a fold.
SYNTHETIC = {"image_size": 32, "filters": [4, 8, 8, 8], "dense_units": 8, "epochs": 1,
             "pairs_per_epoch": 64, "batch_size": 8, "val_pairs": 20, "lbp_cells": [4],
             "lbp_crops": [120], "lbp_pca": 16}
