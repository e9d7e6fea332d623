"""Saving and loading: safe mode, byte-identical files."""

import time
import warnings

import keras
import numpy as np
import pytest

from lfw_siamese.net.losses import ContrastiveLoss
from lfw_siamese.net.saving import load_model, save_model
from lfw_siamese.net.training import compiled_model, seed_everything

from .conftest import (
    REFERENCE,
    SLIM,
    blob_pairs,
    params,
)


def test_saved_model_loads_in_safe_mode(tmp_path):
    seed_everything(0)
    model = compiled_model(params(REFERENCE, SLIM, loss="contrastive"))
    save_model(model, tmp_path / "m.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # loading for scoring is quiet
        loaded = load_model(tmp_path / "m.keras")
    data = blob_pairs(4)
    np.testing.assert_allclose(model.predict([data["left"], data["right"]], verbose=0),
                               loaded.predict([data["left"], data["right"]], verbose=0))
    assert isinstance(loaded.loss, ContrastiveLoss)


@pytest.mark.slow
def test_the_same_model_saves_to_the_same_bytes(tmp_path):
    def trained_and_saved(path):
        keras.backend.clear_session()  # layer names restart, as in a new process
        seed_everything(0)
        model = compiled_model(params(REFERENCE, SLIM))
        data = blob_pairs(8)
        model.fit([data["left"], data["right"]], data["label"], epochs=1, verbose=0)
        save_model(model, path)
        return path.read_bytes()

    first = trained_and_saved(tmp_path / "a.keras")
    time.sleep(1.1)  # Keras stamps the save time, to the second, into the file
    assert trained_and_saved(tmp_path / "b.keras") == first
    assert not list(tmp_path.glob(".*"))  # no temporary left behind
    keras.saving.load_model(tmp_path / "b.keras", safe_mode=True)


def test_a_model_with_a_lambda_is_refused(tmp_path):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs))
    model.save(tmp_path / "lambda.keras")
    with pytest.raises(ValueError, match="safe_mode"):
        keras.saving.load_model(tmp_path / "lambda.keras", safe_mode=True)
