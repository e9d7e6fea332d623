"""Results aggregated over stages must come from runs DVC recorded with the same inputs."""

from pathlib import Path

import pytest
import yaml

from lfw_siamese.errors import LfwError
from lfw_siamese.lockfile import check_same_inputs, recorded_inputs


def record(params_md5: str, code_md5: str = "c0de", scores_md5: str = "5c0e") -> dict:
    return {"cmd": "python stages/view2_judge.py 1",
            "deps": [{"path": "data/lfw", "hash": "md5", "md5": "ab.dir", "nfiles": 5},
                     {"path": "metrics/view2/net_1.csv", "hash": "md5", "md5": scores_md5},
                     {"path": "data/params/view2_judge.json", "hash": "md5", "md5": params_md5},
                     {"path": "src/lfw_siamese/net/training.py", "hash": "md5", "md5": code_md5}],
            "outs": [{"path": "metrics/view2/fold_1.json", "hash": "md5", "md5": "0ut"}]}


def write_lock(tmp_path, monkeypatch, stages: dict) -> Path:
    """view2/dvc.lock in a project at tmp_path, the working directory (as for a stage)."""
    monkeypatch.chdir(tmp_path)
    lock = Path("view2/dvc.lock")
    lock.parent.mkdir()
    lock.write_text(yaml.safe_dump({"schema": "2.0", "stages": stages}))
    return lock


def test_runs_on_the_same_inputs_pass_and_their_inputs_are_read(tmp_path, monkeypatch):
    lock = write_lock(tmp_path, monkeypatch, {f"judge@{k}": record("p1") for k in (1, 2, 3)})
    check_same_inputs(lock, ["judge@1", "judge@2", "judge@3"])
    assert recorded_inputs(lock, "judge@2") == {"data/lfw": "ab.dir",
                                               "metrics/view2/net_1.csv": "5c0e",
                                               "data/params/view2_judge.json": "p1",
                                               "src/lfw_siamese/net/training.py": "c0de"}


def test_a_run_on_other_parameters_or_code_is_refused_naming_what_differs(tmp_path, monkeypatch):
    lock = write_lock(tmp_path, monkeypatch, {"judge@1": record("p1"), "judge@2": record("p1"),
                                 "judge@3": record("p2", "new")})
    with pytest.raises(LfwError) as err:
        check_same_inputs(lock, ["judge@1", "judge@2", "judge@3"])
    message = str(err.value)
    assert "judge@3 ran on other inputs than judge@1" in message
    assert "(data/params/view2_judge.json, src/lfw_siamese/net/training.py)" in message
    assert "dvc repro view2/dvc.yaml" in message


def test_a_stage_without_a_record_or_lock_is_refused_with_the_command_to_run(tmp_path, monkeypatch):
    lock = write_lock(tmp_path, monkeypatch, {"judge@1": record("p1")})
    with pytest.raises(LfwError, match=r"no record of judge@2's run.*dvc repro view2/dvc.yaml"):
        check_same_inputs(lock, ["judge@1", "judge@2"])
    with pytest.raises(LfwError, match="no record of judge@1's run"):
        recorded_inputs(Path("elsewhere/dvc.lock"), "judge@1")
    lock.write_text("- not\n- a lock\n")
    with pytest.raises(LfwError, match="not a DVC lock file"):
        recorded_inputs(lock, "judge@1")


def test_each_folds_own_inputs_are_not_compared(tmp_path, monkeypatch):
    """A fold's judge reads its own net's scores: they differ from fold to fold by design."""
    lock = write_lock(tmp_path, monkeypatch, {"judge@1": record("p1", scores_md5="a"),
                                              "judge@2": record("p1", scores_md5="b")})
    check_same_inputs(lock, ["judge@1", "judge@2"], own="metrics/view2")
    with pytest.raises(LfwError, match=r"judge@2 ran on other inputs.*metrics/view2/net_1.csv"):
        check_same_inputs(lock, ["judge@1", "judge@2"])
