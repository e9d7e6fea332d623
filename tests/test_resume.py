"""A training killed after an epoch resumes from its checkpoint and ends exactly as if it had
never stopped; a checkpoint from other parameters is never resumed."""

import keras
import numpy as np
import pytest

from lfw_siamese.net.checkpoint import FILE, Checkpoint
from lfw_siamese.net.training import train

from .conftest import TINY_RECIPE as P
from .conftest import tiny_recipe_data as data

pytestmark = pytest.mark.slow  # each trains a few epochs


class Killed(Exception):
    pass


def kill_after(epoch):
    def log(row):
        if row["epoch"] == epoch:
            raise Killed  # like SIGKILL right after the epoch's checkpoint
    return log


def untimed(rows):
    return [{k: v for k, v in r.items() if "seconds" not in k} for r in rows]


def weights(model):
    return [keras.ops.convert_to_numpy(v) for v in model.weights]


@pytest.fixture(scope="module")
def uninterrupted():
    people, val = data()
    return train(P, val, people=people)


def test_killed_training_resumes_and_ends_identical(tmp_path, uninterrupted, capsys):
    people, val = data()
    with pytest.raises(Killed):
        train(P, val, people=people, checkpoint=tmp_path, loggers=[kill_after(3)])
    assert (tmp_path / FILE).is_file()
    logged = []
    run = train(P, val, people=people, checkpoint=tmp_path, loggers=[logged.append])
    assert "resuming after epoch 2" in capsys.readouterr().out  # epoch 3 died before saving
    assert run.resumed_at == 2 and [r["epoch"] for r in logged] == [1, 2, 3, 4]
    assert untimed(run.history) == untimed(uninterrupted.history)
    for a, b in zip(weights(run.model), weights(uninterrupted.model), strict=True):
        np.testing.assert_array_equal(a, b)
    assert not tmp_path.exists()  # a finished run leaves no checkpoint


def test_checkpoint_of_other_parameters_is_not_resumed(tmp_path, uninterrupted, capsys):
    people, val = data()
    with pytest.raises(Killed):
        train(P.replace(lr=0.01), val, people=people, checkpoint=tmp_path,
              loggers=[kill_after(2)])
    run = train(P, val, people=people, checkpoint=tmp_path)
    assert "made with other parameters, code or data: not resumed" in capsys.readouterr().out
    assert run.resumed_at == 0
    assert untimed(run.history) == untimed(uninterrupted.history)


def test_checkpoint_of_other_data_is_not_resumed(tmp_path):
    people, val = data()
    with pytest.raises(Killed):
        train(P, val, people=people, checkpoint=tmp_path, loggers=[kill_after(2)])
    people["image"] = people["image"][:, ::-1].copy()  # same shapes, other pixels
    assert train(P, val, people=people, checkpoint=tmp_path).resumed_at == 0


def test_a_run_killed_after_its_last_epoch_still_ends_with_the_weight_average(
        tmp_path, uninterrupted, monkeypatch):
    people, val = data()
    p = P.replace(ema=0.9)
    with monkeypatch.context() as patch:  # killed after the last checkpoint, before clean-up
        patch.setattr(Checkpoint, "remove", staticmethod(lambda folder: None))
        first = train(p, val, people=people, checkpoint=tmp_path)
    assert untimed(first.history) == untimed(uninterrupted.history)  # the live weights' run
    again = train(p, val, people=people, checkpoint=tmp_path)
    assert again.resumed_at == P.epochs and not tmp_path.exists()
    for a, b in zip(weights(again.model), weights(first.model), strict=True):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(
        weights(first.model), weights(uninterrupted.model), strict=True))
