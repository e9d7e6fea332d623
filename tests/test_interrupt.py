"""Killed stages leave nothing half-written, and re-running gives the same outputs.

Runs the real stage scripts on a small synthetic LFW-like folder, kills them with SIGKILL
mid-way, and compares the re-run with an uninterrupted run. Training twice with the same
parameters must give identical metrics (determinism).
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import yaml
from PIL import Image

from lfw_siamese.data import imagestore
from lfw_siamese.data.archives import image_files

from .conftest import REFERENCE, ROOT

pytestmark = pytest.mark.slow
# Only turns a hang into a failure: prepare and train here take seconds, ~1 min on a slow day.
HANG_S = 3600
PEOPLE = [f"Person_{i:02d}" for i in range(12)]
# The reference's data handling (pairs split at random): the synthetic folder has no people
# outside the two lists to validate on by person.
TINY = {**REFERENCE, "image_size": 65, "filters": [4, 8, 8, 8], "dense_units": 16, "epochs": 3,
        "batch_size": 32, "optimizer": "adam", "lr": 0.001}


def pair_list(rng, n):
    lines = [str(n)]
    for _ in range(n):
        p = rng.choice(PEOPLE)
        lines.append(f"{p}\t1\t{rng.integers(2, 5)}")
    for _ in range(n):
        a, b = rng.choice(PEOPLE, 2, replace=False)
        lines.append(f"{a}\t{rng.integers(1, 5)}\t{b}\t{rng.integers(1, 5)}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A folder shaped like the pipeline's workspace after `download`, with synthetic faces."""
    root = tmp_path_factory.mktemp("mini")
    rng = np.random.default_rng(0)
    faces = tmp_path_factory.mktemp("faces")
    for person in PEOPLE:
        (faces / person).mkdir()
        base = rng.integers(0, 256, (25, 25))
        for i in range(1, 5):
            noisy = np.kron(base, np.ones((10, 10))) + rng.normal(0, 20, (250, 250))
            Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(
                faces / person / f"{person}_{i:04d}.jpg")
    (root / "data/lfw").mkdir(parents=True)
    imagestore.pack(faces, image_files(faces), root / "data/lfw/images.zip")
    (root / "data/lfw/pairs").mkdir()
    (root / "data/lfw/pairs/pairsDevTrain.txt").write_text(pair_list(rng, 600))
    (root / "data/lfw/pairs/pairsDevTest.txt").write_text(pair_list(rng, 50))
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    (root / "params.yaml").write_text(yaml.safe_dump({**params, **TINY}))
    finish(stage("check_params", root))  # data/params/<stage>.json, as `dvc repro` would
    return root


def stage(name, cwd):
    return subprocess.Popen([sys.executable, str(ROOT / "stages" / f"{name}.py")], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def finish(proc):
    out, _ = proc.communicate(timeout=HANG_S)
    assert proc.returncode == 0, out
    return out


def kill_when(proc, ready, timeout=HANG_S):
    """SIGKILL `proc` as soon as `ready()` is true; fail if it ended first."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert proc.poll() is None, "the stage finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.001)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def npz_contents(folder):
    out = {}
    for split in ("train", "val", "test"):
        with np.load(folder / f"{split}.npz") as data:
            out[split] = {k: data[k] for k in data.files}
    return out


def test_killed_prepare_leaves_nothing_and_rerun_matches(project):
    finish(stage("prepare", project))
    reference = npz_contents(project / "data/pairs")
    shutil.rmtree(project / "data/pairs")
    proc = stage("prepare", project)
    kill_when(proc, lambda: (project / "data/.tmp-pairs").exists())
    assert not (project / "data/pairs").exists()  # never a partial result under the final name
    finish(stage("prepare", project))
    assert not (project / "data/.tmp-pairs").exists()  # the leftover was cleaned
    again = npz_contents(project / "data/pairs")
    for split, arrays in reference.items():
        for key, value in arrays.items():
            assert np.array_equal(again[split][key], value), (split, key)


def train_metrics(root):
    """What training wrote, less the wall times and whether it was resumed."""
    detail = json.loads((root / "metrics/train_detail.json").read_text())
    untimed = {k: v for k, v in detail.items()
               if k not in ("seconds", "seconds_per_epoch", "ms_per_step", "resumed_after_epoch")}
    curves = {f.name: f.read_text() for f in (root / "metrics/train").rglob("*.tsv")
              if "seconds" not in f.name}
    return untimed, curves


def test_killed_train_resumes_and_ends_bit_identical(project):
    if not (project / "data/pairs").exists():
        finish(stage("prepare", project))
    finish(stage("train", project))
    reference = train_metrics(project)
    model = (project / "data/model.keras").read_bytes()
    for name in ("data/model.keras", "metrics"):
        path = project / name
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    proc = stage("train", project)
    for line in proc.stdout:  # kill once the first epoch is done
        if line.startswith("Epoch 2/"):
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (project / "data/model.keras").exists()
    assert not (project / "metrics/train_detail.json").exists()
    out = finish(stage("train", project))
    assert "resuming after epoch 1 of an interrupted run" in out
    assert not (project / "data/checkpoints/train").exists()  # removed once finished
    assert train_metrics(project) == reference  # same params, same machine: same numbers
    assert (project / "data/model.keras").read_bytes() == model  # and the same file
