"""View 2 bookkeeping: folds, the threshold from the held-out calibration fold, mean ± SE."""

import numpy as np
import pytest

from lfw_siamese.data.dataset import pair_arrays
from lfw_siamese.data.folds import calibration_fold, fold_groups, training_people
from lfw_siamese.data.pairs import Pair, people_of, person_of, read_pairs
from lfw_siamese.errors import LfwError
from lfw_siamese.verification.view2 import aggregate, fold_result, mean_roc

from .conftest import MIRROR, needs_mirror


def groups_of(pairs, fold):
    groups = fold_groups(pairs, fold)
    return groups["training"], groups["calibration"], groups["test"]


def test_a_fold_holds_out_the_fold_before_the_test_fold():
    pairs = [Pair(f"A{k}/A{k}_0001.jpg", f"B{k}/B{k}_0001.jpg", False, k % 10) for k in range(30)]
    train, calibration, test = groups_of(pairs, 3)
    assert {p.fold for p in test} == {2} and len(test) == 3
    assert {p.fold for p in calibration} == {1} and len(calibration) == 3
    assert len(train) == 24 and {p.fold for p in train} == {0, 3, 4, 5, 6, 7, 8, 9}
    assert people_of(test) == {"A2", "B2", "A12", "B12", "A22", "B22"}
    assert [calibration_fold(k) for k in range(1, 11)] == [10, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    _, calibration, test = groups_of(pairs, 1)  # fold 1 is calibrated on fold 10
    assert {p.fold for p in calibration} == {9} and {p.fold for p in test} == {0}


def test_threshold_comes_from_the_calibration_fold():
    calibration = ([0, 0, 1, 1], [0.1, 0.2, 0.6, 0.7])  # best threshold 0.4
    test = ([0, 1, 1, 0], [0.3, 0.45, 0.9, 0.5])  # its own best would differ
    result = fold_result(calibration, test)
    assert result["threshold"] == pytest.approx(0.4)
    assert result["accuracy"] == pytest.approx(0.75)  # 0.5 judged same: one error
    assert result["calibration_accuracy"] == 1.0 and result["auc"] == pytest.approx(0.75)
    assert "training_pairs_threshold" not in result


def test_a_threshold_from_seen_training_pairs_is_reported_beside_it():
    calibration = ([0, 0, 1, 1], [0.1, 0.2, 0.6, 0.7])  # threshold 0.4
    training = ([0, 0, 1, 1], [0.2, 0.5, 0.8, 0.9])  # seen pairs score higher: 0.65
    test = ([0, 1, 1, 0], [0.3, 0.45, 0.9, 0.35])
    result = fold_result(calibration, test, training)
    assert result["training_pairs_threshold"] == pytest.approx(0.65)
    assert result["accuracy_at_training_pairs_threshold"] == pytest.approx(0.75)  # 0.45 missed
    assert result["accuracy"] == 1.0  # the calibration fold's threshold is the one reported


def test_mean_and_standard_error_as_the_lfw_results_page():
    acc = [0.70, 0.72, 0.74, 0.76, 0.78, 0.70, 0.72, 0.74, 0.76, 0.78]
    folds = [{"accuracy": a, "auc": 0.8, "threshold": 0.5} for a in acc]
    summary = aggregate(folds)
    assert summary["mean_accuracy"] == pytest.approx(0.74)
    sigma = np.sqrt(sum((a - 0.74) ** 2 for a in acc) / 9)  # sample std, n - 1
    assert summary["standard_error"] == pytest.approx(sigma / np.sqrt(10))
    assert summary["accuracy_per_fold"] == acc
    assert "mean_accuracy_at_training_pairs_threshold" not in summary  # not recorded


def test_the_mean_at_training_pairs_thresholds_needs_every_fold():
    folds = [{"accuracy": 0.8, "auc": 0.9, "threshold": 0.1,
              "accuracy_at_training_pairs_threshold": 0.7 + k / 100} for k in range(10)]
    assert aggregate(folds)["mean_accuracy_at_training_pairs_threshold"] == pytest.approx(0.745)
    del folds[3]["accuracy_at_training_pairs_threshold"]
    assert "mean_accuracy_at_training_pairs_threshold" not in aggregate(folds)


def test_mean_roc_averages_true_positive_rates_at_fixed_false_positive_rates():
    perfect = (np.array([0.0, 0.0, 1.0]), np.array([0.0, 1.0, 1.0]))
    chance = (np.array([0.0, 1.0]), np.array([0.0, 1.0]))
    roc = mean_roc([perfect, chance])
    assert roc[0] == pytest.approx(0.5)  # at fpr 0: (1 + 0) / 2
    assert roc[50] == pytest.approx(0.75)  # at fpr 0.5: (1 + 0.5) / 2
    assert roc[-1] == pytest.approx(1.0)


def test_a_fold_whose_groups_share_a_person_is_refused():
    pairs = [Pair(f"A{k}/A{k}_0001.jpg", f"B{k}/B{k}_0001.jpg", False, k % 10) for k in range(30)]
    assert set(fold_groups(pairs, 3)) == {"training", "calibration", "test"}
    leak = pairs + [Pair("A2/A2_0002.jpg", "C/C_0001.jpg", False, 5)]  # A2 is in fold 3 too
    with pytest.raises(LfwError, match="for fold 3, the training and test folds share people: A2"):
        fold_groups(leak, 3)
    with pytest.raises(LfwError, match="the calibration and test folds share people: A2"):
        fold_groups(pairs + [Pair("A2/A2_0002.jpg", "C/C_0001.jpg", False, 1)], 3)


@needs_mirror
def test_the_mining_pool_holds_the_training_folds_people_only():
    """On the real pairs.txt: every image mining may draw for fold 4 is of a training-fold
    person, and every training-fold person's images are there."""
    pairs = read_pairs(MIRROR / "pairs.txt")
    groups = fold_groups(pairs, 4)
    files = np.array(sorted({name for p in pairs for name in (p.left, p.right)}))
    people = sorted({person_of(f) for f in files})
    data = {"files": files, "image": np.arange(len(files)).reshape(-1, 1, 1, 1),
            "person": np.array([people.index(person_of(f)) for f in files])}
    pool = training_people(data, groups["training"])
    drawn = {person_of(f) for f in pool["files"]}
    assert drawn == people_of(groups["training"])
    assert not drawn & (people_of(groups["calibration"]) | people_of(groups["test"]))
    assert np.array_equal(data["files"][pool["image"].ravel()], pool["files"])
    assert sorted(set(pool["person"])) == list(range(len(drawn)))  # ids 0..n-1 for mining


def test_pair_arrays_look_images_up_by_file():
    images = np.arange(4).reshape(4, 1, 1, 1)
    index = {"a/a_1.jpg": 2, "b/b_1.jpg": 0, "a/a_2.jpg": 3}
    arrays = pair_arrays([Pair("a/a_1.jpg", "a/a_2.jpg", True), Pair("a/a_1.jpg", "b/b_1.jpg",
                                                                     False)], images, index)
    assert arrays["left"].ravel().tolist() == [2, 2] and arrays["right"].ravel().tolist() == [3, 0]
    assert arrays["label"].tolist() == [1, 0]
