"""Fusing the net's score with the descriptors' cosines (a logistic regression)."""

import json

import numpy as np
import pytest

from lfw_siamese.errors import LfwError
from lfw_siamese.verification.fusion import Fusion, logit
from lfw_siamese.verification.metrics import auc, roc_curve


def two_systems(n: int, seed: int):
    """Labels and two scores that each see the label through their own, independent noise."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    net = 1 / (1 + np.exp(-(2 * y - 1 + rng.normal(0, 1.2, n))))
    cosine = 0.3 * y + rng.normal(0, 0.2, n)
    return y, net, cosine


def area(y, s):
    return auc(*roc_curve(y, s)[:2])


def test_two_systems_with_different_errors_beat_each_alone_on_new_pairs():
    y, net, cosine = two_systems(2000, 0)
    fusion = Fusion.fit(net, [cosine], y)
    assert fusion.net > 0 and fusion.descriptors[0] > 0
    y2, net2, cosine2 = two_systems(2000, 1)
    fused = fusion(net2, [cosine2])
    assert area(y2, fused) > max(area(y2, net2), area(y2, cosine2)) + 0.02
    expected = 1 / (1 + np.exp(-(fusion.net * logit(net2) + fusion.descriptors[0] * cosine2
                                 + fusion.offset)))
    assert np.allclose(fused, expected)


def test_a_second_descriptor_gets_its_own_weight_and_a_useless_one_next_to_none():
    y, net, cosine = two_systems(4000, 3)
    noise = np.random.default_rng(4).normal(0, 0.2, len(y))
    fusion = Fusion.fit(net, [cosine, noise], y)
    assert len(fusion.descriptors) == 2 and fusion.descriptors[0] > 20 * abs(fusion.descriptors[1])
    with pytest.raises(LfwError, match="fitted for 2 descriptors, given 1"):
        fusion(net, [cosine])


def test_the_cosines_alone_are_fused_without_the_net_and_the_weights_round_trip():
    y, net, cosine = two_systems(400, 2)
    alone = Fusion.fit(None, [cosine], y)
    assert alone.net is None and alone.descriptors[0] > 0
    expected = 1 / (1 + np.exp(-(alone.descriptors[0] * cosine + alone.offset)))
    assert np.allclose(alone(None, [cosine]), expected)
    with pytest.raises(LfwError, match="fitted without the net's scores"):
        alone(net, [cosine])
    fused = Fusion.fit(net, [cosine], y)
    with pytest.raises(LfwError, match="fitted with the net's scores"):
        fused(None, [cosine])
    for fusion in (alone, fused):  # as the verifier's card holds them
        assert Fusion.from_dict(json.loads(json.dumps(fusion.as_dict()))) == fusion


def test_one_kind_of_pair_cannot_be_fitted():
    with pytest.raises(LfwError, match="both same and different"):
        Fusion.fit(np.full(5, 0.9), [np.ones(5)], np.ones(5, int))
