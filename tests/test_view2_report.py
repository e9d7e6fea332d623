"""The View 2 report stage on a finished View 2 (the synthetic one of test_view2_pipeline.py):
run again on its folds it writes the same summary, and it refuses folds whose nets or judges
DVC recorded as run on other inputs, writing nothing."""

import json
import shutil
import subprocess
import sys

import pytest
import yaml

from .conftest import ROOT

pytestmark = pytest.mark.slow  # the synthetic View 2, and a stage that draws the ROC


def report(cwd):
    return subprocess.run([sys.executable, str(ROOT / "stages/view2_report.py")], cwd=cwd,
                          capture_output=True, text=True,
                          timeout=1800)  # only turns a hang into a failure: seconds of work


@pytest.fixture
def workspace(synthetic, tmp_path):
    """A finished View 2's fold results, their DVC record and the report's parameters, as
    the report sees them."""
    repo, _, _ = synthetic
    for name in ("view2/dvc.lock", "data/params/view2_report.json", "metrics/view2.json"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(repo / name, tmp_path / name)
    shutil.copytree(repo / "metrics/view2", tmp_path / "metrics/view2")
    return tmp_path


def test_the_report_of_the_folds_is_the_recorded_summary(workspace):
    recorded = (workspace / "metrics/view2.json").read_text()
    (workspace / "metrics/view2.json").unlink()
    result = report(workspace)
    assert result.returncode == 0, result.stderr
    assert json.loads((workspace / "metrics/view2.json").read_text()) == json.loads(recorded)


@pytest.mark.parametrize("kind, params", [("judge", "view2_judge"), ("train", "view2_train")])
def test_a_fold_recorded_on_other_inputs_is_refused_and_nothing_written(workspace, kind, params):
    (workspace / "metrics/view2.json").unlink()
    lock_path = workspace / "view2/dvc.lock"
    lock = yaml.safe_load(lock_path.read_text())
    dep = next(d for d in lock["stages"][f"{kind}@3"]["deps"]
               if d["path"] == f"data/params/{params}.json")
    dep["md5"] = "0" * 32  # fold 3 re-run with other parameters than the rest
    lock_path.write_text(yaml.safe_dump(lock))
    result = report(workspace)
    assert result.returncode == 1
    assert (f"{kind}@3 ran on other inputs than {kind}@1 (data/params/{params}.json)"
            in result.stderr)
    assert not (workspace / "metrics/view2.json").exists()
