"""Measure `verify`'s face detection and framing on pairsDevTest, against the pipeline's numbers.

    python benchmarks/verify.py [--limit N] [--seed 0]

Uses the pipeline's model and card (data/model.keras, data/verifier.json: `dvc repro` first)
and scores the 1,000 pairsDevTest pairs at the card's threshold, chosen on validation, with
the photos given to the network four ways:
  (a) the LFW-a images as they are: `--lfw-framed` (the training preprocessing, which must
      reproduce the evaluate stage's accuracy), and with detection and LFW framing;
  (b) each image scaled by a random factor (0.7-2x) and pasted at a random place in a larger
      canvas of a random flat grey (seeded), as a user's photo would frame a face: taken as
      LFW-framed (centre crop of the canvas, what verify did before), and with detection.
Where detection finds no usable face in a photo, the pair is scored as `--lfw-framed` would
(the documented fallback) and counted. First, the LFW frame's size relative to the detector's
box (faces.FRAME) is measured again, on images of the training people only.
"""

import argparse
import io
import json
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from common import ROOT, report
from PIL import Image

from lfw_siamese import paths
from lfw_siamese.data.faces import FRAME, detect, network_input
from lfw_siamese.data.imagestore import ImageStore
from lfw_siamese.data.pairs import people_of, read_pairs
from lfw_siamese.errors import LfwError
from lfw_siamese.verification.metrics import accuracy, auc, roc_curve

SCALES = (0.7, 2.0)     # face scale in the canvas (log-uniform)
MARGIN = (0.3, 1.5)     # canvas border on each side, in scaled image widths (uniform)


def canvas(data: bytes, rng: np.random.Generator) -> bytes:
    """The image scaled and pasted at a random place in a larger flat-grey canvas (PNG)."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    side = round(image.width * np.exp(rng.uniform(*np.log(SCALES))))
    left, right, top, bottom = (round(side * rng.uniform(*MARGIN)) for _ in range(4))
    photo = Image.new("RGB", (left + side + right, top + side + bottom),
                      (int(rng.integers(40, 220)),) * 3)
    photo.paste(image.resize((side, side), Image.Resampling.BICUBIC), (left, top))
    out = io.BytesIO()
    photo.save(out, "PNG")
    return out.getvalue()


def inputs(sources: dict[str, bytes], card: dict, detection: bool):
    """The network's input for each image, and the names where detection fell back."""
    size, channels, crop = card["image_size"], card["channels"], card["crop"]
    fell_back = []

    def one(name):
        if detection:
            try:
                return network_input(io.BytesIO(sources[name]), size, channels, crop)[0]
            except LfwError:
                fell_back.append(name)
        return network_input(io.BytesIO(sources[name]), size, channels, crop, True)[0]

    names = sorted(sources)
    with ThreadPoolExecutor(2) as pool:
        arrays = dict(zip(names, pool.map(one, names), strict=True))
    return arrays, sorted(fell_back)


def frame_ratio(store: ImageStore, exclude: set[str], n: int, rng) -> dict:
    """LFW frame side / detector box width (largest face), on `n` training people's images."""
    files = [f for f in store.files if f.split("/")[0] not in exclude]
    ratios, offsets = [], []
    for name in rng.choice(files, n, replace=False):
        with Image.open(store.open(name)) as im:
            faces = detect(im)
        if faces:
            f = faces[0]
            ratios.append(250 / f.w)
            offsets.append(max(abs(f.x + f.w / 2 - 125), abs(f.y + f.h / 2 - 125)))
    return {"images": n, "found": len(ratios), "frame_over_box_median": float(np.median(ratios)),
            "centre_offset_px_median": float(np.median(offsets)), "FRAME (faces.py)": FRAME}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, help="only the first N pairs (a quick look)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--calibration-images", type=int, default=2000)
    args = parser.parse_args()
    card = json.loads((ROOT / paths.CARD).read_text())
    store = ImageStore(ROOT / paths.IMAGES)
    pairs = read_pairs(ROOT / paths.PAIR_LISTS / "pairsDevTest.txt", store.counts())
    pairs = pairs[:args.limit]
    calibration = frame_ratio(store, people_of(pairs), args.calibration_images,
                              np.random.default_rng([args.seed, 0]))
    print("LFW frame / detector box:", json.dumps(calibration))

    from lfw_siamese.net.inference import score_pairs
    from lfw_siamese.net.saving import load_model

    model = load_model(ROOT / paths.MODEL)
    labels = np.array([p.same for p in pairs], np.uint8)
    names = sorted({n for p in pairs for n in (p.left, p.right)})
    as_is = {n: store.open(n).getvalue() for n in names}
    rng = np.random.default_rng([args.seed, 1])
    canvases = {n: canvas(as_is[n], rng) for n in names}
    rows = []
    for photos, what in ((as_is, "(a) LFW-a images as they are"),
                         (canvases, "(b) shifted, scaled, padded into a canvas")):
        for detection in (False, True):
            start = time.perf_counter()
            arrays, fell_back = inputs(photos, card, detection)
            left = np.stack([arrays[p.left] for p in pairs])
            right = np.stack([arrays[p.right] for p in pairs])
            scores = score_pairs(model, left, right, card["tta"])
            rows.append({"images": what,
                         "verify": "detect + LFW framing" if detection else "--lfw-framed",
                         "accuracy": accuracy(labels, scores, card["threshold"]),
                         "AUC": auc(*roc_curve(labels, scores)),
                         "no face used": f"{len(fell_back)}/{len(names)}" if detection else "",
                         "seconds": time.perf_counter() - start})
    report("verify", rows, {"pairs": len(pairs), "release": card["release"],
                            "threshold": card["threshold"], "calibration": calibration,
                            "seed": args.seed})


if __name__ == "__main__":
    main()
