"""Finding and framing faces for `verify`: real LFW-a faces placed in photos as users take them
(turned with an EXIF tag, shifted and scaled in a larger canvas, two faces, none, too small)."""

import json

import numpy as np
import pytest
from PIL import Image

from lfw_siamese.cli import main
from lfw_siamese.data.faces import FRAME, network_input, smallest_face
from lfw_siamese.data.images import ORIENTATION, UPRIGHT, load_image
from lfw_siamese.errors import LfwError

from . import test_cli

SIZE, CHANNELS, CROP = 32, 1, 120  # the `trained` fixture's card (conftest)


def verify_args(trained, *rest):
    return test_cli.args(trained, *rest, lfw_framed=False)


@pytest.fixture(scope="module")
def face(lfwa_sample) -> Image.Image:
    """A real LFW-a face, as an RGB image."""
    return Image.open(lfwa_sample / "Zinedine_Zidane" / "Zinedine_Zidane_0001.jpg").convert("RGB")


def canvas(faces, size=(700, 500), background=90):
    """A photo: each (face image, scale, (left, top)) pasted into a flat canvas."""
    photo = Image.new("RGB", size, (background,) * 3)
    for image, scale, at in faces:
        side = round(image.width * scale)
        photo.paste(image.resize((side, side), Image.Resampling.LANCZOS), at)
    return photo


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel().astype(float), b.ravel().astype(float))[0, 1])


def test_an_lfw_image_frames_as_lfw_framed_it(face, tmp_path):
    """Detection on an LFW-a image finds its face where LFW put it, and the network's input is
    nearly the one training uses."""
    face.save(tmp_path / "lfw.png")
    detected, _, faces = network_input(tmp_path / "lfw.png", SIZE, CHANNELS, CROP)
    framed, _, none = network_input(tmp_path / "lfw.png", SIZE, CHANNELS, CROP, lfw_framed=True)
    assert none == [] and len(faces) == 1
    box = faces[0]
    assert abs(box.x + box.w / 2 - 125) < 8 and abs(box.y + box.h / 2 - 125) < 8
    assert abs(FRAME * box.w - 250) < 30
    assert correlation(detected, framed) > 0.7  # pixels of a ~5% smaller or larger frame


@pytest.mark.parametrize(("scale", "at"), [(0.8, (30, 40)), (1.6, (250, 60)), (1.0, (450, 250))])
def test_a_face_shifted_and_scaled_in_a_photo_is_framed_back(face, tmp_path, scale, at):
    """Wherever and however large the face is, it is found where it was put and the network
    sees about what it sees in the LFW image; without detection (the photo's centre) it does
    not."""
    face.save(tmp_path / "lfw.png")
    want, _, [lfw] = network_input(tmp_path / "lfw.png", SIZE, CHANNELS, CROP)
    canvas([(face, scale, at)]).save(tmp_path / "photo.png")
    got, _, [found] = network_input(tmp_path / "photo.png", SIZE, CHANNELS, CROP)
    centre, _, _ = network_input(tmp_path / "photo.png", SIZE, CHANNELS, CROP, lfw_framed=True)
    for placed, start in ((found.x, at[0] + lfw.x * scale), (found.y, at[1] + lfw.y * scale),
                          (found.w, lfw.w * scale)):
        assert abs(placed - start) < 0.08 * lfw.w * scale
    assert correlation(got, want) > 0.7
    assert correlation(centre, want) < 0.5


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_gives_the_upright_result(face, tmp_path, orientation):
    upright = canvas([(face, 1.0, (40, 120))], size=(330, 500))
    stored = upright
    if orientation in UPRIGHT:  # store the pixels so that UPRIGHT[orientation] undoes it
        inverse = {Image.Transpose.ROTATE_90: Image.Transpose.ROTATE_270,
                   Image.Transpose.ROTATE_270: Image.Transpose.ROTATE_90}
        stored = upright.transpose(inverse.get(UPRIGHT[orientation], UPRIGHT[orientation]))
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    stored.save(tmp_path / "tagged.png", exif=exif)
    upright.save(tmp_path / "upright.png")
    got, _, got_faces = network_input(tmp_path / "tagged.png", SIZE, 3, CROP)
    want, _, want_faces = network_input(tmp_path / "upright.png", SIZE, 3, CROP)
    assert got_faces == want_faces and len(want_faces) == 1
    np.testing.assert_array_equal(got, want)


def test_two_faces_the_larger_is_used_and_both_are_listed(trained, face, tmp_path, capsys):
    canvas([(face, 0.7, (20, 150)), (face, 1.2, (300, 60))]).save(tmp_path / "two.png")
    face.save(tmp_path / "one.png")
    assert main(verify_args(trained, tmp_path / "two.png", tmp_path / "one.png", "--json")) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    left = result["faces"]["left"]
    assert left["x"] > 300 and left["w"] > 100  # the larger face, on the right of the photo
    assert "all_faces" not in result
    assert "two.png: 2 faces found; using the largest" in captured.err
    assert main(verify_args(trained, tmp_path / "two.png", tmp_path / "one.png", "--json",
                     "--all-faces")) == 0
    listed = json.loads(capsys.readouterr().out)["all_faces"]
    assert len(listed["left"]) == 2 and listed["left"][0] == left
    assert listed["left"][1]["w"] < left["w"] and listed["left"][1]["x"] < 150
    assert len(listed["right"]) == 1
    assert main(verify_args(trained, tmp_path / "two.png", tmp_path / "one.png",
                            "--all-faces")) == 0
    text = capsys.readouterr().out
    small = listed["left"][1]
    assert f"left face 2: {small['w']}x{small['h']} at ({small['x']}, {small['y']})" in text


def test_the_face_box_is_in_the_json_and_named_in_the_text(trained, face, tmp_path, capsys):
    canvas([(face, 1.0, (200, 100))]).save(tmp_path / "photo.png")
    face.save(tmp_path / "lfw.png")
    assert main(verify_args(trained, tmp_path / "photo.png", tmp_path / "lfw.png", "--json")) == 0
    boxes = json.loads(capsys.readouterr().out)["faces"]
    assert set(boxes["left"]) == {"x", "y", "w", "h"} and 250 < boxes["left"]["x"] < 300
    assert main(verify_args(trained, tmp_path / "photo.png", tmp_path / "lfw.png")) == 0
    b = boxes["left"]
    assert f"photo.png [face {b['w']}x{b['h']} at ({b['x']}, {b['y']})]" in capsys.readouterr().out
    assert main(verify_args(trained, tmp_path / "photo.png", tmp_path / "lfw.png", "--json",
                     "--lfw-framed")) == 0
    assert json.loads(capsys.readouterr().out)["faces"] == {"left": None, "right": None}


def test_a_fused_card_describes_the_detected_faces(trained, face, lfwa_sample, tmp_path,
                                                  capsys):
    """With detection, each descriptor sees its region of the LFW frame around the face
    found (the box verify reports), not of the whole photo; the fusion's formula written out
    over the net's own score (the same card without fusion) and those regions' cosines."""
    from lfw_siamese.data.faces import Face, frame, open_upright

    canvas([(face, 0.8, (260, 90))]).save(tmp_path / "photo.png")
    other = Image.open(lfwa_sample / "AJ_Cook" / "AJ_Cook_0001.jpg").convert("RGB")
    canvas([(other, 1.1, (40, 120))], size=(600, 600)).save(tmp_path / "other.png")
    descriptors, card = test_cli.fused_card(trained, tmp_path)
    cards = {"fused": card, "net": trained / "verifier.json"}  # the same net, not fused
    scores, boxes = {}, None
    for name, path in cards.items():
        assert main(["verify", "--json", "--card", str(path), str(tmp_path / "photo.png"),
                     str(tmp_path / "other.png")]) == 0
        out = json.loads(capsys.readouterr().out)
        scores[name], boxes = out["score"], out["faces"]
    photos = {"left": open_upright(tmp_path / "photo.png"),
              "right": open_upright(tmp_path / "other.png")}
    cosines = [test_cli.cosine_by_hand(d, *(frame(photos[side], Face(**boxes[side]), SIZE, 1,
                                                  d.crop)[..., 0] for side in ("left", "right")))
               for d in descriptors]
    assert scores["fused"] == pytest.approx(test_cli.fused_by_hand(scores["net"], cosines),
                                            abs=1e-5)


def test_no_face_exits_non_zero_and_says_so(trained, face, tmp_path, capsys):
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (300, 400, 3), dtype=np.uint8)).save(tmp_path / "x.png")
    face.save(tmp_path / "lfw.png")
    assert main(verify_args(trained, tmp_path / "lfw.png", tmp_path / "x.png")) == 2
    err = capsys.readouterr().err
    assert "x.png: no face found" in err and "--lfw-framed" in err
    assert main(verify_args(trained, tmp_path / "lfw.png", tmp_path / "x.png", "--lfw-framed")) == 0


@pytest.mark.parametrize("shape", [(1, 1), (3, 2000), (2000, 3), (20, 20)])
@pytest.mark.parametrize("lfw_framed", [False, True])
def test_tiny_images_are_refused_with_their_size(tmp_path, shape, lfw_framed):
    Image.new("L", shape[::-1], 128).save(tmp_path / "tiny.png")
    with pytest.raises(LfwError, match=rf"tiny.png: {shape[1]}x{shape[0]} px is too small"):
        network_input(tmp_path / "tiny.png", SIZE, CHANNELS, CROP, lfw_framed)


def test_a_face_too_small_for_the_network_is_refused(face, tmp_path):
    # the face box is ~0.46 of the LFW image: this one is ~40 px wide, the recipe needs 65
    canvas([(face, 0.35, (200, 100))]).save(tmp_path / "far.png")
    need = smallest_face(64, 120)
    with pytest.raises(LfwError, match=rf"far.png: the face found \(\d+x\d+ at .*\) is too "
                                       rf"small: the network's 64x64 input needs a face at "
                                       rf"least {need} px wide"):
        network_input(tmp_path / "far.png", 64, CHANNELS, 120)
    assert network_input(tmp_path / "far.png", SIZE, CHANNELS, CROP)[2]  # enough for 32x32


def test_lfw_framed_input_is_exactly_the_training_preprocessing(face, tmp_path):
    face.save(tmp_path / "lfw.jpg", quality=95)
    got, _, _ = network_input(tmp_path / "lfw.jpg", 64, 1, 120, lfw_framed=True)
    np.testing.assert_array_equal(got, load_image(tmp_path / "lfw.jpg", 64, 1, 120))


def test_two_regions_stack_the_face_crop_and_the_wider_one(face, tmp_path):
    face.save(tmp_path / "lfw.jpg", quality=95)
    framed, _, _ = network_input(tmp_path / "lfw.jpg", 64, 1, (120, 200), lfw_framed=True)
    np.testing.assert_array_equal(framed[..., :1], load_image(tmp_path / "lfw.jpg", 64, 1, 120))
    np.testing.assert_array_equal(framed[..., 1:], load_image(tmp_path / "lfw.jpg", 64, 1, 200))
    detected, _, [box] = network_input(tmp_path / "lfw.jpg", 64, 1, (120, 200))
    face_only, _, [same_box] = network_input(tmp_path / "lfw.jpg", 64, 1, 120)
    assert box == same_box and detected.shape == (64, 64, 2)
    np.testing.assert_array_equal(detected[..., :1], face_only)
    assert correlation(detected[..., 1:], framed[..., 1:]) > 0.7


def test_all_faces_needs_detection(trained, face, tmp_path):
    face.save(tmp_path / "lfw.png")
    with pytest.raises(SystemExit) as exit_:
        main(verify_args(trained, tmp_path / "lfw.png", tmp_path / "lfw.png", "--all-faces",
                         "--lfw-framed"))
    assert exit_.value.code == 2


def sixteen_bit(face: Image.Image, folder, suffix: str, gray: bool):
    """The face saved with 16-bit samples (each 8-bit value v as 257 v, full range)."""
    import cv2

    path = folder / f"face16-{'gray' if gray else 'rgb'}{suffix}"
    if gray:
        Image.fromarray(np.asarray(face.convert("L")).astype(np.uint16) * 257).save(path)
    else:  # Pillow writes no 16-bit RGB; OpenCV does (in BGR order)
        cv2.imwrite(str(path), np.asarray(face)[..., ::-1].astype(np.uint16) * 257)
    return path


@pytest.mark.parametrize("suffix", [".png", ".tif"])
@pytest.mark.parametrize("gray", [True, False])
def test_16_bit_photos_score_as_their_8_bit_originals(trained, face, tmp_path, capsys, suffix,
                                                      gray):
    eight = tmp_path / "face8.png"
    (face.convert("L") if gray else face).save(eight)
    wide = sixteen_bit(face, tmp_path, suffix, gray)
    with Image.open(wide) as im:
        assert im.mode.startswith("I;16") if gray else im.mode == "RGB"
    a, _, faces_a = network_input(eight, SIZE, CHANNELS, CROP)
    b, _, faces_b = network_input(wide, SIZE, CHANNELS, CROP)
    assert faces_a == faces_b and np.abs(a.astype(int) - b.astype(int)).max() <= 1
    scores = []
    for photo in (eight, wide):
        assert main(verify_args(trained, photo, tmp_path / "face8.png", "--json")) == 0
        scores.append(json.loads(capsys.readouterr().out)["score"])
    assert scores[1] == pytest.approx(scores[0], abs=0.01)


def test_a_pair_file_scores_every_good_row_and_names_the_bad_ones(trained, face, tmp_path,
                                                                  capsys):
    face.save(tmp_path / "a.png")
    canvas([(face, 1.0, (200, 100))]).save(tmp_path / "b.png")
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (300, 400, 3), dtype=np.uint8)).save(tmp_path / "x.png")
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8 not really a JPEG")
    rows = [("a.png", "b.png"), ("a.png", "broken.jpg"), ("b.png", "a.png"), ("x.png", "a.png"),
            ("b.png", "b.png")]
    (tmp_path / "pairs.csv").write_text("left,right\n" + "".join(f"{a},{b}\n" for a, b in rows))
    assert main(verify_args(trained, "--pairs", tmp_path / "pairs.csv", "--json")) == 1
    captured = capsys.readouterr()
    results = json.loads(captured.out)
    assert [r["error"] is None for r in results] == [True, False, True, False, True]
    assert all(0 <= r["score"] <= 1 and r["faces"]["left"] for r in results if not r["error"])
    assert "broken.jpg: cannot decode image" in results[1]["error"]
    assert results[1]["score"] is None and results[1]["same_person"] is None
    assert "x.png: no face found" in results[3]["error"]
    assert "3 of 5 pairs scored, 2 failed" in captured.err
    # the text output says the same; --stop-on-error keeps the old all-or-nothing behaviour
    assert main(verify_args(trained, "--pairs", tmp_path / "pairs.csv")) == 1
    text = capsys.readouterr().out.splitlines()
    assert text[1].startswith("error") and "broken.jpg: cannot decode image" in text[1]
    assert text[0][:6].replace(".", "").isdigit() and "3 of 5 pairs scored" in text[-1]
    assert main(verify_args(trained, "--pairs", tmp_path / "pairs.csv", "--stop-on-error")) == 2
    assert "broken.jpg: cannot decode image" in capsys.readouterr().err


@pytest.mark.parametrize(("name", "convert", "options"), [
    ("face.gif", lambda im: im.convert("P"), {}),
    ("face.webp", lambda im: im, {"lossless": True}),
    ("face-cmyk.jpg", lambda im: im.convert("CMYK"), {"quality": 95}),
    ("face-la.png", lambda im: im.convert("LA"), {}),
    ("face-animated.gif", lambda im: im.convert("P"),
     {"save_all": True, "append_images": [Image.new("P", (250, 250))]}),
])
def test_other_formats_and_modes_give_the_same_network_input(face, tmp_path, name, convert,
                                                             options):
    face.convert("L").save(tmp_path / "face.png")
    convert(face).save(tmp_path / name, **options)
    reference, _, faces = network_input(tmp_path / "face.png", SIZE, CHANNELS, CROP)
    other, _, other_faces = network_input(tmp_path / name, SIZE, CHANNELS, CROP)
    assert len(other_faces) == len(faces) == 1
    assert correlation(reference, other) > 0.95  # lossy CMYK JPEG: 0.97
