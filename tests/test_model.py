import time

import keras
import numpy as np
import pytest

from lfw_siamese.calibration import DistinctPairs, calibrate
from lfw_siamese.configs import REFERENCE
from lfw_siamese.errors import LfwError
from lfw_siamese.inference import score_pairs
from lfw_siamese.mining import mine_pairs, mine_positive_batches
from lfw_siamese.model import (
    AbsDiff,
    ContrastiveLoss,
    CosFace,
    Cosine,
    CosineClassifier,
    InBatchSoftmax,
    build_siamese,
    save_model,
)
from lfw_siamese.params import load_params
from lfw_siamese.plots import batch_grid
from lfw_siamese.training import (
    CalibrateAndValidate,
    compiled_model,
    learning_rate,
    objective_for,
    seed_everything,
    train,
)

from .conftest import ROOT, blob_pairs

SLIM = dict(image_size=65, channels=1, filters=[8, 16, 16, 32], dense_units=64)
RECIPE = load_params(ROOT / "params.yaml")
KOCH = dict(twin="koch", head="l1")  # build_siamese's other arguments


def params(*overrides: dict, **changes):
    """params.yaml's recipe with some values changed (checked), later ones winning."""
    merged = {}
    for override in (*overrides, changes):
        merged.update(override)
    return RECIPE.replace(**merged)


def count(weights):
    return sum(int(np.prod(w.shape)) for w in weights)


def test_reference_parameter_count():
    p = params(REFERENCE)
    model = build_siamese(image_size=p.image_size, channels=p.channels, filters=p.filters,
                          dense_units=p.dense_units, batch_norm=p.batch_norm, twin=p.twin,
                          head=p.head)
    assert model.count_params() == 38_966_849
    assert count(model.trainable_weights) == 38_965_697
    assert count(model.non_trainable_weights) == 1_152


def test_without_batch_norm_only_the_bn_parameters_go():
    p = params(REFERENCE)
    model = build_siamese(image_size=p.image_size, channels=p.channels, filters=p.filters,
                          dense_units=p.dense_units, batch_norm=False, twin=p.twin, head=p.head)
    assert model.count_params() == 38_966_849 - 2 * 1_152


def test_both_inputs_go_through_one_shared_twin():
    model = build_siamese(**SLIM, **KOCH, batch_norm=True)
    twins = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    assert len(twins) == 1
    kernels = [w for w in model.weights if w.path.endswith("kernel") and "conv" in w.path]
    assert len(kernels) == 4  # one conv stack, not one per input
    assert model.count_params() == twins[0].count_params() + 64 + 1


def test_score_is_symmetric_and_a_probability():
    seed_everything(1)
    model = build_siamese(**SLIM, **KOCH, batch_norm=True)
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
    model = compiled_model(params(REFERENCE, SLIM, loss="contrastive"))
    save_model(model, tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    data = blob_pairs(4)
    np.testing.assert_allclose(model.predict([data["left"], data["right"]], verbose=0),
                               loaded.predict([data["left"], data["right"]], verbose=0))
    assert isinstance(loaded.loss, ContrastiveLoss)


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


def test_training_learns_a_synthetic_task():
    p = params(REFERENCE, SLIM, optimizer="adam", lr=0.001, epochs=4, batch_size=32)
    rows = train(p, blob_pairs(256, seed=2), pairs=blob_pairs(512, seed=1)).history
    assert [r["epoch"] for r in rows] == [1, 2, 3, 4]
    assert rows[-1]["val_accuracy"] > 0.8  # chance is 0.5
    assert rows[1]["learning_rate"] == pytest.approx(0.001 * 0.99)


LEAN = dict(image_size=32, channels=1, filters=[8, 8, 16, 16], dense_units=16, twin="lean")
LEAN_MODEL = dict(**LEAN, batch_norm=True)


def test_lean_twin_shapes_and_shared_weights():
    model = build_siamese(**LEAN_MODEL, head="cosine")
    twin = next(layer for layer in model.layers if isinstance(layer, keras.Model))
    assert twin.output.shape == (None, 16)
    # the score is a learned scale and offset of one cosine: 2 parameters on top of the twin
    assert model.count_params() == twin.count_params() + 2


@pytest.mark.parametrize("head", ["l1", "cosine"])
def test_heads_are_symmetric_probabilities_and_survive_a_safe_reload(tmp_path, head):
    seed_everything(0)
    model = build_siamese(**LEAN_MODEL, head=head)
    data = blob_pairs(6, size=32)
    ab = model.predict([data["left"], data["right"]], verbose=0)
    np.testing.assert_allclose(ab, model.predict([data["right"], data["left"]], verbose=0),
                               rtol=1e-5)
    assert np.all((ab > 0) & (ab < 1))
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    np.testing.assert_allclose(loaded.predict([data["left"], data["right"]], verbose=0), ab,
                               rtol=1e-5)


def test_cosine_by_hand():
    out = Cosine()([np.array([[1.0, 0.0], [1.0, 1.0]]), np.array([[0.0, 2.0], [3.0, 3.0]])])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(out), [[0.0], [1.0]], atol=1e-6)


def test_test_time_augmentation_averages_the_flipped_pair():
    seed_everything(0)
    model = build_siamese(**LEAN_MODEL, head="l1")
    data = blob_pairs(5, size=32)
    plain = score_pairs(model, data["left"], data["right"])
    flipped = score_pairs(model, data["left"][:, :, ::-1], data["right"][:, :, ::-1])
    np.testing.assert_allclose(score_pairs(model, data["left"], data["right"], tta=True),
                               (plain + flipped) / 2, rtol=1e-5)
    assert not np.allclose(plain, flipped)  # the flip does change the input


def mined_objective(pairs_per_epoch: int):
    """Mined, augmented pairs of batch 8 from 10 synthetic people of 4 images (16x16), and
    those people."""
    rng = np.random.default_rng(0)
    people = {"image": rng.integers(0, 256, (40, 16, 16, 1), dtype=np.uint8),
              "person": np.repeat(np.arange(10), 4).astype(np.int32)}
    p = params(train_pairs="mined", pairs_per_epoch=pairs_per_epoch, loss="bce", batch_size=8,
               augment=True, seed=0)
    return objective_for(p, None, people), people


def test_mined_batches_are_balanced_distorted_and_redrawn_each_epoch():
    objective, people = mined_objective(20)
    batches = objective.batches
    assert len(batches) == 3
    (left, right), label = batches[0]
    assert batches.pairs[2].sum() == 10  # the epoch's 20 pairs: half same person
    assert left.shape == (8, 16, 16, 1) and left.dtype == np.uint8 and label.shape == (8,)
    assert not any(np.array_equal(left[0], image) for image in people["image"])  # distorted
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


def test_cosine_schedule_and_early_stopping_keep_the_best_epoch():
    p = params(LEAN, optimizer="adamw", lr=0.01, loss="bce", train_pairs="dev", split="pairs",
               augment=False, weight_decay=0.004, schedule="cosine", epochs=6, patience=1,
               batch_size=32, head="cosine")
    assert learning_rate(p, 0) == pytest.approx(0.01)
    assert learning_rate(p, 3) == pytest.approx(0.005)
    val = blob_pairs(128, size=32, seed=2)
    run = train(p, val, pairs=blob_pairs(256, size=32, seed=1))
    model, rows = run.model, run.history
    best = max(rows, key=lambda r: r["val_auc"])
    assert len(rows) <= 6 and best["epoch"] >= len(rows) - 1  # stopped 1 epoch after the best
    kept = keras.metrics.AUC()(val["label"], score_pairs(model, val["left"], val["right"]))
    assert float(kept) == pytest.approx(best["val_auc"], abs=1e-3)


def test_in_batch_softmax_by_hand():
    loss = InBatchSoftmax(temperature=1.0, reduction=None)
    both = np.array([[1.0, 0.0, 2.0, 0.0], [0.0, 1.0, 0.0, 3.0]])  # left | right, unnormalised
    value = keras.ops.convert_to_numpy(loss(np.array([3.0, 4.0]), both))
    np.testing.assert_allclose(value, [np.log1p(np.exp(-1.0))] * 2, rtol=1e-5)
    # two pairs of the same person: the other pair is not a negative, nothing left to learn
    same = keras.ops.convert_to_numpy(loss(np.array([3.0, 3.0]), both))
    np.testing.assert_allclose(same, [0.0, 0.0], atol=1e-6)


def synthetic_people(n_people, per_person, size, seed):
    """Each person a fixed random pattern; each image that pattern plus noise."""
    rng = np.random.default_rng(seed)
    bases = rng.integers(0, 256, (n_people, size // 4, size // 4))
    images = [np.kron(b, np.ones((4, 4))) + rng.normal(0, 40, (size, size))
              for b in bases for _ in range(per_person)]
    return {"image": np.clip(images, 0, 255).astype(np.uint8)[..., None],
            "person": np.repeat(np.arange(n_people), per_person).astype(np.int32)}


def test_batch_softmax_learns_unseen_people_and_calibrates_the_head():
    p = params(LEAN, head="cosine", loss="batch_softmax", train_pairs="mined",
               pairs_per_epoch=512, batch_size=16, epochs=3, optimizer="adamw", lr=0.003,
               weight_decay=0.004, schedule="cosine", augment=False, patience=0)
    people = synthetic_people(40, 3, 32, seed=1)
    unseen = synthetic_people(20, 3, 32, seed=2)  # validation people never seen in training
    left, right, label = mine_pairs(unseen["person"], 200, np.random.default_rng(0))
    val = {"left": unseen["image"][left], "right": unseen["image"][right], "label": label}
    run = train(p, val, people=people)
    model, rows = run.model, run.history
    assert rows[-1]["val_auc"] > 0.9 and rows[-1]["val_accuracy"] > 0.8
    a, b = model.get_layer("score").get_weights()
    assert a[0, 0] > 1  # the head was calibrated: higher cosine, higher score
    scores = score_pairs(model, val["left"], val["right"])
    assert 0.3 < scores.mean() < 0.7  # calibrated on balanced pairs, not all near 0 or 1


def test_cosface_by_hand():
    loss = CosFace(margin=0.25, scale=2.0, reduction=None)
    left, right = np.array([[0.5, -0.5, 0.0]]), np.array([[0.0, 1.0, 0.0]])
    value = keras.ops.convert_to_numpy(loss(np.array([1.0]), np.hstack([left, right])))

    def cross_entropy(cosines):  # true class 1, its cosine lowered by the margin
        logits = 2.0 * (cosines - np.array([0.0, 0.25, 0.0]))
        return np.log(np.exp(logits).sum()) - logits[1]

    np.testing.assert_allclose(value, [(cross_entropy(left[0]) + cross_entropy(right[0])) / 2],
                               rtol=1e-5)


def test_cosine_classifier_gives_cosines_to_its_centres():
    layer = CosineClassifier(3)
    x = np.array([[3.0, 4.0], [-1.0, 0.0]])
    out = keras.ops.convert_to_numpy(layer(x))
    w = keras.ops.convert_to_numpy(layer.centres)
    expected = (x / np.linalg.norm(x, axis=1, keepdims=True)) @ (w / np.linalg.norm(w, axis=0))
    np.testing.assert_allclose(out, expected, rtol=1e-5)
    assert CosineClassifier.from_config(layer.get_config()).classes == 3


def test_identity_supervision_trains_both_losses_and_keeps_the_saved_model_plain(tmp_path):
    p = params(LEAN, head="cosine", loss="batch_softmax", train_pairs="mined",
               pairs_per_epoch=512, batch_size=16, epochs=3, optimizer="adamw", lr=0.003,
               weight_decay=0.004, schedule="cosine", augment=False, patience=0,
               identity_weight=1.0)
    people = synthetic_people(40, 3, 32, seed=1)
    unseen = synthetic_people(20, 3, 32, seed=2)
    left, right, label = mine_pairs(unseen["person"], 200, np.random.default_rng(0))
    val = {"left": unseen["image"][left], "right": unseen["image"][right], "label": label}
    batch_grid(objective_for(p, None, people).batches[0], tmp_path / "batch.png")  # as the stage
    assert (tmp_path / "batch.png").stat().st_size > 0
    run = train(p, val, people=people)
    rows = run.history
    assert {"accuracy", "embeddings_loss", "identities_loss"} <= rows[-1].keys()
    assert rows[-1]["identities_loss"] < rows[0]["identities_loss"]
    assert rows[-1]["val_auc"] > 0.9
    # the identity centres train the twin but are not part of the siamese model
    assert all(not isinstance(layer, CosineClassifier) for layer in run.model.layers)
    save_model(run.model, tmp_path / "m.keras")
    assert "CosineClassifier" not in (tmp_path / "m.keras").read_bytes().decode("latin-1")


def test_identity_weight_needs_the_in_batch_loss():
    with pytest.raises(LfwError, match="identity_weight: > 0 needs loss: batch_softmax"):
        params(loss="bce", identity_weight=0.5)


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


def test_positive_batches_hold_distinct_people():
    person = np.repeat(np.arange(12), 3)
    left, right, ids = mine_positive_batches(person, 40, 8, np.random.default_rng(0))
    assert np.array_equal(person[left], ids) and np.array_equal(person[right], ids)
    assert np.all(left != right)
    for start in range(0, 40, 8):
        assert len(set(ids[start:start + 8])) == len(ids[start:start + 8])
    with pytest.raises(LfwError, match="batch_size \\(13\\) distinct people"):
        mine_positive_batches(person, 40, 13, np.random.default_rng(0))


def test_two_regions_one_tower_each_fused_to_the_mean_of_their_cosines(tmp_path):
    seed_everything(0)
    lean = dict(image_size=32, channels=1, filters=[4, 8, 8, 8], dense_units=8,
                batch_norm=True, twin="lean", head="cosine")
    model = build_siamese(**lean, regions=2)
    assert model.inputs[0].shape[1:] == (32, 32, 2)
    twin = model.get_layer("twin")
    towers = [twin.get_layer(f"region_{r}") for r in (1, 2)]
    assert model.count_params() == 2 * build_siamese(**lean).count_params() - 2  # one score head
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (6, 32, 32, 2)).astype("float32")
    y = rng.integers(0, 256, (6, 32, 32, 2)).astype("float32")

    def unit(v):
        return v / np.linalg.norm(v, axis=-1, keepdims=True)

    joined = [twin.predict(v, verbose=0) for v in (x, y)]
    np.testing.assert_allclose(np.linalg.norm(joined[0], axis=-1), 1, rtol=1e-5)
    cosines = [np.sum(unit(t.predict(x[..., r:r + 1], verbose=0))
                      * unit(t.predict(y[..., r:r + 1], verbose=0)), axis=-1)
               for r, t in enumerate(towers)]
    np.testing.assert_allclose(np.sum(joined[0] * joined[1], axis=-1), np.mean(cosines, axis=0),
                               rtol=1e-4, atol=1e-5)
    changed = x.copy()
    changed[..., 1] = 255 - changed[..., 1]  # another context region, the same face crop
    moved = twin.predict(changed, verbose=0)
    np.testing.assert_allclose(moved[:, :8], joined[0][:, :8], rtol=1e-5, atol=1e-6)
    assert not np.allclose(moved[:, 8:], joined[0][:, 8:])

    save_model(model, tmp_path / "regions.keras")
    loaded = keras.saving.load_model(tmp_path / "regions.keras", safe_mode=True)
    np.testing.assert_allclose(loaded.predict([x, y], verbose=0), model.predict([x, y], verbose=0),
                               rtol=1e-6)


def test_the_recipe_with_a_context_region_builds_two_towers_from_params():
    p = params(context_crop=200, context_pool=2)
    assert (p.crops, p.input_channels) == ((120, 200), 2)
    model = compiled_model(p)
    assert model.inputs[0].shape[1:] == (p.image_size, p.image_size, 2)
    towers = [layer for layer in model.get_layer("twin").layers if isinstance(layer, keras.Model)]
    assert [t.name for t in towers] == ["region_1", "region_2"]
    widths = [[layer.filters for layer in t.layers if isinstance(layer, keras.layers.Conv2D)]
              for t in towers]
    assert widths == [list(p.filters), list(p.context_filters)] != [list(p.filters)] * 2
    assert [t.input.shape[1:] for t in towers] == [(64, 64, 1), (32, 32, 1)]


def test_a_context_tower_of_its_own_widths_sees_its_region_pooled(tmp_path):
    seed_everything(0)
    lean = dict(image_size=32, channels=1, filters=[4, 8, 8, 8], dense_units=8,
                batch_norm=True, twin="lean", head="cosine")
    model = build_siamese(**lean, regions=2, context_filters=[2, 4, 4, 4], context_pool=2)
    face, context = (model.get_layer("twin").get_layer(f"region_{r}") for r in (1, 2))
    assert context.count_params() < face.count_params()
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (6, 32, 32, 2)).astype("float32")
    pooled = x[..., 1:].reshape(6, 16, 2, 16, 2, 1).mean(axis=(2, 4))  # 2x2 means
    own = context.predict(pooled, verbose=0)
    joined = model.get_layer("twin").predict(x, verbose=0)
    np.testing.assert_allclose(joined[:, 8:],
                               own / np.linalg.norm(own, axis=-1, keepdims=True) / 2 ** 0.5,
                               rtol=1e-4, atol=1e-6)
    save_model(model, tmp_path / "context.keras")
    loaded = keras.saving.load_model(tmp_path / "context.keras", safe_mode=True)
    np.testing.assert_allclose(loaded.predict([x, x[::-1]], verbose=0),
                               model.predict([x, x[::-1]], verbose=0), rtol=1e-6)


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
