"""View 2 bookkeeping: folds, the threshold from the training folds, mean ± standard error."""

import numpy as np
import pytest

from lfw_siamese.pairs import Pair, people_of
from lfw_siamese.view2 import aggregate, fold_result, mean_roc, split_folds


def test_split_folds_is_one_based_and_complete():
    pairs = [Pair(f"A{k}/A{k}_0001.jpg", f"B{k}/B{k}_0001.jpg", False, k % 10) for k in range(30)]
    train, test = split_folds(pairs, 3)
    assert {p.fold for p in test} == {2} and len(test) == 3
    assert len(train) == 27 and 2 not in {p.fold for p in train}
    assert people_of(test) == {"A2", "B2", "A12", "B12", "A22", "B22"}


def test_threshold_comes_from_the_training_folds():
    train_y, train_s = [0, 0, 1, 1], [0.1, 0.2, 0.6, 0.7]  # best threshold 0.4
    test_y, test_s = [0, 1, 1, 0], [0.3, 0.45, 0.9, 0.5]  # its own best would differ
    result = fold_result(train_y, train_s, test_y, test_s)
    assert result["threshold"] == pytest.approx(0.4)
    assert result["accuracy"] == pytest.approx(0.75)  # 0.5 judged same: one error
    assert result["train_accuracy"] == 1.0 and result["auc"] == pytest.approx(0.75)


def test_mean_and_standard_error_as_the_lfw_results_page():
    acc = [0.70, 0.72, 0.74, 0.76, 0.78, 0.70, 0.72, 0.74, 0.76, 0.78]
    folds = [{"accuracy": a, "auc": 0.8, "threshold": 0.5} for a in acc]
    summary = aggregate(folds)
    assert summary["mean_accuracy"] == pytest.approx(0.74)
    sigma = np.sqrt(sum((a - 0.74) ** 2 for a in acc) / 9)  # sample std, n - 1
    assert summary["standard_error"] == pytest.approx(sigma / np.sqrt(10))
    assert summary["accuracy_per_fold"] == acc


def test_mean_roc_averages_true_positive_rates_at_fixed_false_positive_rates():
    perfect = (np.array([0.0, 0.0, 1.0]), np.array([0.0, 1.0, 1.0]))
    chance = (np.array([0.0, 1.0]), np.array([0.0, 1.0]))
    roc = mean_roc([perfect, chance])
    assert roc[0] == pytest.approx(0.5)  # at fpr 0: (1 + 0) / 2
    assert roc[50] == pytest.approx(0.75)  # at fpr 0.5: (1 + 0.5) / 2
    assert roc[-1] == pytest.approx(1.0)
