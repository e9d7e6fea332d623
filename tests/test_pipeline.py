"""End to end: the real DVC pipeline on the real LFW-a data, at a tiny size, in a temp repo."""

import csv
import hashlib
import json
import re
import shlex
import sys

import numpy as np
import pytest
import yaml
from sklearn.metrics import roc_auc_score

from lfw_siamese.data.dataset import load_arrays
from lfw_siamese.data.imagestore import ImageStore
from lfw_siamese.data.pairs import person_of
from lfw_siamese.verification.descriptor import load_descriptors
from lfw_siamese.verification.metrics import accuracy, best_threshold

from .conftest import MIRROR, ROOT, fusion_features, needs_mirror
from .project import copy_project, recount_view2, run

pytestmark = [needs_mirror, pytest.mark.slow]

COMPARE_DROP = re.search(r"^COMPARE_DROP := (.*)$", (ROOT / "Makefile").read_text(),
                         re.MULTILINE).group(1)  # what `make compare` and the README drop
TINY = {"image_size": 32, "filters": [8, 8, 16, 16], "dense_units": 16, "epochs": 1,
        "pairs_per_epoch": 256, "batch_size": 32, "lbp_cells": [4, 2], "lbp_crops": [120, 90],
        "lbp_pca": 50, "val_pairs": 500, "identify_ways": [5, 20], "identify_trials": 100}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A git + DVC copy of this project (what git would commit), with tiny parameters."""
    repo = tmp_path_factory.mktemp("project")
    env = copy_project(repo, TINY, MIRROR)
    done = run(["dvc", "repro"], repo, env)
    repro_log(repo).write_text(done.stdout + done.stderr)
    run(["git", "add", "-A"], repo, env)
    run(["git", "commit", "-qm", "repro"], repo, env)
    return repo, env


def repro_log(repo):
    """Where the fixture keeps its `dvc repro`'s output (beside the repository)."""
    return repo.with_name(repo.name + "-repro.log")


def test_the_log_holds_no_tensorflow_chatter(project):
    """Every stage's TensorFlow start-up lines and the tf.data error line are gone; training's
    progress is there."""
    log = repro_log(project[0]).read_text()
    for noise in ("I0000", "absl::InitializeLog", "E0000", "use_unbounded_threadpool"):
        assert noise not in log
    assert "Running stage 'train'" in log and "epoch 1/1: " in log and " left" in log


def test_repro_writes_every_metric(project):
    repo, _ = project
    train = json.loads((repo / "metrics/train_detail.json").read_text())
    assert train["epochs"] == 1 and train["pairs_per_epoch"] == 256
    evaluate = json.loads((repo / "metrics/evaluate_detail.json").read_text())
    val_pairs = yaml.safe_load((repo / "params.yaml").read_text())["val_pairs"]
    assert evaluate["test"]["pairs"] == 1000 and evaluate["val"]["pairs"] == val_pairs
    headline = json.loads((repo / "metrics/evaluate.json").read_text())
    assert headline["test"]["accuracy"] == evaluate["test"]["accuracy"]
    # fused with the descriptor, and the net alone beside it
    assert set(evaluate["fusion"]) == {"net", "descriptors", "offset"}
    assert len(evaluate["fusion"]["descriptors"]) == 2  # one weight per (crop, grid)
    assert [(d.crop, d.spec["cells"]) for d in load_descriptors(repo / "data/descriptor.npz")] == [
        (120, 4), (90, 2)]
    net = json.loads((repo / "metrics/evaluate_net.json").read_text())["net"]
    assert net["test"]["accuracy"] == evaluate["net"]["test"]["accuracy"]
    assert headline["test"]["auc"] != net["test"]["auc"]
    # the headline is what the test pairs' own scores give, at the validation threshold
    test = [r for r in csv.DictReader(open(repo / "metrics/predictions.csv"))
            if r["split"] == "test"]
    labels = [int(r["label"]) for r in test]
    scores = [float(r["score"]) for r in test]
    assert headline["test"]["accuracy"] == accuracy(labels, scores, evaluate["threshold"])
    assert headline["test"]["auc"] == pytest.approx(roc_auc_score(labels, scores), rel=1e-12)
    dataset = json.loads((repo / "metrics/analysis/dataset.json").read_text())
    assert dataset["release"]["images"] == 13233 and dataset["release"]["mode"] == "L"
    assert dataset["pairs"]["fold_10"]["pairs"] == 600
    assert json.loads((repo / "metrics/dataset.json").read_text()) == {
        "images": 13233, "people": 5749,
        "shared_people": {"train_val": 0, "train_test": 0, "val_test": 0}}
    release = json.loads((repo / "data/lfw/release.json").read_text())
    assert release["fingerprint"].startswith("b819fd65")
    for png in ("training.png", "evaluation.png", "analysis/people_over_50.png"):
        assert (repo / "metrics/plots" / png).read_bytes()[:4] == b"\x89PNG"
    predictions = list(csv.DictReader(open(repo / "metrics/predictions.csv")))
    assert len(predictions) == val_pairs + 1000


def test_identify_judges_the_evaluated_verifier_on_unseen_people(project):
    """Every LFW-a image of the 963 pairsDevTest people, N-way trials for each N and the whole
    gallery with each scorer, the CMC of the whole gallery and the open set, thresholds from
    the validation people; the headline is the detail's."""
    repo, _ = project
    detail = json.loads((repo / "metrics/identify_detail.json").read_text())
    assert detail["people"]["test"] == {"people": 963, "images": 2741, "repeated": 418}
    assert set(detail["one_shot"]) == {"fused", "net", "descriptors", "pixels", "vector_form"}
    assert 0.5 < detail["vector_form_agreement"] <= 1
    for scorer, results in detail["one_shot"].items():
        assert list(results) == ["5", "20", "963"]
        assert all(r["trials"] == 100 and 0 <= r["low"] <= r["accuracy"] <= r["high"] <= 1
                   for r in results.values())
        cmc = detail["cmc"][scorer]
        assert len(cmc) == 20 and cmc == sorted(cmc) and cmc[0] == results["963"]["accuracy"]
        assert set(detail["open_set"][scorer]) == {"0.01", "0.001"}
    headline = json.loads((repo / "metrics/identify.json").read_text())
    assert headline["one_shot_20"] == {s: r["20"]["accuracy"] for s, r in detail["one_shot"].items()
                                       if s != "vector_form"}  # the fused score's other form
    assert headline["rank1_all"] == detail["one_shot"]["fused"]["963"]["accuracy"]
    assert headline["dir_far_1e-2"] == detail["open_set"]["fused"]["0.01"]["dir"]
    thresholds = json.loads((repo / "data/thresholds.json").read_text())  # for identify --far
    assert thresholds["card_sha256"] == hashlib.sha256((repo / "data/verifier.json").read_bytes()).hexdigest()
    assert thresholds["far"][0] == 1e-6 and thresholds["far"][-1] == 1
    assert thresholds["threshold"] == sorted(thresholds["threshold"], reverse=True)
    assert thresholds["people"] == detail["people"]["val"]["people"]
    with open(repo / "metrics/identify_cmc.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 20 and float(rows[0]["net"]) == pytest.approx(detail["cmc"]["net"][0], abs=1e-5)


def test_training_people_are_neither_test_nor_validation_people(project):
    repo, _ = project
    people = {f.split("/")[0] for f in load_arrays(repo / "data/pairs/people.npz")["files"]}
    split = {name: load_arrays(repo / f"data/pairs/{name}.npz") for name in ("val", "test")}
    for name, d in split.items():
        others = {f.split("/")[0] for f in np.concatenate([d["left_file"], d["right_file"]])}
        assert others and not people & others, f"{name} people among the training people"
    dev_train = load_arrays(repo / "data/pairs/train.npz")
    assert {f.split("/")[0] for f in dev_train["left_file"]} <= people  # its training part
    assert len(people) > 3000


def test_verify_scores_two_real_photos_with_the_pipeline_model(project, tmp_path):
    repo, env = project
    store = ImageStore(repo / "data/lfw/images.zip")
    faces = [tmp_path / f"zidane_{i}.jpg" for i in (1, 2)]
    for i, path in enumerate(faces, 1):
        path.write_bytes(store.open(f"Zinedine_Zidane/Zinedine_Zidane_{i:04d}.jpg").read())
    result = run(["lfw-siamese", "verify", "--json", *map(str, faces)], repo, env)
    out = json.loads(result.stdout)
    card = json.loads((repo / "data/verifier.json").read_text())
    assert out["threshold"] == card["threshold"]
    assert out["same_person"] == (out["score"] > out["threshold"])
    assert out["faces"]["left"] is not None and out["faces"]["right"] is not None  # detected
    # LFW images as they are (no detection): verify scores a test pair as `evaluate` did,
    # the net fused with each descriptor on its own region of the image
    pair = next(r for r in csv.DictReader(open(repo / "metrics/predictions.csv"))
                if r["split"] == "test")
    photos = [tmp_path / f"{side}.jpg" for side in ("left", "right")]
    for photo, name in zip(photos, (pair["left_file"], pair["right_file"]), strict=True):
        photo.write_bytes(store.open(name).read())
    framed = run(["lfw-siamese", "verify", "--json", "--lfw-framed", *map(str, photos)], repo,
                 env)
    assert json.loads(framed.stdout)["score"] == pytest.approx(float(pair["score"]), abs=1e-5)


def test_threshold_is_chosen_on_validation_pairs(project):
    repo, _ = project
    rows = list(csv.DictReader(open(repo / "metrics/predictions.csv")))
    val = [(int(r["label"]), float(r["score"])) for r in rows if r["split"] == "val"]
    threshold = json.loads((repo / "metrics/evaluate_detail.json").read_text())["threshold"]
    assert threshold == best_threshold(*zip(*val, strict=True))
    # the card `verify` reads carries that very threshold, with the evaluated model
    card = json.loads((repo / "data/verifier.json").read_text())
    assert card["threshold"] == threshold
    assert card["files"]["model"]["path"] == "data/model.keras"
    test = [(int(r["label"]), float(r["score"])) for r in rows if r["split"] == "test"]
    reported = json.loads((repo / "metrics/evaluate.json").read_text())["test"]["accuracy"]
    assert reported == accuracy(*zip(*test, strict=True), threshold)


def test_the_card_holds_the_evaluated_verifier_fused_on_validation_pairs_only(project):
    """The card carries evaluate's preprocessing, fusion and threshold; the fusion is the
    logistic regression of the validation pairs alone (the net's logit, each descriptor's
    cosine): refitted here on them, it gives the card's weights."""
    from sklearn.linear_model import LogisticRegression

    from lfw_siamese.data.regions import gray_regions
    from lfw_siamese.net.inference import score_pairs
    from lfw_siamese.net.saving import load_model
    from lfw_siamese.verification.descriptor import pair_cosines
    from lfw_siamese.verification.faces import Faces

    repo, _ = project
    card = json.loads((repo / "data/verifier.json").read_text())
    detail = json.loads((repo / "metrics/evaluate_detail.json").read_text())
    params = yaml.safe_load((repo / "params.yaml").read_text())
    digest = {name: hashlib.sha256((repo / path).read_bytes()).hexdigest()
              for name, path in (("model", "data/model.keras"),
                                 ("descriptors", "data/descriptor.npz"))}
    assert card == {"format": 2, "release": "lfwa", "val_accuracy": detail["val"]["accuracy"],
                    "preprocessing": {"image_size": 32, "channels": params["channels"],
                                      "crop": params["crop"],
                                      "context_crop": params["context_crop"]},
                    "tta": params["tta"],
                    "files": {"model": {"path": "data/model.keras", "sha256": digest["model"]},
                              "descriptors": {"path": "data/descriptor.npz",
                                              "sha256": digest["descriptors"]}},
                    "descriptor_count": 2, "fusion": detail["fusion"],
                    "threshold": detail["threshold"]}
    val = load_arrays(repo / "data/pairs/val.npz")
    net = score_pairs(load_model(repo / "data/model.keras"), val["left"], val["right"],
                      card["tta"])
    descriptors = load_descriptors(repo / "data/descriptor.npz")
    files = sorted(set(val["left_file"]) | set(val["right_file"]))  # decoded here, anew
    faces = Faces(files, gray_regions(ImageStore(repo / "data/lfw/images.zip"), files,
                                      [d.crop for d in descriptors],
                                      card["preprocessing"]["image_size"]))
    cosines = pair_cosines(descriptors, faces, faces.rows(val["left_file"]),
                           faces.rows(val["right_file"]))
    refit = LogisticRegression().fit(fusion_features(net, cosines), val["label"])
    assert [card["fusion"]["net"], *card["fusion"]["descriptors"]] == pytest.approx(
        list(refit.coef_[0]), rel=1e-4, abs=1e-6)
    assert card["fusion"]["offset"] == pytest.approx(refit.intercept_[0], rel=1e-4, abs=1e-6)


def test_second_repro_runs_nothing(project):
    repo, env = project
    out = run(["dvc", "repro"], repo, env).stdout
    assert "Running stage" not in out
    assert "up to date" in run(["dvc", "status", "dvc.yaml"], repo, env).stdout


def test_a_reworded_refusal_re_runs_the_parameter_check_alone(project):
    """The schema's wording is a dependency of check_params only: it re-runs, rewrites the
    same data/params/*.json, and no other stage is stale (View 2's stages: the same on the
    synthetic View 2, test_view2_pipeline.py)."""
    repo, env = project
    source = repo / "src/lfw_siamese/params.py"
    original = source.read_text()
    source.write_text(original.replace('raise ValueError("true or false")',
                                       'raise ValueError("either true or false")'))
    try:
        stale = json.loads(run(["dvc", "status", "--json", "dvc.yaml"], repo, env).stdout)
        assert list(stale) == ["check_params"]
        before = {f.name: f.read_bytes() for f in (repo / "data/params").iterdir()}
        run(["dvc", "repro", "check_params"], repo, env)
        assert {f.name: f.read_bytes() for f in (repo / "data/params").iterdir()} == before
        assert "up to date" in run(["dvc", "status", "dvc.yaml"], repo, env).stdout
    finally:
        source.write_text(original)
        run(["dvc", "repro", "check_params"], repo, env)


def test_plots_are_declared(project):
    repo, env = project
    out = run(["dvc", "plots", "show", "--json"], repo, env).stdout
    for name in ("Loss", "Accuracy", "ROC", "Confusion (test)", "metrics/plots/training.png",
                 "metrics/plots/misclassified.png", "metrics/plots/analysis/top_pairsDevTrain.png",
                 "Identification (CMC)", "metrics/plots/identify.png"):
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


def test_an_experiment_then_metrics_diff_and_exp_show_in_120_columns(project):
    """`dvc exp run -S`, `dvc metrics diff`, and the docs' `dvc exp show` view of both runs;
    the workspace is then put back as the repro left it, for the other tests."""
    repo, env = project
    out = run(["dvc", "exp", "run", "-S", "optimizer=adam", "-S", "lr=0.001"], repo, env).stdout
    assert "Running stage 'train'" in out and "Running stage 'evaluate'" in out
    assert "Running stage 'prepare'" not in out  # only training parameters changed
    diff = json.loads(run(["dvc", "metrics", "diff", "--json"], repo, env).stdout)
    changed = diff["metrics/evaluate.json"]
    assert "test.auc" in changed and changed["test.auc"]["old"] != changed["test.auc"]["new"]
    command = next(line.strip() for line in (ROOT / "docs/experiments.md").read_text().splitlines()
                   if line.strip().startswith("dvc exp show --only-changed --drop"))
    assert command == f"dvc exp show --only-changed --drop '{COMPARE_DROP}'"
    out = run(shlex.split(command) + ["--no-pager"], repo, {**env, "COLUMNS": "120"}).stdout
    lines = [line for line in out.splitlines() if line.strip()]
    assert max(len(line) for line in lines) <= 120, out
    header = lines[1].split()
    for column in ("test.accuracy", "test.auc", "val.auc", "optimizer", "lr"):
        assert column in header, out
    assert "…" not in lines[1]  # no column cut off
    assert sum("[" in line or "workspace" in line for line in lines) >= 2  # both runs listed
    run(["git", "checkout", "--", "."], repo, env)
    run(["dvc", "checkout", "--force"], repo, env)
    run(["dvc", "repro", "check_params"], repo, env)  # data/params/*.json: not in the cache
    assert "up to date" in run(["dvc", "status", "dvc.yaml"], repo, env).stdout


@pytest.mark.full
def test_grid_queues_runs_and_tabulates(project):
    repo, env = project
    grid = [sys.executable, str(repo / "scripts/grid.py")]
    run(grid + ["queue", "report", "--size", "tiny", "--only", "exp2", "exp8"], repo, env)
    run(["dvc", "exp", "run", "--run-all"], repo, env)
    table = run(grid + ["table", "report", "--out", "grid.md"], repo, env).stdout
    lines = table.splitlines()
    assert lines[0].startswith("| experiment | optimizer | lr |")
    rows = {line.split(" | ")[0].lstrip("| "): line for line in lines[2:]}
    assert set(rows) >= {"exp2-tiny", "exp8-tiny"}
    assert "| rmsprop | 0.0001 | True | contrastive | 1 |" in rows["exp8-tiny"]
    assert (repo / "grid.md").read_text() == table


def test_a_blufr_style_trial_judges_every_pair_of_the_test_people(project):
    """One trial of blufr/dvc.yaml on the tiny model: its sizes recounted from the release
    and the trial's split, its report the trial's figures, and a second run runs nothing."""
    from lfw_siamese.data.blufr import trial

    repo, env = project
    out = run(["dvc", "repro", "blufr/dvc.yaml"], repo, env).stdout
    assert "Running stage 'blufr/dvc.yaml:trial@1'" in out
    found = json.loads((repo / "metrics/blufr/trial_1.json").read_text())
    counts = ImageStore(repo / "data/lfw/images.zip").counts()
    split = trial(counts, 1, yaml.safe_load((repo / "params.yaml").read_text())["val_fraction"])
    images = sum(counts[name] for name in split.test)
    genuine = sum(counts[name] * (counts[name] - 1) // 2 for name in split.test)
    assert found["test"] | {"images": images} == {
        "people": 4249, "images": images, "genuine_pairs": genuine,
        "impostor_pairs": images * (images - 1) // 2 - genuine, "gallery_people": 1000,
        "genuine_probes": sum(counts[person_of(f)] - 1 for f in split.gallery),
        "impostor_probes": images - sum(counts[person_of(f)] for f in split.gallery),
        "impostor_probe_people": 3249}
    assert found["training"]["people"] + found["training"]["calibration_people"] == 1500
    assert found["training"]["calibration_pairs"] == TINY["val_pairs"]
    report = json.loads((repo / "metrics/blufr.json").read_text())
    assert report["trials"] == [1] and set(report) == {"trials", "fused", "net", "descriptors"}
    for name, scorer in found["scorers"].items():
        vr = scorer["verification"]["0.001"]["vr"]
        assert 0 <= vr <= 1 and report[name]["vr_far_0.1%"] == {"mean": vr}
        assert scorer["open_set"]["0.01"]["far"] <= 0.01
    assert "Running stage" not in run(["dvc", "repro", "blufr/dvc.yaml"], repo, env).stdout


@pytest.mark.full
def test_view2_folds_and_report(project):
    repo, env = project
    out = run(["dvc", "repro", "view2/dvc.yaml"], repo, env).stdout
    assert out.count("Running stage 'view2/dvc.yaml:train@") == 10
    assert out.count("Running stage 'view2/dvc.yaml:judge@") == 10
    _, folds = recount_view2(repo)
    fold = folds[3]
    assert fold["pairs"] == 600 and fold["training"] == "mined"
    assert fold["calibration_fold"] == 3
    assert (repo / "metrics/plots/view2.png").read_bytes()[:4] == b"\x89PNG"
    again = run(["dvc", "repro", "view2/dvc.yaml"], repo, env).stdout
    assert "Running stage" not in again


@pytest.mark.full
def test_folds_spread_over_two_machines_are_not_trained_again(project, tmp_path):
    """Two clones of one git remote each train and judge a fold and push its committed
    results; after a merge, each has both folds finished, and `dvc repro` trains and judges
    neither again."""
    repo, env = project
    origin = tmp_path / "origin.git"
    run(["git", "clone", "-q", "--bare", str(repo), str(origin)], tmp_path, env)
    machines = {}
    for name, fold in (("a", 1), ("b", 2)):
        clone = tmp_path / name
        run(["git", "clone", "-q", str(origin), str(clone)], tmp_path, env)
        machines[name] = (clone, {**env, "PYTHONPATH": str(clone / "src")}, fold)
        assert not (clone / f"metrics/view2/fold_{fold}.json").exists()  # never run there
    for clone, env_m, fold in machines.values():
        out = run(["dvc", "repro", f"view2/dvc.yaml:judge@{fold}"], clone, env_m).stdout
        assert f"Running stage 'view2/dvc.yaml:train@{fold}'" in out
        run(["git", "add", "-A"], clone, env_m)
        run(["git", "commit", "-qm", f"View 2 fold {fold}"], clone, env_m)
        run(["git", "pull", "-q", "--no-rebase", "--no-edit"], clone, env_m)  # merge the other's
        run(["git", "push", "-q"], clone, env_m)
    clone_a, env_a, _ = machines["a"]
    run(["git", "pull", "-q", "--no-rebase"], clone_a, env_a)
    for clone, env_m, _ in machines.values():
        out = run(["dvc", "repro", "view2/dvc.yaml:judge@1", "view2/dvc.yaml:judge@2"], clone,
                  env_m).stdout
        assert "Running stage 'view2/dvc.yaml:" not in out
        for fold in (1, 2):
            assert ((clone / f"metrics/view2/fold_{fold}.json").read_text()
                    == (machines["ab"[fold - 1]][0] / f"metrics/view2/fold_{fold}.json")
                    .read_text())
