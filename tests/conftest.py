"""Shared fixtures: the real-data mirror (skip when absent) and small synthetic data."""

import os
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

from lfw_siamese.experiments import load_set
from lfw_siamese.params import load_params

ROOT = Path(__file__).resolve().parents[1]
MIRROR = Path(os.environ.get("LFW_MIRROR") or ROOT.parent / "shared" / "data" / "lfw-mirror")
if not MIRROR.is_absolute():
    MIRROR = (ROOT / MIRROR).resolve()

MISSING = (f"real LFW data not found: set LFW_MIRROR to a folder holding lfwa.zip and the pair "
           f"lists (looked in {MIRROR})")


ON_CI = os.environ.get("CI", "").lower() == "true"
# The skips CI accepts, by their reason: the optional parts the README names ("Tests").
OPTIONAL_SKIPS = ("tf.data only",)

# Property-based draws: `default` in `make test`, `full` (--hypothesis-profile=full) in `make
# test-full`. Derandomized: the same draws on every run and machine; no per-draw deadline.
settings.register_profile("default", max_examples=40, derandomize=True, deadline=None)
settings.register_profile("full", max_examples=200, derandomize=True, deadline=None)
settings.load_profile("default")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI (CI=true) every test must run: a skip fails, unless it is an optional one."""
    outcome = yield
    report = outcome.get_result()
    if ON_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if not any(optional in reason for optional in OPTIONAL_SKIPS):
            report.outcome = "failed"
            report.longrepr = (f"skipped under CI=true, where every test must run ({reason}); "
                               f"optional skips: {', '.join(OPTIONAL_SKIPS)}")


def require_mirror() -> None:
    """Skip a test that needs the real data when the mirror is absent; under CI (CI=true), where
    the data is part of the set-up, fail instead, so a missing mirror cannot pass unnoticed."""
    if not (MIRROR / "lfwa.zip").is_file():
        if ON_CI:
            pytest.fail(f"{MISSING}; CI=true: the end-to-end tests must run", pytrace=False)
        pytest.skip(MISSING)


@pytest.fixture
def _mirror_present():
    require_mirror()


needs_mirror = pytest.mark.usefixtures("_mirror_present")


@pytest.fixture(scope="session")
def mirror() -> Path:
    return MIRROR


@pytest.fixture(scope="session")
def lfwa_sample(tmp_path_factory) -> Path:
    """A few real LFW-a person folders, extracted from the mirror's lfwa.zip."""
    require_mirror()
    out = tmp_path_factory.mktemp("lfwa")
    wanted = ("Aaron_Peirsol", "AJ_Cook", "Zinedine_Zidane")
    with zipfile.ZipFile(MIRROR / "lfwa.zip") as zf:
        for info in zf.infolist():
            parts = info.filename.rstrip("/").split("/")
            if len(parts) >= 2 and parts[-2] in wanted and parts[-1].endswith(".jpg"):
                target = out / parts[-2] / parts[-1]
                target.parent.mkdir(exist_ok=True)
                target.write_bytes(zf.read(info))
    return out


def lbp_specs(*crop_cells) -> list:
    """The (kind, spec) of LBP descriptors of each (crop, cells), as fit_descriptors takes."""
    return [("lbp", {"crop": crop, "cells": cells}) for crop, cells in crop_cells]


def face_set(regions: dict):
    """A set of faces named by their row ("0", "1", ...): crop -> (N, side, side) regions."""
    from lfw_siamese.verification.faces import Faces

    return Faces(range(len(next(iter(regions.values())))), regions)


def fusion_features(net_scores, cosines) -> np.ndarray:
    """What the fusion's logistic regression is fitted on: per pair, the net's score as a
    logit, then each descriptor's cosine (to refit it in a test and compare the weights)."""
    from lfw_siamese.verification.fusion import logit

    return np.stack([logit(np.asarray(net_scores, np.float64)), *cosines], 1)


def blob_pairs(n: int, size: int = 65, seed: int = 0) -> dict:
    """A synthetic verification task: a bright square in one of four places; same = same place."""
    rng = np.random.default_rng(seed)
    left_cls = rng.integers(0, 4, n)
    same = rng.integers(0, 2, n)
    right_cls = np.where(same == 1, left_cls, (left_cls + rng.integers(1, 4, n)) % 4)
    cell = size * 3 // 10

    def image(c):
        a = rng.integers(0, 60, (size, size, 1)).astype(np.uint8)
        r, q = divmod(int(c), 2)
        y, x = size // 8 + r * size * 7 // 16, size // 8 + q * size * 7 // 16
        a[y : y + cell, x : x + cell] = 220
        return a

    return {
        "left": np.stack([image(c) for c in left_cls]),
        "right": np.stack([image(c) for c in right_cls]),
        "label": same.astype(np.uint8),
    }


PREPROCESSING = {"image_size": 32, "channels": 1, "crop": 120, "context_crop": 0}


def write_card(data: Path, descriptors=(), fusion: dict | None = None, **preprocessing) -> Path:
    """data/verifier.json of a project whose data folder is `data` (holding model.keras), as
    the evaluate stage writes it (Verifier.save): TTA on, threshold 0.5, PREPROCESSING with
    `preprocessing` over it; with `descriptors` (saved to data/descriptor.npz) fused by the
    weights `fusion`."""
    from lfw_siamese.verification.descriptor import save_descriptors
    from lfw_siamese.verification.fusion import Fusion
    from lfw_siamese.verification.verifier import Verifier

    if descriptors:
        save_descriptors(descriptors, data / "descriptor.npz")
    verifier = Verifier({**PREPROCESSING, **preprocessing}, True, Path("data/model.keras"),
                        tuple(descriptors), Path("data/descriptor.npz") if descriptors else None,
                        Fusion.from_dict(fusion) if fusion else None, 0.5)
    verifier.save(data / "verifier.json", project=data.parent, release="lfwa")
    return data / "verifier.json"


@pytest.fixture(scope="session")
def trained(tmp_path_factory):
    """A small (untrained) lean model and its card, as the evaluate stage leaves them."""
    from lfw_siamese.net.model import build_siamese
    from lfw_siamese.net.training import seed_everything

    root = tmp_path_factory.mktemp("verifier") / "data"
    root.mkdir()
    seed_everything(0)
    build_siamese(image_size=32, channels=1, filters=[4, 8, 8, 8], dense_units=8,
                  batch_norm=True, twin="lean", head="cosine").save(root / "model.keras")
    write_card(root)
    return root


# Small configurations shared by the model and training tests.
RECIPE = load_params(ROOT / "params.yaml")
REFERENCE = load_set("reference", ROOT / "experiments")["reference"]
SLIM = dict(image_size=65, channels=1, filters=[8, 16, 16, 32], dense_units=64)
KOCH = dict(twin="koch", head="l1")  # build_siamese's other arguments
LEAN = dict(image_size=32, channels=1, filters=[8, 8, 16, 16], dense_units=16, twin="lean")
LEAN_MODEL = dict(**LEAN, batch_norm=True)


def params(*overrides: dict, **changes):
    """params.yaml's recipe with some values changed (checked), later ones winning."""
    merged = {}
    for override in (*overrides, changes):
        merged.update(override)
    return RECIPE.replace(**merged)


def count(weights):
    return sum(int(np.prod(w.shape)) for w in weights)


def synthetic_people(n_people, per_person, size, seed):
    """Each person a fixed random pattern; each image that pattern plus noise."""
    rng = np.random.default_rng(seed)
    bases = rng.integers(0, 256, (n_people, size // 4, size // 4))
    images = [np.kron(b, np.ones((4, 4))) + rng.normal(0, 40, (size, size))
              for b in bases for _ in range(per_person)]
    return {"image": np.clip(images, 0, 255).astype(np.uint8)[..., None],
            "person": np.repeat(np.arange(n_people), per_person).astype(np.int32)}


# The recipe's path at a tiny size: in-batch negatives on mined pairs, augmentation, dropout,
# calibration (on 35 distinct images); what the resume and data-parallel tests train.
TINY_RECIPE = RECIPE.replace(image_size=32, filters=[8, 8, 16, 16], dense_units=16,
                             pairs_per_epoch=96, batch_size=16, epochs=4)


def tiny_recipe_data() -> tuple[dict, dict]:
    """(training people, validation pairs of other people) for TINY_RECIPE."""
    from lfw_siamese.net.mining import mine_pairs

    people = synthetic_people(30, 3, 32, seed=1)
    unseen = synthetic_people(12, 3, 32, seed=2)
    left, right, label = mine_pairs(unseen["person"], 64, np.random.default_rng(0))
    return people, {"left": unseen["image"][left], "right": unseen["image"][right],
                    "label": label}


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory):
    """The project on the synthetic LFW (tests/synthetic_lfw.py), View 2 run and committed
    (the main pipeline's other stages are the real pipeline test's: test_pipeline.py)."""
    from .project import copy_project, run
    from .synthetic_lfw import SYNTHETIC, write_release

    repo = tmp_path_factory.mktemp("synthetic")
    env = copy_project(repo, SYNTHETIC)
    run(["dvc", "repro", "check_params"], repo, env)
    write_release(repo / "data/lfw")
    run(["dvc", "commit", "-f", "download"], repo, env)
    ten = run(["dvc", "repro", "view2/dvc.yaml"], repo, env).stdout
    run(["git", "add", "-A"], repo, env)
    run(["git", "commit", "-qm", "View 2"], repo, env)
    return repo, env, ten
