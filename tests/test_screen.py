"""research/screen.py: named configurations trained side by side and scored on validation."""

import json
import subprocess
import sys

import numpy as np
import pytest

from lfw_siamese.experiments import load_set

from .conftest import ROOT

SCREEN = [sys.executable, str(ROOT / "research" / "screen.py")]
HANG_S = 3600  # only turns a hang into a failure: the screen takes ~1 min, ~2.5 on a slow day


@pytest.fixture(scope="module")
def pairs_folder(tmp_path_factory):
    """people.npz (70 people, 2 images each) and val.npz (40 pairs) of 64-px noise, the
    shapes params.yaml asks for."""
    folder = tmp_path_factory.mktemp("pairs")
    rng = np.random.default_rng(0)
    person = np.repeat(np.arange(70, dtype=np.int32), 2)
    np.savez(folder / "people.npz", image=rng.integers(0, 256, (140, 64, 64, 1), np.uint8),
             person=person, files=np.array([f"p{i}/{j}.jpg" for i in range(70) for j in (1, 2)]))
    images = rng.integers(0, 256, (80, 64, 64, 1), np.uint8)
    np.savez(folder / "val.npz", left=images[:40], right=images[40:],
             label=np.array([1, 0] * 20, np.uint8),
             left_file=np.array([f"a{i}" for i in range(40)]),
             right_file=np.array([f"b{i}" for i in range(40)]))
    return folder


@pytest.mark.slow
@pytest.mark.full
def test_screen_scores_each_seed_on_validation_and_skips_finished_runs(pairs_folder, tmp_path):
    args = ["--data", str(pairs_folder), "--out", str(tmp_path / "out"), "--work",
            str(tmp_path / "work"), "--only", "recipe", "--seeds", "0", "1", "--jobs", "2",
            "--quick"]
    result = subprocess.run(SCREEN + args, capture_output=True, text=True, timeout=HANG_S)
    assert result.returncode == 0, result.stdout + result.stderr
    runs = json.loads((tmp_path / "out" / "screen.json").read_text())
    assert sorted(runs) == ["recipe-seed0", "recipe-seed1"]
    for seed in (0, 1):
        run = runs[f"recipe-seed{seed}"]
        quick = {"seed": seed, "epochs": 1, "pairs_per_epoch": 512}
        assert run["settings"] == {**load_set("levers-recipe-v2", ROOT / "experiments")["recipe"], **quick}  # recipe v2, quick
        assert run["epochs"] == 1 and len(run["history"]) == 1
        assert 0 <= run["val"]["accuracy"] <= 1 and 0 <= run["val"]["auc"] <= 1
    assert runs["recipe-seed0"]["val"] != runs["recipe-seed1"]["val"]  # the seed took effect
    table = (tmp_path / "out" / "screen.md").read_text()
    assert "| recipe | 0, 1 |" in table and " ± " in table

    again = subprocess.run(SCREEN + args, capture_output=True, text=True, timeout=HANG_S)
    assert again.returncode == 0
    assert "recipe-seed0:" not in again.stdout  # nothing trained again
    assert json.loads((tmp_path / "out" / "screen.json").read_text()) == runs


def test_screen_refuses_names_not_in_the_set(tmp_path):
    result = subprocess.run(SCREEN + ["--only", "wide", "widest", "--out", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "not in set levers-recipe-v2: widest (it has: recipe, wide," in result.stderr
    assert not list(tmp_path.iterdir())  # nothing written
