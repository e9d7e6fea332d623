"""View 2 runs compared fold by fold (lfw_siamese.verification.compare, scripts/view2_compare.py)."""

import json
import subprocess
import sys

import numpy as np
import pytest

from lfw_siamese.errors import LfwError
from lfw_siamese.verification.compare import fold_accuracies, paired, side

from .conftest import ROOT


def run_folder(path, accuracies: dict, nets: dict | None = None):
    path.mkdir()
    for k, acc in accuracies.items():
        fold = {"fold": k, "accuracy": acc, "auc": 0.9, "threshold": 0.5}
        if nets:
            fold["net"] = {"accuracy": nets[k]}
        (path / f"fold_{k}.json").write_text(json.dumps(fold))
    return path


def test_the_paired_difference_and_its_standard_error_over_common_folds():
    a = {1: 0.90, 2: 0.85, 3: 0.88, 4: 0.80}
    b = {1: 0.91, 2: 0.87, 3: 0.88, 5: 0.99}
    result = paired(a, b)
    diff = np.array([0.01, 0.02, 0.0])
    assert result["folds"] == [1, 2, 3] and result["missing"] == [4, 5]
    assert result["difference"]["mean"] == pytest.approx(diff.mean())
    assert result["difference"]["standard_error"] == pytest.approx(diff.std(ddof=1) / np.sqrt(3))
    # t = 0.01 / (0.01 / sqrt 3) = sqrt 3 on 2 degrees of freedom, where the two-sided
    # p-value has a closed form: 1 - |t| / sqrt(t² + 2)
    assert result["difference"]["p_value"] == pytest.approx(1 - np.sqrt(3) / np.sqrt(5))
    level = paired({1: 0.5, 2: 0.75}, {1: 0.75, 2: 1.0})["difference"]  # no spread: no test
    assert level["p_value"] is None and level["standard_error"] == pytest.approx(0, abs=1e-12)
    assert result["a"]["mean"] == pytest.approx(np.mean([0.90, 0.85, 0.88]))
    assert result["better"] == [1, 2] and result["worse"] == []
    assert result["per_fold"][2] == pytest.approx({"a": 0.85, "b": 0.87, "difference": 0.02})
    with pytest.raises(LfwError, match="1 fold"):
        paired({1: 0.9}, {1: 0.8, 2: 0.7})


def test_a_side_of_several_seeds_is_their_mean_per_fold_and_the_net_can_be_picked(tmp_path):
    s0 = run_folder(tmp_path / "s0", {1: 0.90, 2: 0.80, 3: 0.70}, nets={1: 0.5, 2: 0.6, 3: 0.7})
    s1 = run_folder(tmp_path / "s1", {1: 0.92, 2: 0.84})
    assert side([s0, s1]) == pytest.approx({1: 0.91, 2: 0.82})
    assert fold_accuracies(s0, net=True) == {1: 0.5, 2: 0.6, 3: 0.7}
    with pytest.raises(LfwError, match=r"s1/fold_1.json: no `net` record"):
        fold_accuracies(s1, net=True)
    with pytest.raises(LfwError, match="no fold_N.json"):
        fold_accuracies(tmp_path)


def test_the_script_prints_the_table_and_writes_the_comparison(tmp_path):
    a = run_folder(tmp_path / "a", {1: 0.90, 2: 0.85, 3: 0.88})
    b = run_folder(tmp_path / "b", {1: 0.91, 2: 0.84, 3: 0.90})
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "view2_compare.py"), "--a",
                          str(a), "--b", str(b), "--json", str(tmp_path / "c.json")],
                         capture_output=True, text=True, check=True).stdout
    assert "| 2 | 85.00% | 84.00% | -1.00 |" in out
    assert ("B - A, fold by fold: +0.67 ± 0.88 points (paired t-test p = 0.529); better on 2 "
            "folds [1, 3], worse on 1 [2]") in out
    saved = json.loads((tmp_path / "c.json").read_text())
    assert saved["better"] == [1, 3] and saved["difference"]["mean"] == pytest.approx(0.02 / 3)
    refused = subprocess.run([sys.executable, str(ROOT / "scripts" / "view2_compare.py"), "--a",
                              str(a), "--a-net", "--b", str(b)], capture_output=True, text=True)
    assert refused.returncode == 1 and "no `net` record" in refused.stderr
