import keras
import numpy as np
import pytest

from lfw_siamese.model import AbsDiff, ContrastiveLoss, build_siamese
from lfw_siamese.params import load_params
from lfw_siamese.training import compiled_model, fit, seed_everything

from .conftest import ROOT, blob_pairs

SLIM = dict(image_size=65, channels=1, filters=[8, 16, 16, 32], dense_units=64)


def count(weights):
    return sum(int(np.prod(w.shape)) for w in weights)


def test_reference_parameter_count_with_defaults():
    p = load_params(ROOT / "params.yaml")
    model = build_siamese(p["image_size"], p["channels"], p["filters"], p["dense_units"],
                          p["batch_norm"])
    assert model.count_params() == 38_966_849
    assert count(model.trainable_weights) == 38_965_697
    assert count(model.non_trainable_weights) == 1_152


def test_without_batch_norm_only_the_bn_parameters_go():
    assert build_siamese(batch_norm=False).count_params() == 38_966_849 - 2 * 1_152


def test_both_inputs_go_through_one_shared_twin():
    model = build_siamese(**SLIM)
    twins = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    assert len(twins) == 1
    kernels = [w for w in model.weights if w.path.endswith("kernel") and "conv" in w.path]
    assert len(kernels) == 4  # one conv stack, not one per input
    assert model.count_params() == twins[0].count_params() + 64 + 1


def test_score_is_symmetric_and_a_probability():
    seed_everything(1)
    model = build_siamese(**SLIM)
    data = blob_pairs(8)
    ab = model.predict([data["left"], data["right"]], verbose=0)
    ba = model.predict([data["right"], data["left"]], verbose=0)
    np.testing.assert_allclose(ab, ba, rtol=1e-6)
    assert ab.shape == (8, 1) and np.all((ab > 0) & (ab < 1))


def test_abs_diff():
    out = AbsDiff()([np.array([[1.0, -2.0]]), np.array([[3.0, 1.0]])])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(out), [[2.0, 3.0]])


def test_contrastive_loss_by_hand():
    loss = ContrastiveLoss(margin=1.0)
    # same pair, score 0.8 -> d = 0.2 -> 0.04; different pair, score 0.3 -> d = 0.7 -> 0.09
    value = loss(np.array([[1.0], [0.0]]), np.array([[0.8], [0.3]]))
    assert float(keras.ops.convert_to_numpy(value)) == pytest.approx((0.04 + 0.09) / 2)


def test_saved_model_loads_in_safe_mode(tmp_path):
    seed_everything(0)
    model = compiled_model({**load_params(ROOT / "params.yaml"), **SLIM, "loss": "contrastive"})
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    data = blob_pairs(4)
    np.testing.assert_allclose(model.predict([data["left"], data["right"]], verbose=0),
                               loaded.predict([data["left"], data["right"]], verbose=0))
    assert isinstance(loaded.loss, ContrastiveLoss)


def test_a_model_with_a_lambda_is_refused(tmp_path):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs))
    model.save(tmp_path / "lambda.keras")
    with pytest.raises(ValueError, match="safe_mode"):
        keras.saving.load_model(tmp_path / "lambda.keras", safe_mode=True)


def test_training_learns_a_synthetic_task():
    p = {**load_params(ROOT / "params.yaml"), **SLIM, "optimizer": "adam", "lr": 0.001,
         "epochs": 4, "batch_size": 32}
    seed_everything(0)
    model = compiled_model(p)
    rows = fit(model, blob_pairs(512, seed=1), blob_pairs(256, seed=2), p)
    assert [r["epoch"] for r in rows] == [1, 2, 3, 4]
    assert rows[-1]["val_accuracy"] > 0.8  # chance is 0.5
    assert rows[1]["learning_rate"] == pytest.approx(0.001 * 0.99)
