"""`lfw-siamese verify`: two photos or a CSV of pairs, text or JSON, and its error paths."""

import csv
import json
import os
import shutil
import subprocess
import sys

import keras
import numpy as np
import pytest
from PIL import Image

from lfw_siamese.cli import main, verify
from lfw_siamese.data.images import load_image
from lfw_siamese.net.inference import score_pairs

from .conftest import face_set, lbp_specs, write_card


@pytest.fixture
def photos(tmp_path):
    """Arbitrary images that are not faces: odd sizes, RGB, grayscale, PNG."""
    rng = np.random.default_rng(0)
    paths = []
    for name, shape in (("noise.jpg", (300, 180, 3)), ("gray.jpg", (90, 120)),
                        ("small.png", (70, 70, 3))):
        Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8)).save(tmp_path / name)
        paths.append(tmp_path / name)
    return paths


def args(trained, *rest, lfw_framed=True):
    """`verify` with the small model; these photos are not faces, so `--lfw-framed` unless
    detection is what a test is about (test_faces)."""
    return ["verify", "--model", str(trained / "model.keras"),
            "--card", str(trained / "verifier.json"), *map(str, rest),
            *(["--lfw-framed"] if lfw_framed else [])]


def test_two_arbitrary_images_give_score_and_decision(trained, photos, capsys):
    assert main(args(trained, photos[0], photos[1], "--json")) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"left", "right", "score", "same_person", "threshold", "faces"}
    assert out["faces"] == {"left": None, "right": None}  # --lfw-framed: no detection
    assert 0 < out["score"] < 1 and out["threshold"] == 0.5
    assert out["same_person"] == (out["score"] > 0.5)


def test_score_uses_the_training_preprocessing(trained, photos):
    [result] = verify([(photos[0], photos[2])], trained / "model.keras",
                      trained / "verifier.json", lfw_framed=True)
    model = keras.saving.load_model(trained / "model.keras", safe_mode=True)
    left, right = (load_image(p, 32, 1, 120)[None] for p in (photos[0], photos[2]))
    assert result["score"] == pytest.approx(float(score_pairs(model, left, right, tta=True)[0]),
                                            abs=1e-6)


def test_a_two_region_model_gets_both_regions_from_its_card(photos, tmp_path):
    from lfw_siamese.net.model import build_siamese

    data = tmp_path / "data"
    data.mkdir()
    build_siamese(image_size=32, channels=1, filters=[4, 8, 8, 8], dense_units=8,
                  batch_norm=True, twin="lean", head="cosine", regions=2).save(
        data / "model.keras")
    [result] = verify([(photos[0], photos[2])], None, write_card(data, context_crop=200),
                      lfw_framed=True)
    model = keras.saving.load_model(data / "model.keras", safe_mode=True)
    left, right = (np.concatenate([load_image(p, 32, 1, c) for c in (120, 200)], axis=-1)[None]
                   for p in (photos[0], photos[2]))
    assert result["score"] == pytest.approx(float(score_pairs(model, left, right, tta=True)[0]),
                                            abs=1e-6)


FUSION = {"net": 0.5, "descriptors": [3.0, -1.0], "offset": -0.2}  # a fused card's weights


def fused_card(trained, folder):
    """Two LBP descriptors (crops 120 and 90) fitted on random faces, and the card of a
    project in `folder` fusing them with the `trained` net by FUSION (with the descriptors'
    file, data/descriptor.npz, and the net's, data/model.keras)."""
    from lfw_siamese.verification.descriptor import fit_descriptors

    faces = np.random.default_rng(0).integers(0, 256, (12, 32, 32), dtype=np.uint8)
    descriptors = fit_descriptors(face_set({120: faces, 90: faces[::-1]}),
                                  np.repeat(np.arange(4), 3), lbp_specs((120, 2), (90, 4)), dims=6)
    (folder / "data").mkdir()
    shutil.copy(trained / "model.keras", folder / "data/model.keras")
    return descriptors, write_card(folder / "data", descriptors, FUSION)


def cosine_by_hand(descriptor, left, right) -> float:
    """The descriptor's cosine of two gray regions (side x side), written out."""
    from lfw_siamese.verification.features.lbp import grid_histograms, lbp_codes

    a, b = (descriptor.project(grid_histograms(lbp_codes(region[None]),
                                               descriptor.spec["cells"]))[0]
            for region in (left, right))
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def fused_by_hand(net_score: float, cosines: list, descriptors=True) -> float:
    """FUSION's formula written out: sigmoid(w · logit(net) + Σ wᵢ · cosᵢ + offset); without
    `descriptors`, the net's term and the offset only."""
    z = FUSION["net"] * np.log(net_score / (1 - net_score)) + FUSION["offset"]
    if descriptors:
        z += sum(w * c for w, c in zip(FUSION["descriptors"], cosines, strict=True))
    return float(1 / (1 + np.exp(-z)))


def test_a_fused_card_fuses_the_net_with_the_descriptors_each_on_its_region(trained, photos,
                                                                            tmp_path):
    descriptors, card = fused_card(trained, tmp_path)
    [result] = verify([(photos[0], photos[2])], None, card, lfw_framed=True)
    model = keras.saving.load_model(trained / "model.keras", safe_mode=True)
    left, right = (load_image(p, 32, 1, 120)[None] for p in (photos[0], photos[2]))
    net = float(score_pairs(model, left, right, tta=True)[0])
    cosines = [cosine_by_hand(d, *(load_image(p, 32, 1, d.crop)[..., 0]
                                   for p in (photos[0], photos[2]))) for d in descriptors]
    assert result["score"] == pytest.approx(fused_by_hand(net, cosines), abs=1e-6)
    without = fused_by_hand(net, cosines, descriptors=False)  # the descriptors do count
    assert result["score"] != pytest.approx(without, abs=1e-3)


def test_real_lfw_faces(trained, lfwa_sample, capsys):
    a, b = sorted((lfwa_sample / "Zinedine_Zidane").glob("*.jpg"))[:2]
    assert main(args(trained, a, b)) == 0
    out = capsys.readouterr().out
    assert "Zinedine_Zidane_0001.jpg" in out and "threshold 0.5000" in out
    assert ("same person" in out) != ("different people" in out)


def test_pair_file_scores_every_row_with_a_progress_bar(trained, photos, tmp_path, capsys):
    rows = [("noise.jpg", "gray.jpg"), ("gray.jpg", "small.png"), ("small.png", "small.png")]
    with open(tmp_path / "pairs.csv", "w", newline="") as f:
        csv.writer(f).writerows([("left", "right"), *rows])
    assert main(args(trained, "--pairs", tmp_path / "pairs.csv", "--json")) == 0
    captured = capsys.readouterr()
    results = json.loads(captured.out)
    assert [(r["left"], r["right"]) for r in results] == [
        (str(tmp_path / a), str(tmp_path / b)) for a, b in rows]
    assert results[2]["score"] > results[0]["score"]  # an image with itself: cosine 1
    assert "images: 100%" in captured.err


def text_file(folder):
    (folder / "notes.jpg").write_text("not an image")
    return folder / "notes.jpg"


@pytest.mark.parametrize(("make", "message"), [
    (lambda d: d / "absent.jpg", "absent.jpg: image not found"),
    (text_file, "notes.jpg: cannot decode image"),
    (lambda d: d, "is a folder, not an image"),
])
def test_bad_images_are_named(trained, photos, tmp_path, capsys, make, message):
    assert main(args(trained, photos[0], make(tmp_path))) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(("text", "message"), [
    ("a,b\nx.jpg,y.jpg\n", "pairs.csv:1: expected the header 'left,right'"),
    ("left,right\nnoise.jpg\n", "pairs.csv:2: expected 2 fields (left,right), got 1"),
    ("left,right\n\n", "pairs.csv: no pairs after the header"),
])
def test_bad_pair_files_say_where(trained, photos, tmp_path, capsys, text, message):
    (tmp_path / "pairs.csv").write_text(text)
    assert main(args(trained, "--pairs", tmp_path / "pairs.csv")) == 2
    assert message in capsys.readouterr().err


def test_missing_model_or_card_says_how_to_get_one(trained, photos, tmp_path, capsys):
    missing = ["verify", "--model", str(tmp_path / "none.keras"), "--card",
               str(trained / "verifier.json"), str(photos[0]), str(photos[1]), "--lfw-framed"]
    assert main(missing) == 2
    assert "no trained model: run `dvc repro` first" in capsys.readouterr().err
    assert main(["verify", "--card", str(tmp_path / "none.json"), str(photos[0]),
                 str(photos[1])]) == 2
    assert "none.json: not found: train and evaluate a model first" in capsys.readouterr().err


@pytest.fixture
def project(trained, tmp_path):
    """A project folder as `dvc repro` leaves it: data/model.keras and data/verifier.json."""
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    shutil.copy(trained / "model.keras", root / "data/model.keras")
    shutil.copy(trained / "verifier.json", root / "data/verifier.json")
    return root


def test_verify_from_any_folder_finds_the_project(project, photos, tmp_path, monkeypatch,
                                                  capsys):
    """From a folder inside the project, its model; from anywhere else, the project named by
    LFW_SIAMESE_PROJECT; photo paths relative to the current folder either way."""
    monkeypatch.setattr("lfw_siamese.cli.PACKAGE_PROJECT", tmp_path / "not-a-project")
    monkeypatch.delenv("LFW_SIAMESE_PROJECT", raising=False)
    inside = project / "photos" / "today"
    inside.mkdir(parents=True)
    for photo in photos[:2]:
        shutil.copy(photo, inside / photo.name)
    monkeypatch.chdir(inside)
    assert main(["verify", "--json", "--lfw-framed", photos[0].name, photos[1].name]) == 0
    from_inside = json.loads(capsys.readouterr().out)
    assert from_inside["left"] == photos[0].name  # as the user typed it
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(["verify", "--lfw-framed", "../project/photos/today/noise.jpg",
                 "../project/photos/today/gray.jpg"]) == 2
    err = capsys.readouterr().err
    assert (f"no trained model found: looked for data/verifier.json in {elsewhere}, "
            f"{tmp_path} and above, {tmp_path / 'not-a-project'}") in err
    assert "set LFW_SIAMESE_PROJECT to the project's folder, or pass --card" in err
    monkeypatch.setenv("LFW_SIAMESE_PROJECT", str(project))
    assert main(["verify", "--json", "--lfw-framed", "../project/photos/today/noise.jpg",
                 "../project/photos/today/gray.jpg"]) == 0
    assert json.loads(capsys.readouterr().out)["score"] == from_inside["score"]
    monkeypatch.setenv("LFW_SIAMESE_PROJECT", str(elsewhere))
    assert main(["verify", "--lfw-framed", "a.jpg", "b.jpg"]) == 2
    assert (f"LFW_SIAMESE_PROJECT={elsewhere}: no trained model there (data/verifier.json not "
            "found)") in capsys.readouterr().err


def test_one_image_is_a_usage_error(trained, photos):
    with pytest.raises(SystemExit) as exit_:
        main(args(trained, photos[0]))
    assert exit_.value.code == 2


@pytest.mark.slow
def test_installed_command_from_a_folder_outside_the_project(project, photos, tmp_path):
    exe = shutil.which("lfw-siamese", path=os.path.dirname(sys.executable))
    if exe is None:
        pytest.skip("lfw-siamese is not installed in this environment (pip install -e .)")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run([exe, "verify", "--lfw-framed", "../noise.jpg", "../gray.jpg"],
                            cwd=elsewhere, capture_output=True, text=True,
                            env={**os.environ, "LFW_SIAMESE_PROJECT": str(project)},
                            timeout=1800)  # a hang, not speed: one pair takes ~20 s
    assert result.returncode == 0, result.stderr
    assert "(threshold 0.5000, chosen on validation)" in result.stdout
    assert "../noise.jpg  ../gray.jpg" in result.stdout
