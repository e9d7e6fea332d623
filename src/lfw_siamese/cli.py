"""`lfw-siamese verify`: are two photos the same person? Uses the pipeline's trained model.

    lfw-siamese verify a.jpg b.jpg [--json] [--all-faces | --lfw-framed]
    lfw-siamese verify --pairs pairs.csv [--json]     # columns left,right

The model (data/model.keras) and its card (data/verifier.json, written by the evaluate
stage: preprocessing, test-time augmentation and the threshold chosen on validation) come
from `dvc repro`. Each photo is turned upright (EXIF), its largest face found and framed as
LFW frames faces (lfw_siamese.faces), then preprocessed exactly as in training;
`--lfw-framed` skips detection for photos framed like LFW's already.
"""

import argparse
import csv
import json
import os
import sys
import warnings
from pathlib import Path

import numpy as np

from .backend import configure_environment
from .errors import LfwError
from .faces import Face, network_input
from .params import regions
from .paths import CARD, MODEL


def read_card(path: Path) -> dict:
    try:
        card = json.loads(path.read_text())
    except FileNotFoundError:
        raise LfwError(f"{path}: not found: train and evaluate a model first (`dvc repro`), "
                       "or pass --card") from None
    except json.JSONDecodeError as exc:
        raise LfwError(f"{path}: not valid JSON ({exc})") from None
    missing = {"image_size", "channels", "crop", "tta", "threshold"} - set(card)
    if missing:
        raise LfwError(f"{path}: missing {', '.join(sorted(missing))} (re-run `dvc repro`)")
    return card


def read_pair_file(path: Path) -> list[tuple[Path, Path]]:
    """Rows `left,right` (header required); relative paths are taken from the file's folder."""
    try:
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
    except FileNotFoundError:
        raise LfwError(f"{path}: pair file not found") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise LfwError(f"{path}: not a readable CSV file ({exc})") from None
    if not rows or [c.strip() for c in rows[0]] != ["left", "right"]:
        raise LfwError(f"{path}:1: expected the header 'left,right'")
    pairs = []
    for number, row in enumerate(rows[1:], start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) != 2:
            raise LfwError(f"{path}:{number}: expected 2 fields (left,right), got {len(row)}")
        pairs.append(tuple(path.parent / field.strip() for field in row))
    if not pairs:
        raise LfwError(f"{path}: no pairs after the header")
    return pairs


def load_all(paths: list[Path], card: dict, lfw_framed: bool, progress: bool):
    """Every distinct photo once, as the network's input, with the faces found in it."""
    from tqdm import tqdm

    unique = list(dict.fromkeys(paths))
    loaded = {}
    for path in tqdm(unique, desc="images", unit="img", disable=not progress, file=sys.stderr):
        if path.is_dir():
            raise LfwError(f"{path}: is a folder, not an image")
        loaded[path] = network_input(path, card["image_size"], card["channels"],
                                     regions(card["crop"], card.get("context_crop", 0)),
                                     lfw_framed)
        faces = loaded[path][1]
        if len(faces) > 1:
            print(f"{path}: {len(faces)} faces found; using the largest, {faces[0]} "
                  "(--all-faces lists them)", file=sys.stderr)
    return np.stack([loaded[p][0] for p in paths]), [loaded[p][1] for p in paths]


def verify(pairs, model_path: Path, card_path: Path, progress: bool = False,
           lfw_framed: bool = False, all_faces: bool = False) -> list[dict]:
    """Score each (left, right) pair; decide with the card's validation threshold. Each result
    names the face box used in each photo (None with `lfw_framed`), and with `all_faces`
    every face found."""
    card = read_card(card_path)
    arrays, faces = load_all([path for pair in pairs for path in pair], card, lfw_framed,
                             progress)
    left, right, left_faces, right_faces = arrays[0::2], arrays[1::2], faces[0::2], faces[1::2]
    if not model_path.is_file():
        raise LfwError(f"{model_path}: no trained model: run `dvc repro` first, or pass --model")
    from .inference import score_pairs
    from .saving import load_model

    with warnings.catch_warnings():  # the saved optimizer's state is not needed here
        warnings.filterwarnings("ignore", "Skipping variable loading for optimizer")
        model = load_model(model_path)
    scores = score_pairs(model, left, right, card["tta"])
    threshold = float(card["threshold"])
    results = []
    for (a, b), s, fa, fb in zip(pairs, scores, left_faces, right_faces, strict=True):
        result = {"left": str(a), "right": str(b), "score": round(float(s), 6),
                  "same_person": bool(s > threshold), "threshold": threshold,
                  "faces": {"left": fa[0].as_dict() if fa else None,
                            "right": fb[0].as_dict() if fb else None}}
        if all_faces:
            result["all_faces"] = {"left": [f.as_dict() for f in fa],
                                   "right": [f.as_dict() for f in fb]}
        results.append(result)
    return results


def describe(path: str, face: dict | None) -> str:
    """A photo and, briefly, the face box used in it."""
    return path if face is None else f"{path} [face {Face(**face)}]"


def main(argv=None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up chatter
    parser = argparse.ArgumentParser(prog="lfw-siamese", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verify", help="score pairs of photos with the trained model")
    v.add_argument("images", nargs="*", type=Path, metavar="IMAGE", help="two image files")
    v.add_argument("--pairs", type=Path, help="CSV file with columns left,right")
    v.add_argument("--model", type=Path, default=MODEL, help=f"default: {MODEL}")
    v.add_argument("--card", type=Path, default=CARD, help=f"default: {CARD}")
    v.add_argument("--json", action="store_true", help="print JSON")
    v.add_argument("--lfw-framed", action="store_true",
                   help="the photos are framed like LFW's already: no face detection")
    v.add_argument("--all-faces", action="store_true",
                   help="list every face found in each photo (the largest is scored)")
    args = parser.parse_args(argv)
    configure_environment()
    if bool(args.pairs) == bool(args.images) or (args.images and len(args.images) != 2):
        parser.error("give two images, or --pairs FILE")
    if args.lfw_framed and args.all_faces:
        parser.error("--all-faces needs face detection: drop --lfw-framed")
    try:
        pairs = read_pair_file(args.pairs) if args.pairs else [tuple(args.images)]
        results = verify(pairs, args.model, args.card, progress=args.pairs is not None,
                         lfw_framed=args.lfw_framed, all_faces=args.all_faces)
    except LfwError as exc:
        print(f"lfw-siamese verify: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(results if args.pairs else results[0], indent=2))
    else:
        for r in results:
            verdict = "same person" if r["same_person"] else "different people"
            print(f"{r['score']:.4f}  {verdict:16s}  {describe(r['left'], r['faces']['left'])}"
                  f"  {describe(r['right'], r['faces']['right'])}")
            for side in ("left", "right") if args.all_faces else ():
                for n, face in enumerate(r["all_faces"][side], start=1):
                    print(f"    {side} face {n}: {Face(**face)}")
        print(f"(threshold {results[0]['threshold']:.4f}, chosen on validation)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
