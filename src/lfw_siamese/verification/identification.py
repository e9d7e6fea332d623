"""One-shot identification, measured from the scores of every pair of a group's images.

- **N-way one-shot** (Koch et al.): a trial draws N people, one gallery image of each, and a
  probe: another image of one of them. It is right when the probe's score with its own
  person's gallery image is above its score with every other (a tie is wrong). Only people
  with two or more images can be the probe; any person can fill the gallery.
- **The whole gallery**: the same with every person of the group in it; the rank of the right
  person among all gives the closed-set CMC curve (the share of probes within rank k).
- **Open set** (detection and identification): the gallery holds one image of each person
  with two or more images; their other images are the genuine probes, and the images of the
  people with one image, absent from the gallery, are the impostors. At a threshold t, the
  false alarm rate (FAR) is the share of impostors whose best score is above t; the
  detection and identification rate (DIR) is the share of genuine probes whose best match is
  their own person with a score above t. t is chosen on one group (validation people) and
  applied to another (test people).
Every draw comes from the `rng` given, so scorers judged with generators of one seed see the
same trials.
"""

from dataclasses import dataclass

import numpy as np


class Group:
    """A group's images by person: `person[i]` is image i's person (ids 0..P-1)."""

    def __init__(self, person: np.ndarray):
        self.person = np.asarray(person)
        self.order = np.argsort(self.person, kind="stable")  # image rows, person by person
        self.count = np.bincount(self.person)
        self.start = np.concatenate([[0], np.cumsum(self.count)[:-1]])
        self.repeated = np.flatnonzero(self.count >= 2)  # the people who can be probes

    def __len__(self) -> int:
        return len(self.count)

    def images(self, who: int) -> np.ndarray:
        return self.order[self.start[who]:self.start[who] + self.count[who]]

    def draw(self, people: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One image of each of `people`, at random."""
        return self.order[self.start[people] + rng.integers(0, self.count[people])]


def ranks(scores: np.ndarray, group: Group, ways: int, trials: int,
          rng: np.random.Generator) -> np.ndarray:
    """The rank of the right person in each of `trials` `ways`-way one-shot trials: 1 +
    the number of other gallery images scored at least as high as the right one."""
    if not 2 <= ways <= len(group):
        raise ValueError(f"{ways}-way trials need 2 to {len(group)} people")
    out = np.empty(trials, np.int64)
    for t in range(trials):
        who = rng.choice(group.repeated)
        others = rng.choice(len(group) - 1, ways - 1, replace=False)
        others += others >= who  # any person but the probe's
        probe, shown = rng.choice(group.images(who), 2, replace=False)
        row = scores[probe]
        out[t] = 1 + np.count_nonzero(row[group.draw(others, rng)] >= row[shown])
    return out


def accuracy(ranks_: np.ndarray) -> dict:
    """Rank-1 accuracy of trials with its 95% confidence interval (Wilson's)."""
    from scipy.stats import binomtest

    right = int(np.count_nonzero(ranks_ == 1))
    interval = binomtest(right, len(ranks_)).proportion_ci(0.95, method="wilson")
    return {"accuracy": right / len(ranks_), "low": float(interval.low),
            "high": float(interval.high), "trials": len(ranks_)}


def cmc(ranks_: np.ndarray, top: int) -> list[float]:
    """The share of trials whose right person is within rank k, for k = 1..top."""
    return [float(np.mean(ranks_ <= k)) for k in range(1, top + 1)]


@dataclass(frozen=True)
class OpenSet:
    """Open-set trials: each genuine probe's best score and whether its best match is right,
    and each impostor's best score."""

    genuine: np.ndarray
    right: np.ndarray
    impostor: np.ndarray

    def threshold(self, far: float) -> float:
        """The lowest threshold at which at most a share `far` of impostors score above it."""
        ordered = np.sort(self.impostor)[::-1]
        allowed = int(np.floor(far * len(ordered)))
        return float(ordered[allowed]) if allowed < len(ordered) else float(ordered[-1])

    def at(self, threshold: float) -> dict:
        """DIR and FAR at a threshold."""
        return {"dir": float(np.mean(self.right & (self.genuine > threshold))),
                "far": float(np.mean(self.impostor > threshold))}


def gallery_draws(group: Group, rounds: int, rng: np.random.Generator):
    """`rounds` draws of a gallery of one image of each person with two or more images: per
    round, the gallery images (one per person), the probes (their other images) and each
    probe's person's column in the gallery."""
    repeated = group.repeated
    probes_of = [group.images(i) for i in repeated]
    owner = np.repeat(np.arange(len(repeated)), group.count[repeated] - 1)
    for _ in range(rounds):
        shown = group.draw(repeated, rng)
        probes = np.concatenate([rows[rows != s] for rows, s in zip(probes_of, shown,
                                                                   strict=True)])
        yield shown, probes, owner


def open_set(scores: np.ndarray, group: Group, rounds: int, rng: np.random.Generator) -> OpenSet:
    """`rounds` open-set trials, each with its own draw of the gallery image of each person
    with two or more images."""
    single = group.order[group.start[group.count == 1]]
    genuine, right, impostor = [], [], []
    for shown, probes, owner in gallery_draws(group, rounds, rng):
        against = scores[probes][:, shown]
        genuine.append(against.max(1))
        right.append(against.argmax(1) == owner)
        impostor.append(scores[single][:, shown].max(1))
    return OpenSet(*(np.concatenate(x) for x in (genuine, right, impostor)))


def top_agreement(a: np.ndarray, b: np.ndarray, group: Group, rounds: int,
                  rng: np.random.Generator) -> float:
    """The share of probes whose best match in a gallery (one image of each person with two or
    more) is the same person by the scores `a` and by `b`, over `rounds` draws."""
    same = [a[probes][:, shown].argmax(1) == b[probes][:, shown].argmax(1)
            for shown, probes, _ in gallery_draws(group, rounds, rng)]
    return float(np.mean(np.concatenate(same)))


class People(Group):
    """A group of people and all their images, by file name."""

    def __init__(self, files: list[str]):
        from ..data.pairs import person_of

        self.files = list(files)
        names = [person_of(f) for f in self.files]
        ids = {name: i for i, name in enumerate(dict.fromkeys(names))}
        super().__init__(np.array([ids[n] for n in names], np.int64))


def unseen_people(counts: dict[str, int], dev_train, dev_test, p) -> dict[str, People]:
    """The people the trained model never saw: `val`, those `prepare` held out for validation
    (with `split: pairs`, those in neither development list), and `test`, the people of
    pairsDevTest; every image of each (`counts`: each person's image count)."""
    from ..data.pairs import person_images
    from ..net.mining import split_people

    test = sorted({who for pair in dev_test for who in pair.people})
    if p.split == "pairs":
        seen = {who for pair in (*dev_train, *dev_test) for who in pair.people}
        val = sorted(set(counts) - seen)
    else:
        val = split_people(counts, dev_train, dev_test, p.val_fraction, p.split_seed,
                           stratified=p.split == "stratified")[1]
    return {"val": People(person_images(val, counts)),
            "test": People(person_images(test, counts))}


def impostor_scores(scores: np.ndarray, group: Group) -> np.ndarray:
    """The scores of every pair of two different people's images of a group, each pair once."""
    upper = np.triu(np.ones(scores.shape, bool), 1)
    return scores[upper & (group.person[:, None] != group.person[None, :])]


def far_thresholds(impostors: np.ndarray, fars: np.ndarray) -> np.ndarray:
    """For each false accept rate F, the lowest threshold that at most a share F of the
    impostor pairs' scores pass."""
    ordered = np.sort(impostors)[::-1]
    index = np.minimum(np.floor(np.asarray(fars) * len(ordered)).astype(int), len(ordered) - 1)
    return ordered[index]
