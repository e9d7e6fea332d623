"""BLUFR-style trials: the split by person and the measures, on made-up people and scores."""

import numpy as np
import pytest

from lfw_siamese.data.blufr import GALLERY_PEOPLE, TRAINING_PEOPLE, trial, trial_number
from lfw_siamese.data.pairs import person_of
from lfw_siamese.errors import LfwError
from lfw_siamese.verification import blufr


def release(people: int = 5749, seed: int = 0) -> dict[str, int]:
    """Images per person shaped like LFW's: most people have one, a few have many."""
    rng = np.random.default_rng(seed)
    counts = np.where(rng.random(people) < 0.7, 1, rng.integers(2, 30, people))
    return {f"Person_{i:04d}": int(c) for i, c in enumerate(counts)}


def test_a_trial_splits_people_into_disjoint_groups_of_blufr_sizes():
    counts = release()
    t = trial(counts, 1, 0.2)
    training, calibration, test = set(t.training), set(t.calibration), set(t.test)
    assert len(training | calibration) == TRAINING_PEOPLE
    assert len(test) == len(counts) - TRAINING_PEOPLE
    assert not training & calibration and not (training | calibration) & test
    # calibration: a fifth of the one-image and of the repeated training people
    for repeated in (False, True):
        chosen = [n for n in training | calibration if (counts[n] >= 2) == repeated]
        assert sum(n in calibration for n in chosen) == round(len(chosen) * 0.2)
    gallery_people = [person_of(f) for f in t.gallery]
    assert len(set(gallery_people)) == GALLERY_PEOPLE
    assert all(p in test and counts[p] >= 2 for p in gallery_people)
    assert trial(counts, 1, 0.2) == t and trial(counts, 2, 0.2) != t  # seeded by the number


def test_too_few_people_or_a_bad_trial_number_is_refused():
    with pytest.raises(LfwError, match="more than 1,500 people"):
        trial(release(1200), 1, 0.2)
    with pytest.raises(LfwError, match="usage: blufr_trial.py N"):
        trial_number(["0"], "blufr_trial.py")


def test_every_pair_is_counted_once_and_split_by_person():
    person = np.array([0, 0, 1, 2, 2, 2])
    scores = np.arange(36, dtype=float).reshape(6, 6)
    split = blufr.every_pair(lambda rows: {"s": scores[rows]}, person)["s"]
    assert sorted(split["genuine"]) == [1, 22, 23, 29]  # (0,1), (3,4), (3,5), (4,5)
    assert len(split["impostor"]) == 15 - 4


def test_verification_rate_at_a_false_accept_rate():
    impostor = np.linspace(0, 1, 1000, endpoint=False)  # one in a thousand above 0.998
    genuine = np.array([0.5, 0.9985, 0.9995, 1.0])
    vr = blufr.verification({"genuine": genuine, "impostor": impostor}, fars=(0.001,))
    assert vr["0.001"] == {"threshold": pytest.approx(0.998), "vr": 0.75}


def test_open_set_needs_the_right_person_above_the_threshold():
    gallery = np.array([10, 11])
    probes = np.array([10, 11, 11, 12, 13])  # genuine probes of 10 and 11; impostors 12, 13
    scores = np.array([[0.9, 0.1],   # right, high
                       [0.8, 0.2],   # wrong person
                       [0.1, 0.2],   # right, under the threshold
                       [0.5, 0.2],   # impostor
                       [0.1, 0.25]])  # impostor
    found = blufr.open_set(scores, probes, gallery, fars=(0.5,))
    assert found["rank1_closed_set"] == pytest.approx(2 / 3)
    assert found["0.5"] == {"threshold": 0.25, "dir": pytest.approx(1 / 3), "far": 0.5}
