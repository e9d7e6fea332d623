import numpy as np
import pytest

from lfw_siamese.verification import metrics as m

# Six pairs worked out by hand: same-person scores 0.9, 0.8, 0.4; different 0.7, 0.3, 0.2.
LABELS = [1, 1, 1, 0, 0, 0]
SCORES = [0.9, 0.8, 0.4, 0.7, 0.3, 0.2]


def test_roc_auc_eer_by_hand():
    fpr, tpr = m.roc_curve(LABELS, SCORES)
    assert fpr.tolist() == pytest.approx([0, 0, 0, 1 / 3, 1 / 3, 2 / 3, 1])
    assert tpr.tolist() == pytest.approx([0, 1 / 3, 2 / 3, 2 / 3, 1, 1, 1])
    assert m.auc(fpr, tpr) == pytest.approx(8 / 9)  # 8 of 9 (same, different) pairs ordered
    assert m.equal_error_rate(fpr, tpr) == pytest.approx(1 / 3)


def test_ties_share_one_roc_point():
    fpr, tpr = m.roc_curve([1, 0], [0.5, 0.5])
    assert list(zip(fpr, tpr, strict=True)) == [(0, 0), (1, 1)]
    assert m.auc(fpr, tpr) == pytest.approx(0.5)


def test_threshold_and_confusion():
    assert m.accuracy(LABELS, SCORES, 0.5) == pytest.approx(4 / 6)
    # 0.35 and 0.75 both give 5/6; the one nearer 0.5 wins
    assert m.best_threshold(LABELS, SCORES) == pytest.approx(0.35)
    assert m.confusion(LABELS, SCORES, 0.35) == {"tp": 3, "fn": 0, "tn": 2, "fp": 1}
    s = m.summary(LABELS, SCORES, 0.35)
    assert s["accuracy"] == pytest.approx(5 / 6) and s["precision"] == pytest.approx(0.75)
    assert s["recall"] == 1.0


def test_threshold_uses_only_the_data_it_is_given():
    rng = np.random.default_rng(0)
    val_labels = rng.integers(0, 2, 200)
    val_scores = np.clip(val_labels * 0.3 + rng.normal(0.4, 0.15, 200), 0, 1)
    test_scores = val_scores + 0.2  # a shifted test set would prefer another threshold
    t = m.best_threshold(val_labels, val_scores)
    assert m.accuracy(val_labels, val_scores, t) == max(
        m.accuracy(val_labels, val_scores, c) for c in np.linspace(0, 1, 501)
    )
    assert m.best_threshold(val_labels, test_scores) != pytest.approx(t)


def test_perfect_separation():
    fpr, tpr = m.roc_curve([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
    assert m.auc(fpr, tpr) == 1.0 and m.equal_error_rate(fpr, tpr) == 0.0


def test_most_confident_errors():
    # threshold 0.5: false rejects = same pairs with score <= 0.5 (0.4); false accepts = 0.7
    labels = LABELS + [1, 0]
    scores = SCORES + [0.1, 0.95]
    errors = m.most_confident_errors(labels, scores, 0.5, n=5)
    assert errors == {"false_reject": [6, 2], "false_accept": [7, 3]}
    assert m.most_confident_errors(labels, scores, 0.5, n=1) == {
        "false_reject": [6], "false_accept": [7]}
