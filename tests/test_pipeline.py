"""End to end: the real DVC pipeline on the real LFW-a data, at a tiny size, in a temp repo."""

import csv
import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml

from lfw_siamese.metrics import best_threshold

from .conftest import MIRROR, ROOT, needs_mirror

pytestmark = [needs_mirror, pytest.mark.slow]

TINY = {"image_size": 65, "filters": [8, 16, 16, 32], "dense_units": 64, "epochs": 1}


def run(cmd, cwd, env, check=True):
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    if check and result.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A git + DVC copy of this project (what git would commit), with tiny parameters."""
    repo = tmp_path_factory.mktemp("project")
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        if (ROOT / name).is_file() and not name.startswith(("data/", "metrics/")):
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)
    (repo / "dvc.lock").unlink(missing_ok=True)
    params = yaml.safe_load((repo / "params.yaml").read_text())
    (repo / "params.yaml").write_text(yaml.safe_dump({**params, **TINY}, sort_keys=False))
    env = {**os.environ, "LFW_MIRROR": str(MIRROR), "PYTHONPATH": str(repo / "src"),
           "PATH": f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ['PATH']}",
           "GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
           "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.invalid"}
    run(["git", "init", "-q", "-b", "main"], repo, env)
    run(["git", "add", "-A"], repo, env)
    run(["git", "commit", "-qm", "tiny"], repo, env)
    run(["dvc", "repro"], repo, env)
    run(["git", "add", "-A"], repo, env)
    run(["git", "commit", "-qm", "repro"], repo, env)
    return repo, env


def test_repro_writes_every_metric(project):
    repo, _ = project
    train = json.loads((repo / "metrics/train.json").read_text())
    assert train["epochs"] == 1 and train["train_pairs"] == 1760
    evaluate = json.loads((repo / "metrics/evaluate.json").read_text())
    assert evaluate["test"]["pairs"] == 1000 and evaluate["val"]["pairs"] == 440
    assert 0 <= evaluate["test"]["accuracy"] <= 1 and 0 <= evaluate["test"]["auc"] <= 1
    dataset = json.loads((repo / "metrics/dataset.json").read_text())
    assert dataset["release"]["images"] == 13233 and dataset["release"]["mode"] == "L"
    assert dataset["pairs"]["fold_10"]["pairs"] == 600
    release = json.loads((repo / "data/lfw/release.json").read_text())
    assert release["fingerprint"].startswith("b819fd65")
    for png in ("training.png", "evaluation.png", "analysis/people_over_50.png"):
        assert (repo / "metrics/plots" / png).read_bytes()[:4] == b"\x89PNG"
    predictions = list(csv.DictReader(open(repo / "metrics/predictions.csv")))
    assert len(predictions) == 440 + 1000


def test_threshold_is_chosen_on_validation_pairs(project):
    repo, _ = project
    rows = list(csv.DictReader(open(repo / "metrics/predictions.csv")))
    val = [(int(r["label"]), float(r["score"])) for r in rows if r["split"] == "val"]
    threshold = json.loads((repo / "metrics/evaluate.json").read_text())["threshold"]
    assert threshold == best_threshold(*zip(*val, strict=True))


def test_second_repro_runs_nothing(project):
    repo, env = project
    out = run(["dvc", "repro"], repo, env).stdout
    assert "Running stage" not in out
    assert "up to date" in run(["dvc", "status"], repo, env).stdout


def test_plots_are_declared(project):
    repo, env = project
    out = run(["dvc", "plots", "show", "--json"], repo, env).stdout
    for name in ("Loss", "Accuracy", "ROC", "Confusion (test)", "metrics/plots/training.png",
                 "metrics/plots/misclassified.png", "metrics/plots/analysis/top_pairsDevTrain.png"):
        assert name in out


def test_mistyped_experiment_parameter_is_refused(project):
    repo, env = project
    # DVC itself refuses `-S optimzer=...`; `-S +optimzer=...` adds the key, and the stage
    # must refuse it before any work.
    result = run(["dvc", "exp", "run", "-S", "optimzer=adam"], repo, env, check=False)
    assert result.returncode != 0 and "optimzer" in result.stderr
    result = run(["dvc", "exp", "run", "-S", "+optimzer=adam"], repo, env, check=False)
    assert result.returncode != 0
    assert "unknown parameter 'optimzer' (did you mean 'optimizer'?)" in result.stderr
    run(["git", "checkout", "params.yaml"], repo, env)


def test_experiment_then_metrics_diff(project):
    repo, env = project
    out = run(["dvc", "exp", "run", "-S", "optimizer=adam", "-S", "lr=0.001"], repo, env).stdout
    assert "Running stage 'train'" in out and "Running stage 'evaluate'" in out
    assert "Running stage 'prepare'" not in out  # only training parameters changed
    diff = json.loads(run(["dvc", "metrics", "diff", "--json"], repo, env).stdout)
    changed = diff["metrics/evaluate.json"]
    assert "test.auc" in changed and changed["test.auc"]["old"] != changed["test.auc"]["new"]


def test_grid_queues_runs_and_tabulates(project):
    repo, env = project
    run(["git", "checkout", "params.yaml"], repo, env)  # undo the applied experiment
    grid = [sys.executable, str(repo / "scripts/grid.py")]
    run(grid + ["queue", "--size", "tiny", "--only", "sgd-bn-bce", "adam-bn-contrastive"],
        repo, env)
    run(["dvc", "exp", "run", "--run-all"], repo, env)
    table = run(grid + ["table", "--out", "grid.md"], repo, env).stdout
    lines = table.splitlines()
    assert lines[0].startswith("| experiment | optimizer | lr |")
    rows = {line.split(" | ")[0].lstrip("| "): line for line in lines[2:]}
    assert set(rows) >= {"sgd-bn-bce-tiny", "adam-bn-contrastive-tiny"}
    assert "| adam | 0.0002 | True | contrastive | 1 |" in rows["adam-bn-contrastive-tiny"]
    assert (repo / "grid.md").read_text() == table
