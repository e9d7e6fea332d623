"""LFW_DATA_PARALLEL=1: one training spread over every device (Keras' DataParallel, JAX),
checked on two fake CPU devices against the same training on one."""

import json
import os
import subprocess
import sys

import pytest

from lfw_siamese.backend import DATA_PARALLEL, data_parallel
from lfw_siamese.errors import LfwError

from .conftest import ROOT

# TINY_RECIPE for 3 epochs: per-epoch losses and validation AUC; then where a training batch
# of 16 pairs goes (the devices holding a share of it, and how many rows each holds, as the
# distribution in force lays batches out) and on how many devices each weight lives.
TRAIN = """
import json
import keras
import numpy as np
from lfw_siamese.net.training import train
from tests.conftest import TINY_RECIPE, tiny_recipe_data

people, val = tiny_recipe_data()
run = train(TINY_RECIPE.replace(epochs=3), val, people=people)
d = keras.distribution.distribution()
batch, shards = np.zeros((16, 32, 32, 1), "float32"), []
if d is not None:
    laid = keras.distribution.distribute_tensor(batch, d.get_data_layout(batch.shape))
    shards = sorted([str(s.device), s.data.shape[0]] for s in laid.addressable_shards)
print(json.dumps({"devices": run.devices, "loss": [r["loss"] for r in run.history],
                  "val_auc": [r["val_auc"] for r in run.history], "batch_shards": shards,
                  "weight_devices": sorted({len(w.value.sharding.device_set)
                                            for w in run.model.weights})}))
"""


def trained(switch: str) -> dict:
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_NUM_CPU_DEVICES": "2",
           "XLA_FLAGS": "--xla_force_host_platform_device_count=2", DATA_PARALLEL: switch,
           "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}
    out = subprocess.run([sys.executable, "-c", TRAIN], env=env, cwd=ROOT, capture_output=True,
                         text=True,
                         timeout=3600)  # a hang, not speed: ~48 s on a slow day
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_two_devices_train_as_one():
    pytest.importorskip("jax", reason="the JAX backend is not installed (pip install jax)")
    one, two = trained("0"), trained("1")
    assert (one["devices"], two["devices"]) == (1, 2)
    # on two devices, each holds half of every batch and a copy of every weight
    assert one["batch_shards"] == [] and one["weight_devices"] == [1]
    assert [rows for _, rows in two["batch_shards"]] == [8, 8]
    assert len({device for device, _ in two["batch_shards"]}) == 2
    assert two["weight_devices"] == [2]
    # A loss over each device's half batch alone would differ by far more (8 negatives, not 16).
    assert two["loss"] == pytest.approx(one["loss"], rel=1e-4)
    assert two["val_auc"] == pytest.approx(one["val_auc"], abs=1e-3)


def test_the_switch_refuses_a_bad_value_and_other_backends(monkeypatch):
    monkeypatch.setenv(DATA_PARALLEL, "yes")
    with pytest.raises(LfwError, match=r"LFW_DATA_PARALLEL='yes': expected 1 .* or 0"):
        data_parallel({64})
    monkeypatch.setenv(DATA_PARALLEL, "0")
    assert data_parallel({64}) == 1
    import keras

    if keras.backend.backend() != "jax":
        monkeypatch.setenv(DATA_PARALLEL, "1")
        with pytest.raises(LfwError, match="needs the JAX backend"):
            data_parallel({64})


def test_jax_keeps_compiled_steps_in_a_cache_unless_told_otherwise(monkeypatch, tmp_path):
    from lfw_siamese.backend import configure_environment

    monkeypatch.delenv("JAX_COMPILATION_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    configure_environment()
    assert os.environ["JAX_COMPILATION_CACHE_DIR"] == str(tmp_path / "lfw-siamese" / "jax")
    monkeypatch.setenv("JAX_COMPILATION_CACHE_DIR", "/elsewhere")
    configure_environment()
    assert os.environ["JAX_COMPILATION_CACHE_DIR"] == "/elsewhere"
