"""LFW View 2's ten folds of pairs.txt: which pairs train a fold's net, calibrate its judge,
and test it.

The folds share no person. For test fold N, fold N - 1 (fold 10 for fold 1) is the
calibration fold, held out of training: its pairs choose the threshold (and fit the fusion)
on people the net has not seen, as the test fold's are. The other eight folds train.
"""

from itertools import combinations

import numpy as np

from .. import paths
from ..errors import LfwError
from .dataset import load_arrays, pair_arrays
from .imagestore import ImageStore
from .pairs import Pair, people_of, person_of, read_pairs

FOLDS = 10


def fold_number(argv: list[str], script: str) -> int:
    """The 1-based fold a stage script is given as its one argument."""
    if len(argv) != 1 or not argv[0].isdigit() or not 1 <= int(argv[0]) <= FOLDS:
        raise LfwError(f"usage: {script} N, with N the held-out fold (1-{FOLDS})")
    return int(argv[0])


def calibration_fold(test_fold: int) -> int:
    """The 1-based fold held out of training to choose `test_fold`'s threshold."""
    return test_fold - 1 if test_fold > 1 else FOLDS


def fold_groups(pairs: list[Pair], test_fold: int) -> dict[str, list[Pair]]:
    """The training, calibration and test pairs of 1-based `test_fold` (Pair.fold is 0-based);
    refused if two groups share a person."""
    held_out = {test_fold - 1: "test", calibration_fold(test_fold) - 1: "calibration"}
    groups = {"training": [], "calibration": [], "test": []}
    for p in pairs:
        groups[held_out.get(p.fold, "training")].append(p)
    for (a, pa), (b, pb) in combinations(groups.items(), 2):
        if shared := people_of(pa) & people_of(pb):
            raise LfwError(f"pairs.txt: for fold {test_fold}, the {a} and {b} folds share "
                           f"people: {', '.join(sorted(shared)[:5])}")
    return groups


def read_fold(test_fold: int) -> dict[str, list[Pair]]:
    """`fold_groups` of pairs.txt, checked against the release's images (data/lfw)."""
    store = ImageStore(paths.IMAGES)
    return fold_groups(read_pairs(paths.PAIR_LISTS / "pairs.txt", store.counts()), test_fold)


def training_people(data: dict, training: list[Pair]) -> dict:
    """The images (and 0-based person ids) that mining may draw from: every image of the
    training folds' people, and no one else's."""
    pool = np.isin([person_of(f) for f in data["files"]], sorted(people_of(training)))
    return {"image": data["image"][pool],
            "person": np.unique(data["person"][pool], return_inverse=True)[1],
            "files": data["files"][pool]}


def load_fold(test_fold: int) -> tuple[dict, dict, dict]:
    """Fold `test_fold`'s groups of pairs (training, calibration, test), their image arrays
    (data/view2/images.npz), and the training people's images (the mining pool)."""
    groups = read_fold(test_fold)
    data = load_arrays(paths.VIEW2 / "images.npz")
    index = {f: i for i, f in enumerate(data["files"])}
    arrays = {name: pair_arrays(x, data["image"], index) for name, x in groups.items()}
    return groups, arrays, training_people(data, groups["training"])
