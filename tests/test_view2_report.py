"""The View 2 report stage on the committed fold results: it reproduces the committed summary,
and refuses folds that DVC recorded as run on other inputs, writing nothing."""

import json
import shutil
import subprocess
import sys

import pytest
import yaml

from .conftest import ROOT

pytestmark = pytest.mark.slow  # a stage script: imports matplotlib and draws the ROC


def report(cwd):
    return subprocess.run([sys.executable, str(ROOT / "stages/view2_report.py")], cwd=cwd,
                          capture_output=True, text=True,
                          timeout=1800)  # only turns a hang into a failure: seconds of work


@pytest.fixture
def workspace(tmp_path):
    """The committed fold results, their DVC record and parameters, as the report sees them."""
    for name in ("params.yaml", "view2/dvc.lock"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "metrics/view2", tmp_path / "metrics/view2")
    return tmp_path


def test_the_report_of_the_committed_folds_is_the_committed_summary(workspace):
    result = report(workspace)
    assert result.returncode == 0, result.stderr
    assert (json.loads((workspace / "metrics/view2.json").read_text())
            == json.loads((ROOT / "metrics/view2.json").read_text()))


def test_a_fold_recorded_on_other_inputs_is_refused_and_nothing_written(workspace):
    lock_path = workspace / "view2/dvc.lock"
    lock = yaml.safe_load(lock_path.read_text())
    dep = next(d for d in lock["stages"]["fold@3"]["deps"]
               if d["path"] == "data/params/view2_fold.json")
    dep["md5"] = "0" * 32  # fold 3 re-run with other parameters than the rest
    lock_path.write_text(yaml.safe_dump(lock))
    result = report(workspace)
    assert result.returncode == 1
    assert "fold@3 ran on other inputs than fold@1 (data/params/view2_fold.json)" in result.stderr
    assert not (workspace / "metrics/view2.json").exists()
