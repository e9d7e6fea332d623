"""A throw-away copy of this project as a git + DVC repository, and commands run in it."""

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from lfw_siamese.verification.metrics import accuracy

ROOT = Path(__file__).resolve().parents[1]


def run(cmd, cwd, env, check=True):
    """Run `cmd` in `cwd`; with `check`, fail the test with its output if it fails."""
    # The limit only turns a hang into a failure. The longest command of the suite, the ten
    # real View 2 folds, ran past 900 s on a slow 2-core AMD day (numpy matmul 89 GFLOP/s):
    # 3 h is far above any of them on any machine this suite runs on.
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=3 * 3600)
    if check and result.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def copy_project(repo: Path, params: dict, mirror: Path | None = None) -> dict:
    """Copy what git would commit (less data/ and metrics/, and with no dvc.lock) into `repo`,
    with `params` over params.yaml's values, as the first commit of a new git repository.
    view2/dvc.lock stays, as in every clone of the project: its folds, recorded on other
    inputs, are stale there. Returns the environment to run its commands in."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        if (ROOT / name).is_file() and not name.startswith(("data/", "metrics/")):
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)
    (repo / "dvc.lock").unlink(missing_ok=True)
    recipe = yaml.safe_load((repo / "params.yaml").read_text())
    (repo / "params.yaml").write_text(yaml.safe_dump({**recipe, **params}, sort_keys=False))
    env = {**os.environ, "PYTHONPATH": str(repo / "src"),
           "PATH": f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ['PATH']}",
           "GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
           "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.invalid"}
    if mirror is not None:
        env["LFW_MIRROR"] = str(mirror)
    run(["git", "init", "-q", "-b", "main"], repo, env)
    run(["git", "add", "-A"], repo, env)
    run(["git", "commit", "-qm", "the project"], repo, env)
    return env


def recount_view2(repo: Path, folds: int = 10) -> tuple[dict, list[dict]]:
    """View 2's summary and fold results in `repo`, checked against what the fold files
    recount: each fold's accuracy from its pairs' scores at its threshold, the summary's
    per-fold figures, mean, standard error and mean at the training pairs' thresholds."""
    summary = json.loads((repo / "metrics/view2.json").read_text())
    results = [json.loads((repo / f"metrics/view2/fold_{k}.json").read_text())
               for k in range(1, folds + 1)]
    assert summary["folds"] == folds and len(summary["accuracy_per_fold"]) == folds
    for k, fold in enumerate(results, start=1):
        rows = list(csv.DictReader(open(repo / f"metrics/view2/fold_{k}.csv")))
        assert fold["accuracy"] == pytest.approx(accuracy(
            [int(r["label"]) for r in rows], [float(r["score"]) for r in rows],
            fold["threshold"]), abs=1e-12), k
        # the threshold is the calibration fold's best: at least as good as calling every
        # pair "same" (or every pair "different")
        assert fold["calibration_accuracy"] >= 0.5, k
        assert summary["accuracy_per_fold"][k - 1] == round(fold["accuracy"], 4)
        assert summary["net_accuracy_per_fold"][k - 1] == round(fold["net"]["accuracy"], 4)
        assert summary["descriptors_accuracy_per_fold"][k - 1] == round(
            fold["descriptors"]["accuracy"], 4)
        # each fold fused its net with descriptors fitted on its own training people
        assert set(fold["fusion"]) == {"net", "descriptors", "offset"}, k
    acc = np.array([fold["accuracy"] for fold in results])
    assert summary["mean_accuracy"] == pytest.approx(acc.mean(), abs=1e-4)
    assert summary["standard_error"] == pytest.approx(acc.std(ddof=1) / np.sqrt(folds),
                                                      abs=1e-4)
    assert summary["mean_accuracy_at_training_pairs_threshold"] == pytest.approx(
        np.mean([fold["accuracy_at_training_pairs_threshold"] for fold in results]), abs=1e-4)
    return summary, results
