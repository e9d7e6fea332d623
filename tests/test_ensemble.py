"""research/ensemble.py: models scored alone and averaged, each on its own arrays of one split."""

import subprocess
import sys

import numpy as np
import pytest

from .conftest import ROOT

ENSEMBLE = [sys.executable, str(ROOT / "research" / "ensemble.py")]


def pairs_folder(folder, seed: int, labels):
    """val.npz and test.npz: 32-px noise (other pixels per seed) for the same named pairs."""
    rng = np.random.default_rng(seed)
    folder.mkdir()
    for split in ("val", "test"):
        n = len(labels)
        np.savez(folder / f"{split}.npz",
                 left=rng.integers(0, 256, (n, 32, 32, 1), np.uint8),
                 right=rng.integers(0, 256, (n, 32, 32, 1), np.uint8),
                 label=np.array(labels, np.uint8),
                 left_file=np.array([f"a/{i}.jpg" for i in range(n)]),
                 right_file=np.array([f"b/{i}.jpg" for i in range(n)]))
    return folder


@pytest.mark.slow
@pytest.mark.full
def test_models_on_their_own_arrays_of_the_same_pairs_are_averaged(trained, tmp_path):
    model = str(trained / "model.keras")
    inner = pairs_folder(tmp_path / "inner", 0, [1, 0] * 10)
    outer = pairs_folder(tmp_path / "outer", 1, [1, 0] * 10)
    result = subprocess.run(ENSEMBLE + [model, f"{model}={outer}", "--pairs", str(inner),
                                        "--val-only"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ")][1:]
    assert [r.split(" | ")[0] for r in rows] == [f"| {model}", f"| {model}={outer}",
                                                 "| mean of the 2"]
    assert all(r.endswith("| – | – | – |") for r in rows)  # --val-only: test not scored
    figures = [r.split(" | ")[1:3] for r in rows]
    assert figures[0] != figures[1]  # the second model did score the other arrays


@pytest.mark.slow
@pytest.mark.full
def test_models_prepared_with_other_pairs_are_refused(trained, tmp_path):
    model = str(trained / "model.keras")
    inner = pairs_folder(tmp_path / "inner", 0, [1, 0] * 10)
    other = pairs_folder(tmp_path / "other", 0, [0, 1] * 10)
    result = subprocess.run(ENSEMBLE + [model, f"{model}={other}", "--pairs", str(inner)],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert f"{other}/val.npz: its label differs from the first model's pairs" in result.stderr
