"""`lfw-siamese identify`: a probe against a gallery folder of known people, with the small
(untrained) model of the CI: what such a model can show, and every error named."""

import json

import numpy as np
import pytest
from PIL import Image

from lfw_siamese.cli import main
from lfw_siamese.errors import LfwError
from lfw_siamese.gallery import read_gallery


def photo(path, seed: int):
    """A 250 x 250 LFW-framed stand-in: noise of its own."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (250, 250), np.uint8)).save(path)
    return path


@pytest.fixture
def gallery(tmp_path):
    """Ann (a folder of two photos), Bob (one photo named after him), Cy (a folder of one), and
    a file that is not an image."""
    root = tmp_path / "gallery"
    photo(root / "Ann" / "a1.jpg", 1), photo(root / "Ann" / "a2.png", 2)
    photo(root / "Bob.jpg", 3), photo(root / "Cy" / "c1.jpg", 4)
    (root / "README.txt").write_text("who is who")
    return root


@pytest.fixture(autouse=True)
def cache_home(tmp_path, monkeypatch):
    """The user's cache folder, here a temporary one."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache-home"))
    return tmp_path / "cache-home"


def run(trained, *argv):
    return main(["identify", "--model", str(trained / "model.keras"), "--card",
                 str(trained / "verifier.json"), "--lfw-framed", *map(str, argv)])


def test_a_gallery_photo_is_its_person_and_a_stranger_at_a_strict_threshold_unknown(
        trained, gallery, tmp_path, capsys):
    stranger = photo(tmp_path / "stranger.jpg", 9)
    probes = [gallery / "Ann" / "a2.png", gallery / "Bob.jpg", stranger]
    assert run(trained, *probes, "--gallery", gallery, "--top", 3, "--json") == 0
    out = capsys.readouterr()
    ann, bob, other = json.loads(out.out)
    assert "README.txt: not an image, skipped" in out.err
    assert (ann["identity"], bob["identity"]) == ("Ann", "Bob")  # a person: their best photo
    assert [m["person"] for m in ann["matches"]][0] == "Ann" and len(ann["matches"]) == 3
    scores = [m["score"] for m in other["matches"]]
    assert scores == sorted(scores, reverse=True) and ann["threshold"] == 0.5
    strict = min(ann["matches"][0]["score"], bob["matches"][0]["score"])  # a photo vs itself
    assert max(scores) < strict
    assert run(trained, stranger, "--gallery", gallery, "--threshold", strict) == 0
    line = capsys.readouterr().out.strip()
    assert line == f"{stranger},unknown,{max(scores):.4f}"


def test_bad_galleries_are_refused_naming_them(trained, gallery, tmp_path, capsys):
    with pytest.raises(LfwError, match="the gallery holds no photo"):
        read_gallery((tmp_path / "empty").mkdir() or tmp_path / "empty")
    with pytest.raises(LfwError, match="must be a folder"):
        read_gallery(gallery / "Bob.jpg")
    photo(gallery / "Bob" / "b2.jpg", 5)
    with pytest.raises(LfwError, match=r"Bob is given twice \(.*Bob and .*Bob.jpg\): keep one"):
        read_gallery(gallery)
    (gallery / "Bob" / "b2.jpg").unlink()
    with pytest.raises(LfwError, match=r"Bob: no photo of Bob in it"):
        read_gallery(gallery)
    (gallery / "Bob").rmdir()
    (gallery / "Cy" / "c1.jpg").write_text("not an image")
    assert run(trained, gallery / "Bob.jpg", "--gallery", gallery) == 2
    assert "no usable photo of Cy: " in capsys.readouterr().err


def test_a_bad_probe_gets_its_error_and_the_others_are_identified(trained, gallery, tmp_path,
                                                                 capsys):
    (tmp_path / "broken.jpg").write_text("not an image")
    assert run(trained, tmp_path / "broken.jpg", gallery / "Bob.jpg", "--gallery", gallery) == 1
    out = capsys.readouterr()
    assert out.out.startswith(f"{gallery / 'Bob.jpg'},Bob,")
    assert "broken.jpg: cannot decode image" in out.err
    with pytest.raises(SystemExit):
        run(trained, gallery / "Bob.jpg", "--gallery", gallery, "--top", 0)


@pytest.mark.parametrize("fused", [False, True])
def test_the_gallery_scores_are_verifys_pair_scores(trained, gallery, tmp_path, fused):
    """Embedding each photo once and scoring every pair of embeddings with the net's head
    (then the descriptors and the fusion) gives each (probe, gallery photo) pair the score
    `verify` gives it, with the net alone and fused with two descriptors."""
    from lfw_siamese.cli import verify
    from lfw_siamese.identify import identify

    from .test_cli import fused_card

    card, model = trained / "verifier.json", trained / "model.keras"
    if fused:
        (tmp_path / "fused").mkdir()
        _, card = fused_card(trained, tmp_path / "fused")
        model = None
    probes = [photo(tmp_path / "p1.jpg", 7), gallery / "Cy" / "c1.jpg"]
    results, _ = identify(probes, gallery, card, model, top=3, lfw_framed=True)
    for probe, result in zip(probes, results, strict=True):
        for match in result["matches"]:
            photos = [p for p in gallery.rglob("*") if p.suffix in (".jpg", ".png")
                      and (p.parent.name == match["person"] or p.stem == match["person"])]
            best = max(verify([(probe, p)], model, card, lfw_framed=True)[0]["score"]
                       for p in photos)
            assert match["score"] == pytest.approx(best, abs=1e-5)


def test_the_gallery_is_embedded_once_then_read_from_its_cache_until_a_photo_changes(
        trained, gallery, tmp_path, cache_home):
    from lfw_siamese.identify import identify

    card, model = trained / "verifier.json", trained / "model.keras"
    inside = sorted(gallery.rglob("*"))
    probes = [photo(tmp_path / "p.jpg", 8), gallery / "Bob.jpg"]
    first, notes = identify(probes, gallery, card, model, top=3, lfw_framed=True)
    cached = list(cache_home.rglob("*.npz"))
    assert len(cached) == 1 and f"the gallery's 4 photos cached in {cached[0]}" in notes
    again, notes = identify(probes, gallery, card, model, top=3, lfw_framed=True)
    assert again == first and f"the gallery's 4 photos from the cache {cached[0]}" in notes
    uncached, notes = identify(probes, gallery, card, model, top=3, lfw_framed=True,
                               cache=False)
    assert uncached == first and not any("cache" in n for n in notes)
    assert sorted(gallery.rglob("*")) == inside  # nothing written in the gallery
    photo(gallery / "Bob.jpg", 30)  # Bob's photo replaced
    changed, notes = identify(probes, gallery, card, model, top=3, lfw_framed=True)
    assert any("was out of date (photos, model or card changed): rebuilt" in n for n in notes)
    assert changed[1]["matches"] != first[1]["matches"]  # Bob's new photo scored
    elsewhere = tmp_path / "mine.npz"
    assert run(trained, probes[0], "--gallery", gallery, "--cache", elsewhere) == 0
    assert elsewhere.is_file() and list(cache_home.rglob("*.npz")) == cached


def test_far_picks_the_threshold_measured_on_validation_people(trained, gallery, capsys):
    from lfw_siamese.fsutil import sha256_file

    card = trained / "verifier.json"
    table = trained / "thresholds.json"
    probe = gallery / "Bob.jpg"
    assert run(trained, probe, "--gallery", gallery, "--far", 0.001) == 2
    assert "thresholds.json: not found: --far needs the stage identify's thresholds: run " \
           "`dvc repro identify`" in capsys.readouterr().err
    table.write_text(json.dumps({"card_sha256": sha256_file(card), "impostor_pairs": 1000,
                                 "far": [0.001, 0.01], "threshold": [0.9, 0.7]}))
    try:
        assert run(trained, probe, "--gallery", gallery, "--far", 0.00316228, "--json") == 0
        assert json.loads(capsys.readouterr().out)[0]["threshold"] == pytest.approx(0.8)
        assert run(trained, probe, "--gallery", gallery, "--far", 0.1) == 2
        assert "--far 0.1: the thresholds are measured for false accept rates from 0.001 to " \
               "0.01 (1,000 pairs)" in capsys.readouterr().err
        table.write_text(json.dumps({"card_sha256": "0" * 64, "far": [0.001], "threshold": [1]}))
        assert run(trained, probe, "--gallery", gallery, "--far", 0.001) == 2
        assert "measured for another card than" in capsys.readouterr().err
        with pytest.raises(SystemExit):
            run(trained, probe, "--gallery", gallery, "--far", 0.001, "--threshold", 0.5)
    finally:
        table.unlink()


@pytest.mark.parametrize("index", ["flat", "flat16", "hnsw"])
def test_an_index_finds_the_candidates_that_are_then_scored_exactly(trained, gallery, tmp_path,
                                                                   index):
    """A FAISS index of the gallery's vectors gives the same people and scores as scoring
    every photo, here where its candidates are the whole gallery."""
    from lfw_siamese.identify import identify

    card, model = trained / "verifier.json", trained / "model.keras"
    probes = [photo(tmp_path / "p.jpg", 11), gallery / "Ann" / "a1.jpg"]
    exact, _ = identify(probes, gallery, card, model, top=3, lfw_framed=True, index="exact")
    found, notes = identify(probes, gallery, card, model, top=3, lfw_framed=True, index=index)
    assert found == exact and found[1]["identity"] == "Ann"
    assert any(f"searched by a FAISS {index} index" in n for n in notes)


def test_the_search_is_chosen_by_the_gallery_s_size():
    """Exact scores up to 100,000 photos; then flat16 while its float16 vectors fit 4 GB (a
    million photos at the default's dimension); ivfpq beyond."""
    from lfw_siamese.verification.index import chosen

    assert chosen(100_000, 1751) == "exact"
    assert chosen(100_001, 1751) == chosen(1_000_000, 1751) == "flat16"
    assert chosen(1_200_000, 1751) == chosen(200_000, 20_000) == "ivfpq"


def test_a_gallery_without_one_usable_photo_is_refused(trained, tmp_path, capsys):
    root = tmp_path / "broken"
    root.mkdir()
    (root / "Dee.jpg").write_text("not an image")
    assert run(trained, photo(tmp_path / "p.jpg", 3), "--gallery", root) == 2
    assert "no usable photo in the gallery: " in capsys.readouterr().err
