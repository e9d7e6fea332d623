"""Person-level split and pair mining: no person crosses the split, pairs are balanced."""

import numpy as np
import pytest

from lfw_siamese.data.pairs import Pair
from lfw_siamese.errors import LfwError
from lfw_siamese.net.mining import (
    by_person_split,
    mine_pairs,
    mine_positive_batches,
    mined_pair_list,
    split_people,
)
from lfw_siamese.params import load_params


def pair(a, i, b, j):
    return Pair(f"{a}/{a}_{i:04d}.jpg", f"{b}/{b}_{j:04d}.jpg", a == b)


COUNTS = {f"P{k:02d}": 1 + k % 4 for k in range(40)}  # 40 people, 1-4 images each
DEV_TRAIN = [pair("P01", 1, "P01", 2), pair("P02", 1, "P05", 1), pair("P03", 1, "P03", 3)]
DEV_TEST = [pair("P06", 1, "P07", 1), pair("P09", 1, "P09", 2)]


def test_people_split_keeps_test_people_out_and_dev_train_in_training():
    train, val = split_people(COUNTS, DEV_TRAIN, DEV_TEST, 0.25, seed=0)
    assert not set(train) & set(val)
    assert not {"P06", "P07", "P09"} & (set(train) | set(val))
    assert {"P01", "P02", "P03", "P05"} <= set(train)  # pairsDevTrain stays whole
    assert len(val) == round(37 * 0.25) and len(train) + len(val) == 37
    assert split_people(COUNTS, DEV_TRAIN, DEV_TEST, 0.25, seed=0) == (train, val)
    assert split_people(COUNTS, DEV_TRAIN, DEV_TEST, 0.25, seed=1)[1] != val


def test_too_many_validation_people_is_refused():
    with pytest.raises(LfwError, match=r"only 33 people are in neither"):
        split_people(COUNTS, DEV_TRAIN, DEV_TEST, 0.95, seed=0)


def test_stratified_split_takes_the_share_of_each_stratum_and_drops_their_dev_pairs():
    train, val = split_people(COUNTS, DEV_TRAIN, DEV_TEST, 0.25, seed=0, stratified=True)
    eligible = set(COUNTS) - {"P06", "P07", "P09"}
    assert set(train) | set(val) == eligible and not set(train) & set(val)
    singles = [n for n in eligible if COUNTS[n] == 1]
    assert sum(COUNTS[n] == 1 for n in val) == round(len(singles) * 0.25)
    assert sum(COUNTS[n] >= 2 for n in val) == round((len(eligible) - len(singles)) * 0.25)
    # a share no `people` split can give (only 33 people are outside both dev lists)
    assert len(split_people(COUNTS, DEV_TRAIN, DEV_TEST, 0.95, 0, stratified=True)[1]) > 33


def test_people_split_drops_dev_pairs_of_validation_people():
    p = load_params().replace(split="stratified", val_fraction=0.5, val_pairs=40, split_seed=2)
    pool, train_pairs, val = by_person_split(COUNTS, DEV_TRAIN, DEV_TEST, p)
    _, val_people = split_people(COUNTS, DEV_TRAIN, DEV_TEST, 0.5, 2, stratified=True)
    kept = [q for q in DEV_TRAIN if not set(q.people) & set(val_people)]
    assert train_pairs == kept and len(kept) < len(DEV_TRAIN)  # seed 2 holds out some
    assert len(val) == 40 and {n for q in val for n in q.people} <= set(val_people)
    assert not {f.split("/")[0] for f in pool} & set(val_people)


def test_mined_pairs_are_balanced_and_labelled_right():
    person = np.repeat(np.arange(30), np.arange(30) % 3 + 1)  # 1-3 images per person
    left, right, label = mine_pairs(person, 501, np.random.default_rng(0))
    assert label.sum() == 250 and len(label) == 501
    assert np.array_equal(person[left] == person[right], label == 1)
    assert np.all(left[label == 1] != right[label == 1])  # two distinct images
    assert left.max() < len(person) and right.max() < len(person)


def test_positives_are_spread_over_people_not_images():
    person = np.array([0] * 500 + [1, 1, 2, 2, 3])
    left, _, label = mine_pairs(person, 4000, np.random.default_rng(0))
    share_of_big = np.mean(person[left[label == 1]] == 0)
    assert 0.28 < share_of_big < 0.39  # 3 people can form positives: about a third each


def test_mining_needs_a_positive_and_a_negative():
    with pytest.raises(LfwError, match="two images"):
        mine_pairs(np.array([0, 1, 2]), 10, np.random.default_rng(0))


def test_mined_pair_list_is_seeded():
    files = [f"P{k}/P{k}_{i:04d}.jpg" for k in range(5) for i in range(1, 4)]
    person = np.repeat(np.arange(5), 3)
    pairs = mined_pair_list(files, person, 20, seed=3)
    assert pairs == mined_pair_list(files, person, 20, seed=3)
    assert all(p.same == (p.people[0] == p.people[1]) for p in pairs)
    assert sum(p.same for p in pairs) == 10


def test_positive_batches_hold_distinct_people():
    person = np.repeat(np.arange(12), 3)
    left, right, ids = mine_positive_batches(person, 40, 8, np.random.default_rng(0))
    assert np.array_equal(person[left], ids) and np.array_equal(person[right], ids)
    assert np.all(left != right)
    for start in range(0, 40, 8):
        assert len(set(ids[start:start + 8])) == len(ids[start:start + 8])
    with pytest.raises(LfwError, match="batch_size \\(13\\) distinct people"):
        mine_positive_batches(person, 40, 13, np.random.default_rng(0))
