"""Values that only the data can judge are refused by the first stage that reads the data,
before it decodes images or trains, naming what the data offers; every other value is judged
by the parameter check at once (see test_params.py for the property-based test)."""

import os
import subprocess
import sys

import numpy as np
import pytest
import yaml
from PIL import Image

from lfw_siamese.data import imagestore
from lfw_siamese.data.archives import image_files

from .conftest import ROOT

RECIPE = yaml.safe_load((ROOT / "params.yaml").read_text())
PEOPLE = [f"Person_{i:02d}" for i in range(30)]  # 3 images each
TEST, TRAIN = PEOPLE[:10], PEOPLE[10:20]  # in pairsDevTest, pairsDevTrain; the rest in neither


def pair_list(people):
    same = [f"{p}\t1\t2" for p in people]
    different = [f"{a}\t1\t{b}\t3" for a, b in zip(people, people[1:] + people[:1], strict=True)]
    return "\n".join([str(len(people)), *same, *different]) + "\n"


# Runs a stage script as `python stages/<name>.py` would, then names on stderr the deep-learning
# backends it had imported by the time it ended.
RUN_AND_REPORT_IMPORTS = """
import runpy, sys
sys.argv = sys.argv[1:]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
finally:
    print("backends imported:", [m for m in ("keras", "tensorflow", "jax") if m in sys.modules],
          file=sys.stderr)
"""


def run_stage(name, cwd, *args, **changes):
    """Run stage check_params, then (if it passed) stage `name` (with `args`), in `cwd` with
    the recipe plus `changes`, as `dvc repro` would; return the last one's result and the
    backends it imported."""
    (cwd / "params.yaml").write_text(yaml.safe_dump({**RECIPE, **changes}, sort_keys=False))
    for script, arguments in (("check_params", ()), (name, args)):
        result = subprocess.run([sys.executable, "-c", RUN_AND_REPORT_IMPORTS,
                                 str(ROOT / "stages" / f"{script}.py"), *arguments], cwd=cwd,
                                capture_output=True, text=True,
                                timeout=1800,  # only turns a hang into a failure: seconds
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        if result.returncode:
            break
    imported = result.stderr.rsplit("backends imported: ", 1)[1].splitlines()[0]
    return result, imported


@pytest.fixture
def downloaded(tmp_path):
    """A workspace as `download` leaves it: 30 people of 3 (tiny) images and two pair lists."""
    faces = tmp_path / "faces"
    for person in PEOPLE:
        (faces / person).mkdir(parents=True)
        for i in (1, 2, 3):
            Image.new("L", (8, 8), 128).save(faces / person / f"{person}_{i:04d}.jpg")
    (tmp_path / "data/lfw/pairs").mkdir(parents=True)
    imagestore.pack(faces, image_files(faces), tmp_path / "data/lfw/images.zip")
    (tmp_path / "data/lfw/pairs/pairsDevTrain.txt").write_text(pair_list(TRAIN))
    (tmp_path / "data/lfw/pairs/pairsDevTest.txt").write_text(pair_list(TEST))
    return tmp_path


def test_prepare_refuses_more_validation_pairs_than_the_validation_people_offer(downloaded):
    # stratified, val_fraction 0.5: 10 of the 20 non-test people validate, 3 same-person
    # pairs each: 30 distinct positives, so at most 61 pairs
    result, imported = run_stage("prepare", downloaded, val_fraction=0.5, val_pairs=62)
    assert result.returncode == 1
    assert ("val_pairs: 62 asks for 31 same-person validation pairs, but the 10 validation "
            "people's images offer 30 distinct ones; use at most 61") in result.stderr
    assert "decoding" not in result.stdout and not (downloaded / "data/pairs").exists()
    assert imported == "[]"
    result, _ = run_stage("prepare", downloaded, val_fraction=0.5, val_pairs=61)
    assert result.returncode == 0, result.stderr
    assert "val: 61 pairs (30 same)" in result.stdout


@pytest.fixture
def prepared(tmp_path):
    """A workspace as `prepare` leaves it for the recipe: 12 training people, 10 of them with
    3 images (30 distinct same-person pairs), 2 with one image."""
    rng = np.random.default_rng(0)
    person = np.concatenate([np.repeat(np.arange(10), 3), [10, 11]]).astype(np.int32)
    images = rng.integers(0, 256, (len(person), 64, 64, 1), dtype=np.uint8)
    (tmp_path / "data/pairs").mkdir(parents=True)
    np.savez(tmp_path / "data/pairs/people.npz", image=images, person=person,
             files=np.array([f"P{p}/P{p}_{i:04d}.jpg" for i, p in enumerate(person)]))
    for split in ("train", "val"):
        np.savez(tmp_path / f"data/pairs/{split}.npz", left=images[:8], right=images[8:16],
                 label=np.array([1, 0] * 4, np.uint8), left_file=np.array(["a"] * 8),
                 right_file=np.array(["b"] * 8))
    return tmp_path


@pytest.mark.parametrize(("changes", "message"), [
    (dict(pairs_per_epoch=31), "pairs_per_epoch: 31 asks for 31 same-person pairs per epoch, "
                               "but the training people's images offer 30 distinct ones"),
    (dict(loss="bce", head="cosine", pairs_per_epoch=62),
     "pairs_per_epoch: 62 asks for 31 same-person pairs per epoch, but the training people's "
     "images offer 30 distinct ones (an epoch would repeat pairs); use at most 61"),
    (dict(pairs_per_epoch=30, batch_size=11),
     "batch_size: 11 asks for that many distinct people per batch (in-batch negatives), but "
     "only 10 training people have two or more images; use at most 10"),
])
def test_train_refuses_what_the_training_people_cannot_serve(prepared, changes, message):
    result, imported = run_stage("train", prepared, **changes)
    assert result.returncode == 1 and message in result.stderr, result.stderr
    assert "Epoch" not in result.stdout and not (prepared / "data/model.keras").exists()
    assert imported == "[]"  # refused before the backend is imported


@pytest.mark.parametrize(("args", "changes", "message"), [
    (["11"], {}, "usage: view2_train.py N, with N the held-out fold (1-10)"),
    (["3"], dict(batch_size=0), "batch_size: got 0, expected an integer >= 1"),
])
def test_a_view2_fold_refuses_before_the_backend_is_imported(tmp_path, args, changes, message):
    result, imported = run_stage("view2_train", tmp_path, *args, **changes)
    assert result.returncode == 1 and message in result.stderr, result.stderr
    assert imported == "[]"
