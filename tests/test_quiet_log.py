"""The log of training and scoring holds TensorFlow's warnings and errors, not its chatter:
no start-up information as it loads, no tf.data error line at each validation or prediction.
(A whole `dvc repro` log is checked by tests/test_pipeline.py.)"""

import subprocess
import sys

import keras
import numpy as np
import pytest

from lfw_siamese.backend import predict, start_up_chatter
from lfw_siamese.net.model import build_siamese

from .conftest import LEAN_MODEL, ROOT, synthetic_people

LINES = {
    "I0000 00:00:1796681262.072644    2089 port.cc:153] oneDNN custom operations are on.": True,
    "I0000 00:00:1733000000.5 12 cpu_feature_guard.cc:210] This TensorFlow binary is": True,
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR":
        True,
    "W0000 00:00:1796681262.072644    2089 port.cc:153] a warning": False,
    "E0000 00:00:1796681266.805611    2089 node_def_util.cc:682] an error": False,
    "epoch 1/50: 0:01:12 elapsed, about 0:58:48 left": False,
    "I0000 is not a log line": False,
}


@pytest.mark.parametrize("line, chatter", LINES.items())
def test_start_up_information_is_told_from_warnings_and_errors(line, chatter):
    assert start_up_chatter(line + "\n") is chatter


def test_predictions_batch_by_batch_are_what_model_predict_gives():
    """The same batches (the last one short), so the very same numbers."""
    images = synthetic_people(5, 7, 32, seed=3)["image"]
    model = build_siamese(**LEAN_MODEL, head="cosine")
    left, right = images, images[::-1]
    got = predict(model, [left, right], 16)
    assert got.shape == (35, 1)
    assert np.array_equal(got, model.predict([left, right], batch_size=16, verbose=0))


SCRIPT = """
import os
from lfw_siamese.backend import configure_environment
configure_environment()
import keras
from lfw_siamese.backend import _filtered_stderr, predict
from lfw_siamese.net.training import train
from tests.conftest import REFERENCE, SLIM, TINY_RECIPE, blob_pairs, params, tiny_recipe_data

# bce validated by Keras (pairs enough for its arrays to be batched in parallel), then batch_softmax validated by its callback (predictions)
run = train(params(REFERENCE, SLIM, epochs=2, batch_size=32), blob_pairs(600, seed=2),
            pairs=blob_pairs(96, seed=1))
people, val = tiny_recipe_data()
recipe = train(TINY_RECIPE.replace(epochs=2), val, people=people)
predict(recipe.model, [val["left"], val["right"]], 16)
with _filtered_stderr():  # what else is written while TensorFlow loads passes on
    os.write(2, b"I1207 12:00:00.000000 1 fake.cc:1] dropped\\n")
    os.write(2, b"E1207 12:00:00.000000 1 fake.cc:1] kept\\n")
print("trained", run.history[-1]["val_accuracy"] >= 0)
"""


@pytest.mark.slow
@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="TensorFlow's log")
def test_training_and_predicting_log_no_tensorflow_chatter():
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True,
                          text=True, timeout=3600)
    assert done.returncode == 0, done.stderr
    assert "trained True" in done.stdout
    assert "epoch 2/2:" in done.stdout  # the runs' progress is still shown
    log = done.stdout + done.stderr
    for noise in ("I0000", "absl::InitializeLog", "E0000", "use_unbounded_threadpool",
                  "dropped"):
        assert noise not in log
    assert "E1207 12:00:00.000000 1 fake.cc:1] kept" in done.stderr
