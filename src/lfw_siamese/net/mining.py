"""Split people, not pairs, and mine balanced pairs from the images of a set of people.

LFW's *unrestricted* configuration may use the identity labels of the training people. Two
by-person splits, neither sharing anyone with pairsDevTest:
- `people`: validation people are drawn only from people in neither pairsDevTrain nor
  pairsDevTest, so the fixed 2,200 training pairs stay whole (but few of them, ~120, have the
  two images a positive pair needs);
- `stratified`: drawn among everyone outside pairsDevTest, the same share of those with one
  image and of those with two or more (~250 with a positive pair); pairsDevTrain pairs that
  involve a validation person leave training.
"""

import numpy as np

from ..data.pairs import Pair, person_images, person_of
from ..errors import LfwError


def split_people(counts: dict[str, int], dev_train, dev_test, val_fraction: float, seed: int,
                 stratified: bool = False):
    """(training people, validation people), sorted; neither shares anyone with pairsDevTest.

    `val_fraction` of all people outside pairsDevTest become validation people, drawn
    (seeded) among those outside pairsDevTrain too, or, `stratified`, among all of them:
    that share of the people with one image and of those with two or more.
    """
    test = {name for pair in dev_test for name in pair.people}
    listed = {name for pair in dev_train for name in pair.people}
    eligible = sorted(set(counts) - test)
    rng = np.random.default_rng(seed)
    if stratified:
        val = []
        for stratum in ([n for n in eligible if counts[n] == 1],
                        [n for n in eligible if counts[n] >= 2]):
            order = rng.permutation(len(stratum))
            val += [stratum[i] for i in order[:round(len(stratum) * val_fraction)]]
        val.sort()
    else:
        outside = [name for name in eligible if name not in listed]
        n_val = round(len(eligible) * val_fraction)
        if n_val > len(outside):
            raise LfwError(
                f"val_fraction {val_fraction} asks for {n_val} validation people, but only "
                f"{len(outside)} people are in neither pairsDevTrain nor pairsDevTest "
                f"(the most is {len(outside) / len(eligible):.2f}; split: stratified has no "
                f"such limit)"
            )
        val = sorted(outside[i] for i in rng.permutation(len(outside))[:n_val])
    chosen = set(val)
    return [name for name in eligible if name not in chosen], val


def _groups(person: np.ndarray) -> list[np.ndarray]:
    """Image indices of each person id, people without images left out."""
    groups = np.split(np.argsort(person, kind="stable"), np.cumsum(np.bincount(person))[:-1])
    return [g for g in groups if len(g)]


def mine_pairs(person: np.ndarray, n: int, rng: np.random.Generator):
    """`n` index pairs into images labelled by `person`, half same person, half different.

    Positives pick a person with two or more images uniformly (so the few people with
    hundreds of images do not dominate), then two distinct images; negatives pick two
    different people uniformly, then one image each. Returns (left, right, label) arrays.
    """
    groups = _groups(person)
    multi = [g for g in groups if len(g) >= 2]
    if not multi or len(groups) < 2:
        raise LfwError("pair mining needs a person with two images and two people at least")
    n_pos = n // 2
    left, right = np.empty(n, np.int64), np.empty(n, np.int64)
    for k, g in enumerate(rng.integers(len(multi), size=n_pos)):
        left[k], right[k] = rng.choice(multi[g], 2, replace=False)
    for k in range(n_pos, n):
        a, b = rng.choice(len(groups), 2, replace=False)
        left[k], right[k] = rng.choice(groups[a]), rng.choice(groups[b])
    label = (np.arange(n) < n_pos).astype(np.uint8)
    return left, right, label


def mine_positive_batches(person: np.ndarray, n: int, batch_size: int, rng: np.random.Generator):
    """`n` same-person pairs in batches of `batch_size` distinct people (for in-batch negatives).

    Returns (left, right, person id) arrays in batch order: every other pair of a batch is a
    negative example for each pair, so the batches must not be reshuffled.
    """
    multi = [g for g in _groups(person) if len(g) >= 2]
    if len(multi) < batch_size:
        raise LfwError(f"in-batch negatives need batch_size ({batch_size}) distinct people with "
                       f"two or more images; the training people have {len(multi)}")
    left, right, ids = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int32)
    for start in range(0, n, batch_size):
        chosen = rng.choice(len(multi), min(batch_size, n - start), replace=False)
        for k, g in enumerate(chosen, start):
            left[k], right[k] = rng.choice(multi[g], 2, replace=False)
            ids[k] = person[left[k]]
    return left, right, ids


def distinct_positives(person: np.ndarray) -> int:
    """How many distinct same-person pairs the images labelled by `person` offer."""
    sizes = np.bincount(person).astype(np.int64)
    return int((sizes * (sizes - 1) // 2).sum())


def check_mining(p, person: np.ndarray) -> None:
    """Refuse, before any training, a `pairs_per_epoch` or `batch_size` (checked Params) that
    the training people (ids `person`, one per image) cannot serve, naming what they offer."""
    if p.train_pairs != "mined":
        return
    multi = int((np.bincount(person) >= 2).sum())
    positives = distinct_positives(person)
    in_batch = p.loss == "batch_softmax"
    wanted = p.pairs_per_epoch if in_batch else p.pairs_per_epoch // 2
    if wanted > positives:
        raise LfwError(f"pairs_per_epoch: {p.pairs_per_epoch} asks for {wanted:,} same-person "
                       f"pairs per epoch, but the training people's images offer {positives:,} "
                       f"distinct ones (an epoch would repeat pairs); use at most "
                       f"{positives if in_batch else 2 * positives + 1:,}")
    if in_batch and p.batch_size > multi:
        raise LfwError(f"batch_size: {p.batch_size} asks for that many distinct people per "
                       f"batch (in-batch negatives), but only {multi:,} training people have "
                       f"two or more images; use at most {multi:,}")


def mined_pair_list(files: list[str], person: np.ndarray, n: int, seed: int) -> list[Pair]:
    """A fixed, seeded list of `n` mined pairs (the validation pairs), as `Pair`s; refused if
    the people offer fewer distinct same-person pairs than the n / 2 asked for."""
    available = distinct_positives(person)
    if n // 2 > available:
        raise LfwError(f"val_pairs: {n} asks for {n // 2:,} same-person validation pairs, but "
                       f"the {len(np.unique(person)):,} validation people's images offer "
                       f"{available:,} distinct ones; use at most {2 * available + 1:,}")
    left, right, label = mine_pairs(person, n, np.random.default_rng(seed))
    return [Pair(files[a], files[b], bool(y)) for a, b, y in zip(left, right, label, strict=True)]


def by_person_split(counts: dict[str, int], dev_train, dev_test, p):
    """A by-person split (`p.split` people or stratified, checked Params): every image of the
    training people, the pairsDevTrain pairs with no validation person in them, and
    `p.val_pairs` fixed validation pairs mined from the validation people."""
    train_people, val_people = split_people(counts, dev_train, dev_test, p.val_fraction,
                                            p.split_seed, stratified=p.split == "stratified")
    val_files = person_images(val_people, counts)
    ids = {name: i for i, name in enumerate(val_people)}
    val_ids = np.array([ids[person_of(f)] for f in val_files])
    held_out = set(val_people)
    train_pairs = [q for q in dev_train if not held_out & set(q.people)]
    return (person_images(train_people, counts), train_pairs,
            mined_pair_list(val_files, val_ids, p.val_pairs, p.split_seed))
