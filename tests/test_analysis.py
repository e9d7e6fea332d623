from lfw_siamese.data import analysis as a
from lfw_siamese.data.pairs import parse_pairs

# Worked out by hand. Positives: Ann, Ann, Bob. Negatives: Ann-Cid, Dan-Cid, Eve-Bob.
# People in positive {Ann, Bob}; in negative {Ann, Cid, Dan, Eve, Bob}; in both {Ann, Bob}.
DEV = """3
Ann 1 2
Ann 1 3
Bob 1 2
Ann 2 Cid 1
Dan 1 Cid 1
Eve 1 Bob 3
"""
# Two folds of 1+1: fold 1 = Ann+, Ann-Bob; fold 2 = Cid+, Dan-Eve.
FOLDS = "2 1\nAnn 1 2\nAnn 1 Bob 1\nCid 1 2\nDan 1 Eve 1\n"


def test_pair_stats_by_hand():
    s = a.pair_stats(parse_pairs(DEV))
    assert s == {
        "pairs": 6, "positive": 3, "negative": 3, "people": 5,
        "people_in_positive": 2, "people_in_negative": 5, "people_in_both": 2,
        "images": 9,  # Ann 1,2,3; Bob 1,2,3; Cid 1; Dan 1; Eve 1
    }


def test_top_appearances():
    top = a.top_appearances(parse_pairs(DEV), n=2)
    assert top["positive"] == [("Ann", 2), ("Bob", 1)]
    assert top["negative"] == [("Cid", 2), ("Ann", 1)]  # ties broken by name
    assert top["both"] == [("Ann", 3), ("Bob", 2)]


def test_folds_counted_separately():
    pairs = parse_pairs(FOLDS)
    fold1 = a.pair_stats([p for p in pairs if p.fold == 0])
    fold2 = a.pair_stats([p for p in pairs if p.fold == 1])
    assert (fold1["people"], fold1["people_in_both"]) == (2, 1)
    assert (fold2["people"], fold2["people_in_both"]) == (3, 0)
    assert a.pair_stats(pairs)["people"] == 5


def test_overlap_between_sets():
    dev, folds = parse_pairs(DEV), parse_pairs(FOLDS)
    # shared people: all five; shared images: Ann_1, Ann_2, Bob_1, Cid_1, Dan_1, Eve_1
    assert a.overlap(dev, folds) == {"people": 5, "images": 6}


def test_release_stats():
    counts = {"A": 60, "B": 1, "C": 1, "D": 7}
    assert a.release_stats(counts) == {
        "images": 69, "people": 4, "people_over_50_images": 1, "people_with_one_image": 2,
        "people_with_2_or_more_images": 2, "max_images_per_person": 60,
    }
