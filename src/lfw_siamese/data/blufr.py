"""BLUFR-style trials: all 13,233 LFW images, split by person, for verification at low
false accept rates and open-set identification (after BLUFR: Liao, Lei, Yi and Li, "A
benchmark study of large-scale unconstrained face recognition", IJCB 2014).

Each trial, seeded by its number:
- **1,500 training people**, drawn at random. Of them, the share `val_fraction` (of those
  with one image and of those with two or more) are calibration people: pairs mined from
  their images monitor training, fit the fusion and choose the threshold. The others train
  the net and fit the descriptors. Nothing else of LFW is learnt from.
- **The other 4,249 people are the test people.**
  - Verification: every pair of two of their images.
  - Open-set identification: 1,000 of those with two or more images form the gallery, one
    image each, drawn at random. Their other images are the genuine probes; every image of
    the other test people is an impostor probe.

BLUFR's own ten trials are lists that cannot be fetched here; these are seeded trials of the
same sizes, so their figures stand beside BLUFR's as "BLUFR-style", not as BLUFR's.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import LfwError
from ..net.mining import mined_pair_list
from .pairs import Pair, person_images, person_of

TRAINING_PEOPLE = 1500
GALLERY_PEOPLE = 1000
SEED = 2014  # with the trial's number, seeds its draws
NETS = Path("data/blufr")  # trial_N.keras, the trial's net (not tracked)


@dataclass(frozen=True)
class Trial:
    """One trial's people (sorted names) and its gallery (one image of each gallery person)."""

    number: int
    training: list[str]
    calibration: list[str]
    test: list[str]
    gallery: list[str]

    def test_files(self, counts: dict[str, int]) -> list[str]:
        return person_images(self.test, counts)


def trial_number(argv: list[str], script: str) -> int:
    """The trial a stage script is given as its one argument (1 or more)."""
    if len(argv) != 1 or not argv[0].isdigit() or int(argv[0]) < 1:
        raise LfwError(f"usage: {script} N, with N the trial's number (1, 2, ...)")
    return int(argv[0])


def trial(counts: dict[str, int], number: int, val_fraction: float) -> Trial:
    """Trial `number` of the release whose images per person are `counts`."""
    people = sorted(counts)
    if len(people) <= TRAINING_PEOPLE:
        raise LfwError(f"BLUFR-style trials need more than {TRAINING_PEOPLE:,} people; the "
                       f"release has {len(people):,}")
    rng = np.random.default_rng([SEED, number])
    chosen = rng.permutation(len(people))
    training = sorted(people[i] for i in chosen[:TRAINING_PEOPLE])
    test = sorted(people[i] for i in chosen[TRAINING_PEOPLE:])
    calibration = []
    for stratum in ([n for n in training if counts[n] == 1],
                    [n for n in training if counts[n] >= 2]):
        order = rng.permutation(len(stratum))
        calibration += [stratum[i] for i in order[:round(len(stratum) * val_fraction)]]
    held = set(calibration)
    repeated = [n for n in test if counts[n] >= 2]
    if len(repeated) < GALLERY_PEOPLE:
        raise LfwError(f"a BLUFR-style gallery needs {GALLERY_PEOPLE:,} test people with two "
                       f"or more images; trial {number} has {len(repeated):,}")
    gallery_people = sorted(repeated[i] for i in rng.permutation(len(repeated))[:GALLERY_PEOPLE])
    gallery = [person_images([n], counts)[rng.integers(counts[n])] for n in gallery_people]
    return Trial(number, [n for n in training if n not in held], sorted(calibration), test,
                 gallery)


def calibration_pairs(t: Trial, counts: dict[str, int], n: int) -> list[Pair]:
    """`n` fixed pairs mined from the calibration people's images, half same person."""
    files = person_images(t.calibration, counts)
    ids = {name: i for i, name in enumerate(t.calibration)}
    return mined_pair_list(files, np.array([ids[person_of(f)] for f in files]), n,
                           SEED + t.number)
