"""The Verifier: fitted on held-out pairs, scoring and judging others, saved as one card with
the files it names, and refusing a card it cannot trust (naming the file and the fix)."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from lfw_siamese.cli import main
from lfw_siamese.config import StageParams
from lfw_siamese.errors import LfwError
from lfw_siamese.net.inference import NetScores
from lfw_siamese.verification import metrics as m
from lfw_siamese.verification.descriptor import fit_descriptors, save_descriptors
from lfw_siamese.verification.verifier import Pairs, Verifier, described

from .conftest import PREPROCESSING, face_set, fusion_features, lbp_specs


def faces_and_pairs(n: int, seed: int):
    """Gray faces of 6 people (each person's faces one noisy pattern), and `n` labelled pairs
    of them with net scores that see the label through noise of their own."""
    rng = np.random.default_rng(seed)
    patterns = rng.integers(0, 256, (6, 32, 32))
    person = np.repeat(np.arange(6), 8)
    faces = np.clip(patterns[person] + rng.normal(0, 40, (48, 32, 32)), 0, 255).astype(np.uint8)
    left, right = rng.integers(0, 48, n), rng.integers(0, 48, n)
    right[: n // 2] = [rng.choice(np.flatnonzero(person == person[i])) for i in left[: n // 2]]
    label = (person[left] == person[right]).astype(np.uint8)
    plain = 1 / (1 + np.exp(-(2 * label - 1 + rng.normal(0, 1.5, n))))
    flipped = 1 / (1 + np.exp(-(2 * label - 1 + rng.normal(0, 1.5, n))))

    return faces, person, Pairs(label, NetScores(plain, flipped),
                                face_set({120: faces, 90: faces[:, ::-1]}), left, right)


@pytest.fixture(scope="module")
def fitted():
    """A verifier of a (nominal) net and two descriptors, fitted on held-out pairs."""
    faces, person, held_out = faces_and_pairs(200, 0)
    descriptors = fit_descriptors(held_out.faces, person, lbp_specs((120, 2), (90, 4)), dims=8)
    verifier = Verifier(PREPROCESSING, True, Path("data/model.keras"), tuple(descriptors),
                        Path("data/descriptor.npz"))
    return verifier.fit(held_out), held_out


def test_fit_chooses_the_fusion_and_the_threshold_on_the_held_out_pairs(fitted):
    from sklearn.linear_model import LogisticRegression

    verifier, held_out = fitted
    cosines = held_out.cosines(list(verifier.descriptors))
    net = held_out.net.combined(True)  # tta: the mean of the plain and flipped scores
    refit = LogisticRegression().fit(fusion_features(net, cosines), held_out.label)
    assert [verifier.fusion.net, *verifier.fusion.descriptors] == pytest.approx(
        list(refit.coef_[0]), rel=1e-4, abs=1e-6)
    scores = verifier.score(held_out)
    assert np.allclose(scores["fused"], verifier.fusion(net, cosines))
    assert np.array_equal(scores["net"], net) and len(scores["descriptors"]) == 2
    assert verifier.threshold == m.best_threshold(held_out.label, scores["fused"])


def test_judge_gives_each_groups_metrics_at_the_fitted_threshold(fitted):
    verifier, _ = fitted
    *_, new = faces_and_pairs(300, 1)
    judged = verifier.judge({"test": new})["test"]
    fused = verifier.score(new)["fused"]
    assert judged == {"pairs": 300, **m.summary(new.label, fused, verifier.threshold)}
    assert np.array_equal(verifier.decide(fused), fused > verifier.threshold)


def test_the_net_alone_and_the_descriptors_alone_are_verifiers_too(fitted):
    verifier, held_out = fitted
    branches = {name: v.fit(held_out) for name, v in verifier.branches().items()}
    net, alone = branches["net"], branches["descriptors"]
    assert net.descriptors == () and net.fusion is None
    assert np.array_equal(net.score(held_out)["fused"], held_out.net.combined(True))
    assert alone.model is None and alone.fusion.net is None
    assert alone.score(held_out)["net"] is None
    assert net.branches() == {} and alone.branches() == {}
    with pytest.raises(LfwError, match="needs a net, descriptors, or both"):
        alone.net_alone()


def test_no_descriptor_is_fitted_without_fusion():
    values = {"fusion": "none", "lbp_crops": [120], "lbp_cells": [8, 6], "lbp_pca": 50}
    assert described(StageParams("describe", values)) == ()
    values["fusion"] = "lbp"
    assert list(described(StageParams("describe", values))) == lbp_specs((120, 8), (120, 6))


@pytest.fixture
def saved(fitted, tmp_path):
    """The fitted verifier saved in a project at tmp_path, with its files."""
    verifier, _ = fitted
    (tmp_path / "data").mkdir()
    (tmp_path / "data/model.keras").write_bytes(b"a net")
    save_descriptors(list(verifier.descriptors), tmp_path / "data/descriptor.npz")
    verifier.save(tmp_path / "data/verifier.json", project=tmp_path, release="lfwa")
    return tmp_path / "data/verifier.json"


def test_save_then_load_gives_the_same_verifier(fitted, saved):
    verifier, held_out = fitted
    loaded = Verifier.load(saved)
    project = saved.parent.parent.resolve()
    assert loaded.model == project / "data/model.keras"
    assert loaded.descriptor_file == project / "data/descriptor.npz"
    assert (loaded.preprocessing, loaded.tta, loaded.fusion, loaded.threshold) == (
        verifier.preprocessing, verifier.tta, verifier.fusion, verifier.threshold)
    assert np.array_equal(loaded.score(held_out)["fused"], verifier.score(held_out)["fused"])
    card = json.loads(saved.read_text())
    assert card["format"] == 2 and card["release"] == "lfwa" and card["descriptor_count"] == 2


def edit(card: Path, **changes):
    card.write_text(json.dumps({**json.loads(card.read_text()), **changes}))


def test_a_named_file_missing_or_changed_is_refused_naming_it(saved):
    (saved.parent / "descriptor.npz").rename(saved.parent / "elsewhere.npz")
    with pytest.raises(LfwError, match=r"descriptor.npz: not found, though .*verifier.json "
                                       r"names it: run `dvc repro`"):
        Verifier.load(saved)
    (saved.parent / "elsewhere.npz").rename(saved.parent / "descriptor.npz")
    (saved.parent / "model.keras").write_bytes(b"another net")
    with pytest.raises(LfwError, match=r"model.keras: not the file .*verifier.json was fitted "
                                       r"with \(sha256 differs\): run `dvc repro`"):
        Verifier.load(saved)
    assert Verifier.load(saved, model=saved.parent / "model.keras").threshold  # --model


def test_a_card_of_another_format_is_refused_naming_the_fix(saved):
    edit(saved, format=3)
    with pytest.raises(LfwError, match="verifier.json: a verifier card of format 3, this version "
                                       r"reads format 2: re-run `dvc repro`"):
        Verifier.load(saved)


def test_a_descriptor_count_that_does_not_match_is_refused(saved):
    edit(saved, descriptor_count=3)
    with pytest.raises(LfwError, match=r"verifier.json: names 3 descriptor\(s\) with fusion "
                                       r"weights for 2, but .*descriptor.npz holds 2"):
        Verifier.load(saved)


def test_an_old_card_makes_verify_name_the_fix(trained, tmp_path, capsys):
    """A data/verifier.json of the format before the Verifier (no `format`): an error naming
    `dvc repro`, not a traceback."""
    shutil.copytree(trained, tmp_path / "data")
    (tmp_path / "data/verifier.json").write_text(json.dumps(
        {"model": "data/model.keras", "release": "lfwa", "image_size": 32, "channels": 1,
         "crop": 120, "context_crop": 0, "tta": True, "descriptor": None, "fusion": None,
         "threshold": 0.5, "val_accuracy": 0.9}))
    assert main(["verify", "--card", str(tmp_path / "data/verifier.json"), "a.jpg",
                 "b.jpg"]) == 2
    err = capsys.readouterr().err
    assert ("verifier.json: a verifier card of format none, this version reads format 2: "
            "re-run `dvc repro` to write it anew") in err
    assert "Traceback" not in err
