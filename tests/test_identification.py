"""One-shot identification: the trials' draws, ranks, CMC and the open set, on score grids
whose answers are known; and a grid of pairs scored as the pairs themselves are."""

import numpy as np
import pytest

from lfw_siamese.net.inference import NetScores, net_scores
from lfw_siamese.verification import identification as ident
from lfw_siamese.verification.embeddings import cross_net_scores
from lfw_siamese.verification.grid import Grid, projections, score_grid
from lfw_siamese.verification.verifier import Pairs

from .test_verifier import fitted  # noqa: F401  (a fused verifier, fitted)

# 30 people: the first 20 with 3 images each, the last 10 with one
PERSON = np.concatenate([np.repeat(np.arange(20), 3), np.arange(20, 30)])


def same(person=PERSON) -> np.ndarray:
    return (person[:, None] == person[None, :]).astype(float)


def test_a_group_knows_each_persons_images_and_who_can_be_a_probe():
    group = ident.Group(PERSON)
    assert len(group) == 30 and list(group.repeated) == list(range(20))
    assert list(group.images(4)) == [12, 13, 14] and list(group.images(25)) == [65]
    drawn = group.draw(np.array([4, 4, 4, 4, 25]), np.random.default_rng(0))
    assert set(drawn[:4]) <= {12, 13, 14} and drawn[4] == 65


def test_a_scorer_that_knows_the_person_is_always_right_and_noise_is_right_one_time_in_n():
    group, many = ident.Group(PERSON), ident.Group(np.repeat(np.arange(300), 3))
    for ways in (2, 5, 30):
        perfect = ident.ranks(same(), group, ways, 200, np.random.default_rng(ways))
        noise = ident.ranks(np.random.default_rng(1).random((900, 900)), many, ways, 2000,
                            np.random.default_rng(ways))
        assert (perfect == 1).all()
        result = ident.accuracy(noise)  # 1 / N, within four standard errors
        assert abs(result["accuracy"] - 1 / ways) < 4 * np.sqrt((1 - 1 / ways) / ways / 2000)
        assert result["low"] < result["accuracy"] < result["high"] and result["trials"] == 2000
        assert noise.min() >= 1 and noise.max() <= ways


def test_a_probe_is_never_its_own_gallery_image_and_ties_count_as_wrong():
    """Every image scores 1 with itself and 0 with all others: were a probe its own gallery
    image it would be right; as it is, its person ties with every other and ranks last."""
    group = ident.Group(PERSON)
    ranks = ident.ranks(np.eye(70), group, 10, 300, np.random.default_rng(0))
    assert (ranks == 10).all() and ident.accuracy(ranks)["accuracy"] == 0


def test_the_cmc_curve_counts_probes_within_each_rank():
    assert ident.cmc(np.array([1, 1, 2, 4, 5]), 5) == [0.4, 0.6, 0.6, 0.8, 1.0]


def test_open_set_threshold_keeps_the_false_alarm_rate_and_a_perfect_scorer_detects_all():
    group = ident.Group(PERSON)
    perfect = ident.open_set(same() + 0.1 * np.random.default_rng(0).random((70, 70)), group,
                             3, np.random.default_rng(0))
    assert len(perfect.genuine) == 3 * 40 and len(perfect.impostor) == 3 * 10
    assert perfect.right.all()
    assert perfect.at(perfect.threshold(0.0)) == {"dir": 1.0, "far": 0.0}
    noisy = ident.OpenSet(np.linspace(0, 1, 11), np.ones(11, bool), np.arange(100) / 100)
    threshold = noisy.threshold(0.05)
    assert threshold == 0.94 and noisy.at(threshold) == {"dir": pytest.approx(1 / 11), "far": 0.05}
    assert noisy.at(0.5)["dir"] == pytest.approx(5 / 11)  # 0.6 ... 1.0


def test_a_grid_of_pairs_is_scored_as_the_same_pairs_are(fitted):  # noqa: F811
    """Every (probe, gallery face) of a fused verifier's grid: the same fused, net and
    descriptor scores as those pairs scored one by one."""
    verifier, held_out = fitted
    probes, gallery = np.arange(0, 48, 5), np.arange(48)
    rng = np.random.default_rng(3)
    plain, flipped = rng.random((2, len(probes), len(gallery)))
    descriptors = verifier.descriptors
    grid = Grid((len(probes), len(gallery)), NetScores(plain, flipped),
                projections(descriptors, held_out.faces, probes),
                projections(descriptors, held_out.faces, gallery))
    left, right = np.repeat(probes, len(gallery)), np.tile(gallery, len(probes))
    pairs = Pairs(None, NetScores(plain.ravel(), flipped.ravel()), held_out.faces, left, right)
    by_grid, by_pairs = score_grid(verifier, grid), verifier.score(pairs)
    assert by_grid["fused"].shape == (len(probes), len(gallery))
    assert np.allclose(by_grid["fused"].ravel(), by_pairs["fused"], atol=1e-12)
    assert np.allclose(by_grid["net"].ravel(), by_pairs["net"])
    for a, b in zip(by_grid["descriptors"], by_pairs["descriptors"], strict=True):
        assert np.allclose(a.ravel(), b, atol=1e-6)


@pytest.mark.parametrize("head", ["cosine", "l1"])
def test_the_net_scores_a_grid_from_one_embedding_per_image_as_it_scores_pairs(head):
    """A cosine head as one product of unit embeddings, an absolute-difference head layer by
    layer in blocks: both the net's own score of each pair, plain and flipped."""
    from lfw_siamese.net.model import build_siamese

    model = build_siamese(image_size=32, channels=1, filters=[4, 8, 8, 8], dense_units=8,
                          batch_norm=False, twin="lean", head=head)
    images = np.random.default_rng(0).integers(0, 256, (9, 32, 32, 1)).astype("float32") / 255
    probes, gallery = images[:4], images[4:]
    grid = cross_net_scores(model, probes, gallery)
    pairs = net_scores(model, np.repeat(probes, 5, axis=0), np.tile(gallery, (4, 1, 1, 1)))
    assert grid.plain.shape == (4, 5)
    assert np.allclose(grid.plain.ravel(), pairs.plain, atol=1e-5)
    assert np.allclose(grid.flipped.ravel(), pairs.flipped, atol=1e-5)

