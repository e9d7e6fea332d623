"""View 2 end to end on a synthetic LFW (tests/synthetic_lfw.py), in a temporary git + DVC
repository: the ten folds trained and judged and the report, a no-op repeat, a descriptor
parameter that re-runs the judges and no training (and restored, restores the results), a
fold re-judged alone refused by the report, two folds through DVC's queue, and a clone sharing
the cache that trains and judges nothing.

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

from .conftest import fusion_features, lbp_specs
from .project import recount_view2, run
from .synthetic_lfw import FOLDS, SAME

pytestmark = pytest.mark.slow


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
    assert ten.count("Running stage 'view2/dvc.yaml:train@") == FOLDS
    assert ten.count("Running stage 'view2/dvc.yaml:judge@") == FOLDS
    _, folds = recount_view2(repo, FOLDS)
    for k, fold in enumerate(folds, start=1):
        assert fold["pairs"] == 2 * SAME and fold["fold"] == k
        assert fold["calibration_fold"] == (k - 1 or FOLDS)
        assert len(fold["fusion"]["descriptors"]) == 1  # lbp_cells [4] on lbp_crops [120]
    again = run(["dvc", "repro", "view2/dvc.yaml"], repo, env).stdout
    assert "Running stage" not in again


def net_scores(repo, fold, tta):
    """{group: (labels, the net's scores)} of a fold, from its train stage's file."""
    rows = list(csv.DictReader(open(repo / f"metrics/view2/net_{fold}.csv")))
    found = {}
    for group in ("training", "calibration", "test"):
        mine = [r for r in rows if r["group"] == group]
        plain = np.array([float(r["score"]) for r in mine])
        flipped = np.array([float(r["flipped_score"]) for r in mine])
        found[group] = (np.array([int(r["label"]) for r in mine]),
                        (plain + flipped) / 2 if tta else plain, mine)
    return found


def test_a_fold_fuses_on_its_calibration_fold_and_records_the_fused_test_scores(synthetic,
                                                                                  monkeypatch):
    """Fold 4's fusion is the logistic regression of its calibration fold's pairs (the fold
    net's logit from its train stage's scores, the cosine of a descriptor fitted here on the
    training folds' people); its test scores are that fusion applied to the test pairs."""
    from sklearn.linear_model import LogisticRegression

    from lfw_siamese.data.folds import read_fold
    from lfw_siamese.data.imagestore import ImageStore
    from lfw_siamese.data.pairs import people_of, person_images, person_of
    from lfw_siamese.data.regions import gray_regions
    from lfw_siamese.verification.descriptor import fit_descriptors, pair_cosines
    from lfw_siamese.verification.faces import Faces

    repo, _, _ = synthetic
    monkeypatch.chdir(repo)
    p = yaml.safe_load((repo / "params.yaml").read_text())
    groups, store = read_fold(4), ImageStore(repo / "data/lfw/images.zip")
    people = sorted(people_of(groups["training"]))
    files = person_images(people, store.counts())
    pair_files = [f for x in groups.values() for q in x for f in (q.left, q.right)]
    names = list(dict.fromkeys(files + pair_files))  # decoded here, anew
    faces = Faces(names, gray_regions(store, names, [120], p["image_size"]))
    descriptors = fit_descriptors(faces, np.array([people.index(person_of(f)) for f in files]),
                                  lbp_specs((120, 4)), p["lbp_pca"], faces.rows(files))
    net = net_scores(repo, 4, p["tta"])

    def features(group):
        pairs = groups[group]
        cosines = pair_cosines(descriptors, faces, faces.rows([q.left for q in pairs]),
                               faces.rows([q.right for q in pairs]))
        return fusion_features(net[group][1], cosines)

    # (to the solver's tolerance: 12 pairs a group, and a fit on any other group's differs
    # by far more)
    refit = LogisticRegression().fit(features("calibration"), net["calibration"][0])
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


def test_a_descriptor_parameter_re_runs_the_judges_only_and_restored_restores_them(
        synthetic, tmp_path):
    """A descriptor parameter makes the ten judges stale and no training; two folds re-judged
    on it change, and with the value restored, only they (and the report) are stale and
    re-judge to their results before (the other eight are the same case: judging is
    deterministic)."""
    there, env = clone(synthetic, tmp_path)
    before = {k: (there / f"metrics/view2/fold_{k}.json").read_text() for k in (1, 2)}
    params = (there / "params.yaml").read_text()
    (there / "params.yaml").write_text(params.replace("lbp_pca: 16", "lbp_pca: 12"))
    run(["dvc", "repro", "check_params"], there, env)
    stale = json.loads(run(["dvc", "status", "--json", "view2/dvc.yaml"], there, env).stdout)
    assert sorted(stale) == sorted(f"view2/dvc.yaml:judge@{k}" for k in range(1, FOLDS + 1))
    judges = ["view2/dvc.yaml:judge@1", "view2/dvc.yaml:judge@2"]
    out = run(["dvc", "repro", *judges], there, env).stdout
    assert out.count("Running stage 'view2/dvc.yaml:judge@") == 2
    assert "Running stage 'view2/dvc.yaml:train@" not in out
    assert any((there / f"metrics/view2/fold_{k}.json").read_text() != before[k] for k in (1, 2))
    (there / "params.yaml").write_text(params)
    run(["dvc", "repro", "check_params"], there, env)
    stale = json.loads(run(["dvc", "status", "--json", "view2/dvc.yaml"], there, env).stdout)
    assert sorted(stale) == [*judges, "view2/dvc.yaml:report"]  # two folds' results changed
    out = run(["dvc", "repro", "view2/dvc.yaml"], there, env).stdout
    assert out.count("Running stage 'view2/dvc.yaml:judge@") == 2
    assert "Running stage 'view2/dvc.yaml:train@" not in out
    for k in (1, 2):  # the same results; only the time it took differs
        after = json.loads((there / f"metrics/view2/fold_{k}.json").read_text())
        assert {**after, "judge_seconds": 0} == {**json.loads(before[k]), "judge_seconds": 0}


def test_a_reworded_refusal_makes_no_fold_stale(synthetic):
    repo, env, _ = synthetic
    source = repo / "src/lfw_siamese/params.py"
    original = source.read_text()
    source.write_text(original.replace('raise ValueError("true or false")',
                                       'raise ValueError("either true or false")'))
    try:
        assert "check_params" in json.loads(run(["dvc", "status", "--json", "check_params"],
                                                repo, env).stdout)
        assert json.loads(run(["dvc", "status", "--json", "view2/dvc.yaml"], repo,
                              env).stdout) == {}  # no fold's net, judge or report
        out = run(["dvc", "repro", "view2/dvc.yaml"], repo, env).stdout
        assert "Running stage 'check_params'" in out
        assert "Running stage 'view2/dvc.yaml:" not in out
    finally:
        source.write_text(original)
        run(["dvc", "repro", "check_params"], repo, env)


def test_a_clone_sharing_the_cache_trains_and_judges_nothing(synthetic, tmp_path):
    there, env = clone(synthetic, tmp_path)
    out = run(["dvc", "repro", "view2/dvc.yaml"], there, env).stdout
    assert "Running stage 'view2/dvc.yaml:" not in out  # no fold trained or judged
    assert json.loads(run(["dvc", "status", "--json", "view2/dvc.yaml"], there, env).stdout) == {}


def test_a_fold_re_judged_alone_on_other_parameters_is_refused_by_the_report(synthetic,
                                                                             tmp_path):
    there, env = clone(synthetic, tmp_path)
    params = yaml.safe_load((there / "params.yaml").read_text())
    (there / "params.yaml").write_text(yaml.safe_dump({**params, "lbp_pca": 12},
                                                      sort_keys=False))
    out = run(["dvc", "repro", "view2/dvc.yaml:judge@3"], there, env).stdout
    assert "Running stage 'view2/dvc.yaml:judge@3'" in out and "@4" not in out
    assert "Running stage 'view2/dvc.yaml:train@" not in out
    refused = run(["dvc", "repro", "--single-item", "view2/dvc.yaml:report"], there, env,
                  check=False)
    assert refused.returncode != 0
    assert ("judge@3 ran on other inputs than judge@1 (data/params/view2_judge.json)"
            in refused.stdout + refused.stderr)


def test_two_folds_train_at_once_through_the_queue_and_merge(synthetic, tmp_path):
    """`make view2 JOBS=2`: the two stale fold nets (their scores deleted) train as queued
    experiments, merge through git, and are judged as they were in turn; no other fold
    trains."""
    there, env = clone(synthetic, tmp_path)
    before = {k: fold_result(there, k) for k in (3, 4)}
    for k in (3, 4):
        for name in (f"net_{k}.csv", f"train_{k}.json", f"fold_{k}.json", f"fold_{k}.csv"):
            (there / "metrics/view2" / name).unlink()
    run(["git", "add", "-A"], there, env)
    run(["git", "commit", "-qm", "View 2 with folds 3 and 4 to run"], there, env)
    script = [sys.executable, "scripts/view2.py", "--jobs", "2"]
    (there / "params.yaml").write_text((there / "params.yaml").read_text() + "\n# edited\n")
    refused = run(script, there, env, check=False)
    assert refused.returncode == 1 and "commit them" in refused.stderr
    run(["git", "checkout", "params.yaml"], there, env)
    out = run(script, there, env).stdout
    assert "-n view2-fold-3 view2/dvc.yaml:train@3" in out and "train@4" in out
    assert sum(f"-n view2-fold-{k} " in out for k in range(1, FOLDS + 1)) == 2
    assert "View 2: folds [3, 4] from the queue" in run(["git", "log", "-1"], there, env).stdout
    for k in (3, 4):
        assert fold_result(there, k)["accuracy"] == before[k]["accuracy"]
    assert json.loads(run(["dvc", "status", "--json", "view2/dvc.yaml"], there, env).stdout) == {}
