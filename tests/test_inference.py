"""Scoring pairs: test-time augmentation, each distinct image embedded once."""


import keras
import numpy as np

from lfw_siamese.net.calibration import DistinctPairs, calibrate
from lfw_siamese.net.inference import score_pairs
from lfw_siamese.net.mining import mine_pairs
from lfw_siamese.net.model import build_siamese
from lfw_siamese.net.training import seed_everything

from .conftest import LEAN_MODEL, blob_pairs, synthetic_people


def test_test_time_augmentation_averages_the_flipped_pair():
    seed_everything(0)
    model = build_siamese(**LEAN_MODEL, head="l1")
    data = blob_pairs(5, size=32)
    plain = score_pairs(model, data["left"], data["right"])
    flipped = score_pairs(model, data["left"][:, :, ::-1], data["right"][:, :, ::-1])
    np.testing.assert_allclose(score_pairs(model, data["left"], data["right"], tta=True),
                               (plain + flipped) / 2, rtol=1e-5)
    assert not np.allclose(plain, flipped)  # the flip does change the input


def test_distinct_pairs_score_each_image_once_as_the_model_would():
    people = synthetic_people(10, 3, 32, seed=4)
    left, right, label = mine_pairs(people["person"], 60, np.random.default_rng(0))
    pairs = DistinctPairs(people["image"][left], people["image"][right], label)
    assert len(pairs.images) == len(np.unique(np.concatenate([left, right])))
    np.testing.assert_array_equal(pairs.images[pairs.left], people["image"][left])
    np.testing.assert_array_equal(pairs.images[pairs.right], people["image"][right])
    seed_everything(0)
    model = build_siamese(**LEAN_MODEL, head="cosine")
    calibrate(model, pairs)
    cosine = keras.Model(model.inputs, model.get_layer("cosine").output)
    through_model = cosine.predict([people["image"][left], people["image"][right]], verbose=0)
    np.testing.assert_allclose(pairs.cosines(model), through_model[:, 0], atol=1e-5)
    np.testing.assert_allclose(pairs.scores(model),
                               score_pairs(model, people["image"][left], people["image"][right]),
                               atol=1e-4)  # float64 here, float32 in the model
