"""View 2 end to end on a synthetic LFW (tests/synthetic_lfw.py), in a temporary git + DVC
repository: the ten folds and the report, a no-op repeat, a fold re-run alone refused by the
report, two folds through DVC's queue, and a clone sharing the cache that trains nothing.

The synthetic release is placed as the download stage's output and that stage recorded as
done (`dvc commit`), in the test's own repository only: the product's download stage keeps
checking the real release's pinned fingerprint. The same on the real LFW-a: `make test-full`
(test_pipeline.py).
"""

import csv
import json
import sys

import numpy as np
import pytest
import yaml

from .conftest import fusion_features
from .project import copy_project, recount_view2, run
from .synthetic_lfw import FOLDS, SAME, write_release

pytestmark = pytest.mark.slow

SYNTHETIC = {"image_size": 32, "filters": [4, 8, 8, 8], "dense_units": 8, "epochs": 1,
             "pairs_per_epoch": 64, "batch_size": 8, "val_pairs": 20, "lbp_cells": [4],
             "lbp_crops": [120], "lbp_pca": 16}


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory):
    """The project on the synthetic LFW, View 2 run and committed (the main pipeline's other
    stages are the real pipeline test's: test_pipeline.py)."""
    repo = tmp_path_factory.mktemp("synthetic")
    env = copy_project(repo, SYNTHETIC)
    run(["dvc", "repro", "check_params"], repo, env)
    write_release(repo / "data/lfw")
    run(["dvc", "commit", "-f", "download"], repo, env)
    ten = run(["dvc", "repro", "view2/dvc.yaml"], repo, env).stdout
    run(["git", "add", "-A"], repo, env)
    run(["git", "commit", "-qm", "View 2"], repo, env)
    return repo, env, ten


def clone(synthetic, tmp_path):
    """A git clone of the synthetic project sharing its DVC cache, View 2's inputs checked
    out."""
    repo, env, _ = synthetic
    there = tmp_path / "clone"
    run(["git", "clone", "-q", str(repo), str(there)], tmp_path, env)
    env = {**env, "PYTHONPATH": str(there / "src")}
    run(["dvc", "cache", "dir", "--local", str(repo / ".dvc/cache")], there, env)
    run(["dvc", "checkout", "download", "view2_prepare"], there, env)  # what View 2 reads
    return there, env


def fold_result(repo, k):
    return json.loads((repo / f"metrics/view2/fold_{k}.json").read_text())


def test_ten_folds_then_the_report_then_nothing(synthetic):
    repo, env, ten = synthetic
    assert ten.count("Running stage 'view2/dvc.yaml:fold@") == FOLDS
    _, folds = recount_view2(repo, FOLDS)
    for k, fold in enumerate(folds, start=1):
        assert fold["pairs"] == 2 * SAME and fold["fold"] == k
        assert fold["calibration_fold"] == (k - 1 or FOLDS)
        assert len(fold["fusion"]["descriptors"]) == 1  # lbp_cells [4] on lbp_crops [120]
    again = run(["dvc", "repro", "view2/dvc.yaml"], repo, env).stdout
    assert "Running stage" not in again


def test_a_fold_fuses_on_its_calibration_fold_and_records_the_fused_test_scores(synthetic,
                                                                                  monkeypatch):
    """Fold 4's fusion is the logistic regression of its calibration fold's pairs (the
    saved fold net's logit, each descriptor's cosine), refitted here; its test scores are that
    fusion applied to the test pairs."""
    from sklearn.linear_model import LogisticRegression

    from lfw_siamese.fold import descriptor_cosines, load_fold
    from lfw_siamese.inference import score_pairs
    from lfw_siamese.params import load_params
    from lfw_siamese.saving import load_model

    repo, _, _ = synthetic
    monkeypatch.chdir(repo)
    p = load_params()
    groups, arrays, people = load_fold(4)
    model = load_model(repo / "data/view2/fold_4.keras")
    cosines = descriptor_cosines(p, groups, people)

    def features(group):
        return fusion_features(score_pairs(model, arrays[group]["left"], arrays[group]["right"],
                                           p.tta), cosines[group])

    # (to the solver's tolerance: 12 pairs a group, and a fit on any other group's differs
    # by far more)
    refit = LogisticRegression().fit(features("calibration"), arrays["calibration"]["label"])
    fusion = fold_result(repo, 4)["fusion"]
    assert [fusion["net"], *fusion["descriptors"]] == pytest.approx(list(refit.coef_[0]),
                                                                    rel=1e-2, abs=1e-3)
    assert fusion["offset"] == pytest.approx(refit.intercept_[0], rel=1e-2, abs=1e-3)
    weights = np.array([fusion["net"], *fusion["descriptors"]])
    expected = 1 / (1 + np.exp(-(features("test") @ weights + fusion["offset"])))
    rows = list(csv.DictReader(open(repo / "metrics/view2/fold_4.csv")))
    assert [(r["left_file"], r["right_file"]) for r in rows] == [(q.left, q.right)
                                                                 for q in groups["test"]]
    assert [float(r["score"]) for r in rows] == pytest.approx(list(expected), abs=1e-3)


def test_a_clone_sharing_the_cache_trains_and_judges_nothing(synthetic, tmp_path):
    there, env = clone(synthetic, tmp_path)
    out = run(["dvc", "repro", "view2/dvc.yaml"], there, env).stdout
    assert "Running stage 'view2/dvc.yaml:fold@" not in out  # no fold trained or judged
    assert json.loads(run(["dvc", "status", "--json", "view2/dvc.yaml"], there, env).stdout) == {}


def test_a_fold_re_run_alone_on_other_parameters_is_refused_by_the_report(synthetic, tmp_path):
    there, env = clone(synthetic, tmp_path)
    params = yaml.safe_load((there / "params.yaml").read_text())
    (there / "params.yaml").write_text(yaml.safe_dump({**params, "lbp_pca": 12},
                                                      sort_keys=False))
    out = run(["dvc", "repro", "view2/dvc.yaml:fold@3"], there, env).stdout
    assert "Running stage 'view2/dvc.yaml:fold@3'" in out and "fold@4" not in out
    refused = run(["dvc", "repro", "--single-item", "view2/dvc.yaml:report"], there, env,
                  check=False)
    assert refused.returncode != 0
    assert ("fold@3 ran on other inputs than fold@1 (data/params/view2_fold.json)"
            in refused.stdout + refused.stderr)


def test_two_folds_train_at_once_through_the_queue_and_merge(synthetic, tmp_path):
    """`make view2 JOBS=2`: the two stale folds (their results deleted) run as queued
    experiments, merge through git, and match what they gave in turn; no other fold runs."""
    there, env = clone(synthetic, tmp_path)
    before = {k: fold_result(there, k) for k in (3, 4)}
    for k in (3, 4):
        for suffix in ("json", "csv"):
            (there / f"metrics/view2/fold_{k}.{suffix}").unlink()
    run(["git", "add", "-A"], there, env)
    run(["git", "commit", "-qm", "View 2 with folds 3 and 4 to run"], there, env)
    script = [sys.executable, "scripts/view2.py", "--jobs", "2"]
    (there / "params.yaml").write_text((there / "params.yaml").read_text() + "\n# edited\n")
    refused = run(script, there, env, check=False)
    assert refused.returncode == 1 and "commit them" in refused.stderr
    run(["git", "checkout", "params.yaml"], there, env)
    out = run(script, there, env).stdout
    assert "-n view2-fold-3 view2/dvc.yaml:fold@3" in out and "fold@4" in out
    assert sum(f"-n view2-fold-{k} " in out for k in range(1, FOLDS + 1)) == 2
    assert "View 2: folds [3, 4] from the queue" in run(["git", "log", "-1"], there, env).stdout
    for k in (3, 4):
        assert fold_result(there, k)["accuracy"] == before[k]["accuracy"]
    assert json.loads(run(["dvc", "status", "--json", "view2/dvc.yaml"], there, env).stdout) == {}
