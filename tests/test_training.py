"""train(): the objectives, the batches they feed, the schedule, early stopping."""


import keras
import numpy as np
import pytest

from lfw_siamese.errors import LfwError
from lfw_siamese.net.calibration import DistinctPairs
from lfw_siamese.net.inference import score_pairs
from lfw_siamese.net.mining import mine_pairs
from lfw_siamese.net.model import build_siamese
from lfw_siamese.net.objectives import CalibrateAndValidate, CosineClassifier, objective_for
from lfw_siamese.net.optimizers import learning_rate
from lfw_siamese.net.saving import save_model
from lfw_siamese.net.training import recompute_batch_norm, seed_everything, train
from lfw_siamese.plots import batch_grid

from .conftest import LEAN, LEAN_MODEL, REFERENCE, SLIM, blob_pairs, params, synthetic_people


@pytest.mark.slow
def test_training_learns_a_synthetic_task():
    p = params(REFERENCE, SLIM, optimizer="adam", lr=0.001, epochs=4, batch_size=32)
    rows = train(p, blob_pairs(256, seed=2), pairs=blob_pairs(512, seed=1)).history
    assert [r["epoch"] for r in rows] == [1, 2, 3, 4]
    assert rows[-1]["val_accuracy"] > 0.8  # chance is 0.5
    assert rows[1]["learning_rate"] == pytest.approx(0.001 * 0.99)


def mined_objective(pairs_per_epoch: int):
    """Mined, augmented pairs of batch 8 from 10 synthetic people of 4 images (16x16), and
    those people."""
    rng = np.random.default_rng(0)
    people = {"image": rng.integers(0, 256, (40, 16, 16, 1), dtype=np.uint8),
              "person": np.repeat(np.arange(10), 4).astype(np.int32)}
    p = params(train_pairs="mined", pairs_per_epoch=pairs_per_epoch, loss="bce", batch_size=8,
               augment=True, seed=0)
    return objective_for(p, None, people), people


def test_mined_batches_are_balanced_gathered_and_redrawn_each_epoch():
    objective, people = mined_objective(20)
    batches = objective.batches
    assert len(batches) == 3
    (left, right), label = batches[0]
    assert batches.pairs[2].sum() == 10  # the epoch's 20 pairs: half same person
    assert left.shape == (8, 16, 16, 1) and left.dtype == np.uint8 and label.shape == (8,)
    assert np.array_equal(left, people["image"][batches.pairs[0][:8]])  # distorted in the step
    first = batches.pairs[0].copy()
    batches.on_epoch_end()
    batches[0]
    assert not np.array_equal(first, batches.pairs[0])


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="tf.data only")
def test_keras_feeds_mined_batches_without_autotuning_and_unchanged():
    from keras.src.trainers.data_adapters.py_dataset_adapter import PyDatasetAdapter

    seed_everything(0)

    def epoch(get_tf_dataset):
        dataset = get_tf_dataset(PyDatasetAdapter(mined_objective(24)[0].batches))
        batches = [((a.numpy(), b.numpy()), y.numpy()) for (a, b), y in dataset]
        return dataset, batches

    dataset, got = epoch(PyDatasetAdapter.get_tf_dataset)
    assert dataset.options().autotune.enabled is False
    _, expected = epoch(PyDatasetAdapter.get_tf_dataset.__wrapped__)  # Keras' own
    assert len(got) == len(expected) == 3
    for ((l1, r1), y1), ((l2, r2), y2) in zip(got, expected, strict=True):
        assert np.array_equal(l1, l2) and np.array_equal(r1, r2) and np.array_equal(y1, y2)


@pytest.mark.slow
def test_cosine_schedule_and_early_stopping_keep_the_best_epoch():
    p = params(LEAN, optimizer="adamw", lr=0.01, loss="bce", train_pairs="dev", split="pairs",
               augment=False, weight_decay=0.004, schedule="cosine", epochs=8, patience=2,
               batch_size=32, head="cosine")
    assert learning_rate(p, 0) == pytest.approx(0.01)
    assert learning_rate(p, 4) == pytest.approx(0.005)
    # Validation labels the opposite of the training task's: the better the model learns, the
    # worse its validation AUC, so the best epoch comes early and is not the last one.
    val = blob_pairs(128, size=32, seed=2)
    val["label"] = 1 - val["label"]
    run = train(p, val, pairs=blob_pairs(256, size=32, seed=1))
    rows = run.history
    best, last = max(rows, key=lambda r: r["val_auc"]), rows[-1]
    assert last["epoch"] == best["epoch"] + 2 < 8  # stopped `patience` epochs after the best
    assert best["val_auc"] > last["val_auc"] + 0.002
    kept = float(keras.metrics.AUC()(val["label"], score_pairs(run.model, val["left"],
                                                               val["right"])))
    assert kept == pytest.approx(best["val_auc"], abs=1e-3)  # the best epoch's weights,
    assert abs(kept - last["val_auc"]) > 1e-3                # not the last one's


@pytest.mark.slow
def test_batch_softmax_with_identities_learns_unseen_people_and_calibrates_the_head(tmp_path):
    """In-batch negatives plus identity supervision (the recipe's loss with identity_weight
    on): both losses train, unseen people are told apart, the head is calibrated, and the
    identity centres stay out of the saved siamese model."""
    p = params(LEAN, head="cosine", loss="batch_softmax", train_pairs="mined",
               pairs_per_epoch=512, batch_size=16, epochs=3, optimizer="adamw", lr=0.003,
               weight_decay=0.004, schedule="cosine", augment=False, patience=0,
               identity_weight=1.0)
    people = synthetic_people(40, 3, 32, seed=1)
    unseen = synthetic_people(20, 3, 32, seed=2)  # validation people never seen in training
    left, right, label = mine_pairs(unseen["person"], 200, np.random.default_rng(0))
    val = {"left": unseen["image"][left], "right": unseen["image"][right], "label": label}
    batch_grid(objective_for(p, None, people).batches[0], tmp_path / "batch.png")  # as the stage
    assert (tmp_path / "batch.png").stat().st_size > 0
    run = train(p, val, people=people)
    model, rows = run.model, run.history
    assert {"accuracy", "embeddings_loss", "identities_loss"} <= rows[-1].keys()
    assert rows[-1]["identities_loss"] < rows[0]["identities_loss"]
    assert rows[-1]["val_auc"] > 0.9 and rows[-1]["val_accuracy"] > 0.8
    a, b = model.get_layer("score").get_weights()
    assert a[0, 0] > 1  # the head was calibrated: higher cosine, higher score
    scores = score_pairs(model, val["left"], val["right"])
    assert 0.3 < scores.mean() < 0.7  # calibrated on balanced pairs, not all near 0 or 1
    # the identity centres train the twin but are not part of the siamese model
    assert all(not isinstance(layer, CosineClassifier) for layer in model.layers)
    save_model(model, tmp_path / "m.keras")
    assert "CosineClassifier" not in (tmp_path / "m.keras").read_bytes().decode("latin-1")


def test_identity_weight_needs_the_in_batch_loss():
    with pytest.raises(LfwError, match="identity_weight: > 0 needs loss: batch_softmax"):
        params(loss="bce", identity_weight=0.5)


def test_in_batch_validation_logs_what_keras_evaluate_gives():
    people = synthetic_people(10, 3, 32, seed=5)
    left, right, label = mine_pairs(people["person"], 80, np.random.default_rng(1))
    val = {"left": people["image"][left], "right": people["image"][right], "label": label}
    seed_everything(0)
    model = build_siamese(**LEAN_MODEL, head="cosine")
    model.compile(loss="binary_crossentropy", metrics=[keras.metrics.BinaryAccuracy("accuracy"),
                                                        keras.metrics.AUC(name="auc")])
    calibration = DistinctPairs(val["left"], val["right"], label)
    logs = {}
    CalibrateAndValidate(model, calibration, val).on_epoch_end(0, logs)
    expected = model.evaluate((val["left"], val["right"]), label, verbose=0, return_dict=True)
    assert logs["val_accuracy"] == pytest.approx(expected["accuracy"])
    assert logs["val_loss"] == pytest.approx(expected["loss"], abs=1e-5)
    assert logs["val_auc"] == pytest.approx(expected["auc"], abs=1e-3)


@pytest.mark.slow
def test_the_context_tower_learns_who_is_who_when_only_its_region_tells(tmp_path):
    """Region 1 is noise, region 2 the person's pattern: validation on unseen people can only
    be high if the second tower trains (augmented, as the recipe trains)."""
    p = params(LEAN, head="cosine", loss="batch_softmax", train_pairs="mined",
               pairs_per_epoch=512, batch_size=16, epochs=3, optimizer="adamw", lr=0.003,
               weight_decay=0.004, schedule="cosine", augment=True, patience=0,
               context_crop=200)
    rng = np.random.default_rng(0)

    def with_noise_region(people):
        noise = rng.integers(0, 256, people["image"].shape, dtype=np.uint8)
        return {**people, "image": np.concatenate([noise, people["image"]], axis=-1)}

    people = with_noise_region(synthetic_people(40, 3, 32, seed=1))
    unseen = with_noise_region(synthetic_people(20, 3, 32, seed=2))
    left, right, label = mine_pairs(unseen["person"], 200, np.random.default_rng(0))
    val = {"left": unseen["image"][left], "right": unseen["image"][right], "label": label}
    batch_grid(objective_for(p, None, people).batches[0], tmp_path / "batch.png")  # as the stage
    run = train(p, val, people=people)
    assert run.model.inputs[0].shape[1:] == (32, 32, 2)
    assert run.history[-1]["val_auc"] > 0.85


def test_batch_norm_statistics_are_recomputed_as_the_mean_over_an_epoch():
    inputs = keras.Input((3, 3, 2))
    norm = keras.layers.BatchNormalization()
    twin = keras.Model(inputs, keras.layers.Flatten()(norm(inputs)))
    rng = np.random.default_rng(0)
    batches = [((rng.normal(i, 1 + i, (4, 3, 3, 2)), rng.normal(-i, 1, (4, 3, 3, 2))), None)
               for i in range(5)]
    recompute_batch_norm(twin, batches)
    both = [np.concatenate(sides).reshape(-1, 2) for sides, _ in batches]
    np.testing.assert_allclose(keras.ops.convert_to_numpy(norm.moving_mean),
                               np.mean([b.mean(axis=0) for b in both], axis=0), rtol=1e-5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(norm.moving_variance),
                               np.mean([b.var(axis=0) for b in both], axis=0), rtol=1e-4)
    assert norm.momentum == 0.99  # the layer's own setting is back
