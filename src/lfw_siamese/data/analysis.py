"""Dataset statistics of a release and its pair lists, computed from the files.

A same-person line `name i j` is a positive pair of `name`; a line `name1 i name2 j` is a
negative pair contributing both names. "People in positive pairs" counts distinct names, and
so on; an appearance is one pair in which a person takes part.
"""

from collections import Counter

from .pairs import Pair, people_of


def release_stats(counts: dict[str, int]) -> dict:
    """Images and people of a release, from the number of images per person."""
    return {
        "images": sum(counts.values()),
        "people": len(counts),
        "people_over_50_images": sum(n > 50 for n in counts.values()),
        "people_with_one_image": sum(n == 1 for n in counts.values()),
        "people_with_2_or_more_images": sum(n >= 2 for n in counts.values()),
        "max_images_per_person": max(counts.values(), default=0),
    }


def appearances(pairs: list[Pair]) -> tuple[Counter, Counter]:
    """Per person: number of positive pairs and number of negative pairs they appear in."""
    positive, negative = Counter(), Counter()
    for pair in pairs:
        if pair.same:
            positive[pair.people[0]] += 1
        else:
            negative.update(set(pair.people))
    return positive, negative


def pair_stats(pairs: list[Pair]) -> dict:
    """Counts of one pair list (or one fold, or one side of a split)."""
    positive, negative = appearances(pairs)
    return {
        "pairs": len(pairs),
        "positive": sum(p.same for p in pairs),
        "negative": sum(not p.same for p in pairs),
        "people": len(positive.keys() | negative.keys()),
        "people_in_positive": len(positive),
        "people_in_negative": len(negative),
        "people_in_both": len(positive.keys() & negative.keys()),
        "images": len(images_of(pairs)),
    }


def top_appearances(pairs: list[Pair], n: int = 10) -> dict[str, list[tuple[str, int]]]:
    """The n most frequent people in positive pairs, negative pairs, and in both (total)."""
    positive, negative = appearances(pairs)
    both = Counter({k: positive[k] + negative[k] for k in positive.keys() & negative.keys()})

    def top(counter):  # ties broken by name, so the table is stable
        return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n]

    return {"positive": top(positive), "negative": top(negative), "both": top(both)}


def images_of(pairs: list[Pair]) -> set[str]:
    return {f for pair in pairs for f in (pair.left, pair.right)}


def overlap(a: list[Pair], b: list[Pair]) -> dict:
    """People and images that two sets of pairs share (identity leakage between them)."""
    return {
        "people": len(people_of(a) & people_of(b)),
        "images": len(images_of(a) & images_of(b)),
    }
