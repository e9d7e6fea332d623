"""The siamese network: its twins, heads and layers, built from parameters."""


import keras
import numpy as np
import pytest

from lfw_siamese.net.model import AbsDiff, Cosine, build_siamese, siamese_for
from lfw_siamese.net.saving import save_model
from lfw_siamese.net.training import compiled_model, seed_everything

from .conftest import KOCH, LEAN_MODEL, REFERENCE, SLIM, blob_pairs, count, params


def test_reference_parameter_count():
    model = siamese_for(params(REFERENCE))
    assert model.count_params() == 38_966_849
    assert count(model.trainable_weights) == 38_965_697
    assert count(model.non_trainable_weights) == 1_152


def test_without_batch_norm_only_the_bn_parameters_go():
    model = siamese_for(params(REFERENCE, batch_norm=False))
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
