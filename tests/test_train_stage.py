"""Where the train stage keeps its checkpoint: in the workspace, also for queued experiments."""

import importlib.util

import pytest

from .conftest import ROOT


@pytest.fixture(scope="module")
def stage():
    spec = importlib.util.spec_from_file_location("train_stage", ROOT / "stages" / "train.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_workspace_run_checkpoints_in_data_checkpoints_train(stage, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DVC_EXP_NAME", raising=False)
    monkeypatch.setenv("DVC_ROOT", str(tmp_path))  # `dvc exp run` / `dvc repro` here
    assert str(stage.checkpoint_folder()) == "data/checkpoints/train"
    monkeypatch.setenv("DVC_EXP_NAME", "exp9")  # a named experiment run in the workspace
    assert str(stage.checkpoint_folder()) == "data/checkpoints/train"


def test_a_queued_experiment_checkpoints_in_the_workspace_it_came_from(stage, tmp_path,
                                                                        monkeypatch):
    copy = tmp_path / ".dvc" / "tmp" / "exps" / "tmpabc"  # where DVC runs a queued experiment
    copy.mkdir(parents=True)
    monkeypatch.chdir(copy)
    monkeypatch.setenv("DVC_ROOT", str(tmp_path))
    monkeypatch.setenv("DVC_EXP_NAME", "exp9")
    assert stage.checkpoint_folder() == tmp_path / "data" / "checkpoints" / "exp-exp9"
