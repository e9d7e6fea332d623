import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lfw_siamese.data.pairs import Pair, parse_pairs, read_pairs
from lfw_siamese.errors import LfwError

from .conftest import needs_mirror

DEV = "2\nAnn\t1\t2\nBob\t1\t3\nAnn\t2\tCid\t1\nBob\t1\tCid\t2\n"
FOLDS = "2\t1\nAnn\t1\t2\nAnn\t1\tBob\t1\nBob\t1\t2\nCid\t1\tAnn\t2\n"
COUNTS = {"Ann": 2, "Bob": 3, "Cid": 2}


def test_dev_format_positives_then_negatives():
    pairs = parse_pairs(DEV)
    assert pairs[0] == Pair("Ann/Ann_0001.jpg", "Ann/Ann_0002.jpg", True, 0)
    assert pairs[2] == Pair("Ann/Ann_0002.jpg", "Cid/Cid_0001.jpg", False, 0)
    assert [p.same for p in pairs] == [True, True, False, False]


def test_pairs_txt_folds():
    pairs = parse_pairs(FOLDS)
    assert [(p.fold, p.same) for p in pairs] == [(0, True), (0, False), (1, True), (1, False)]
    assert pairs[3].people == ("Cid", "Ann")


def test_crlf_and_trailing_blank_lines_accepted():
    assert parse_pairs(DEV.replace("\n", "\r\n") + "\r\n\n  \n") == parse_pairs(DEV)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty file"),
        ("two\nAnn 1 2\n", ":1: expected a header"),
        ("3\nAnn 1 2\nBob 1 3\nAnn 2 Cid 1\nBob 1 Cid 2\n", "announces 6 pair lines, the file has 4"),
        ("2\nAnn 1 2\nBob 1\nAnn 2 Cid 1\nBob 1 Cid 2\n", ":3: 'Bob 1': expected 'name i j'"),
        ("2\nAnn 1 2\nBob 1 3\nAnn 2 Cid 1\nBob 1 Cid\n", ":5: 'Bob 1 Cid': expected 'name1 i name2 j'"),
        ("2\nAnn 1 x\nBob 1 3\nAnn 2 Cid 1\nBob 1 Cid 2\n", ":2: 'Ann 1 x': image index 'x'"),
        ("2\nAnn 0 2\nBob 1 3\nAnn 2 Cid 1\nBob 1 Cid 2\n", "image index '0' is not an integer >= 1"),
        ("2\nAnn 1 2\n\nAnn 2 Cid 1\nBob 1 Cid 2\n", ":3: '': expected"),
    ],
)
def test_malformed_lists_name_the_line(text, message):
    with pytest.raises(LfwError) as err:
        parse_pairs(text, "list.txt")
    assert message in str(err.value)
    assert str(err.value).startswith("list.txt")


def test_images_checked_against_the_release():
    assert len(parse_pairs(DEV, counts=COUNTS)) == 4
    with pytest.raises(LfwError) as err:
        parse_pairs(DEV, "x", counts={**COUNTS, "Bob": 2})
    assert str(err.value) == r"x:3: 'Bob\t1\t3': Bob has 2 images, no image 3"
    with pytest.raises(LfwError, match="unknown person 'Cid'"):
        parse_pairs(DEV, "x", counts={"Ann": 2, "Bob": 3})


def test_missing_file(tmp_path):
    with pytest.raises(LfwError, match="pair list not found"):
        read_pairs(tmp_path / "nope.txt")


@needs_mirror
@pytest.mark.parametrize(
    ("name", "pairs", "folds"),
    [("pairsDevTrain.txt", 2200, 1), ("pairsDevTest.txt", 1000, 1), ("pairs.txt", 6000, 10)],
)
def test_official_lists(mirror, name, pairs, folds):
    parsed = read_pairs(mirror / name)
    assert len(parsed) == pairs
    assert sum(p.same for p in parsed) == pairs // 2
    assert len({p.fold for p in parsed}) == folds
    assert all(p.people[0] == p.people[1] for p in parsed if p.same)
    assert all(p.people[0] != p.people[1] for p in parsed if not p.same)


line = st.lists(
    st.sampled_from(["Ann", "Bob_C", "1", "2", "0", "-1", "x", "10", "٣", "²", "\t", " "]),
    max_size=5,
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=80), st.lists(line, max_size=7).map("\n".join)))
def test_any_text_parses_or_raises_lfw_error(text):
    try:
        pairs = parse_pairs(text, counts=COUNTS)
    except LfwError:
        return
    header = [int(h) for h in text.splitlines()[0].split()]
    assert len(pairs) == 2 * header[0] * (header[1] if len(header) == 2 else 1)
    for pair in pairs:
        for name, person in zip((pair.left, pair.right), pair.people, strict=True):
            index = int(re.fullmatch(rf"{person}/{person}_(\d{{4}})\.jpg", name).group(1))
            assert 1 <= index <= COUNTS[person]
        assert not pair.same or pair.people[0] == pair.people[1]
