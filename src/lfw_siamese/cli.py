"""`lfw-siamese verify`: are two photos the same person? Uses the pipeline's trained model.

    lfw-siamese verify a.jpg b.jpg [--json]
    lfw-siamese verify --pairs pairs.csv [--json]     # columns left,right

The model (data/model.keras) and its card (data/verifier.json, written by the evaluate
stage: preprocessing, test-time augmentation and the threshold chosen on validation) come
from `dvc repro`. Images go through exactly the preprocessing of training.
"""

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np

from .errors import LfwError
from .images import load_image
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


def load_all(paths: list[Path], card: dict, progress: bool) -> np.ndarray:
    """Every distinct image once, preprocessed as in training; a bar when there are many."""
    from tqdm import tqdm

    unique = list(dict.fromkeys(paths))
    images = {}
    for path in tqdm(unique, desc="images", unit="img", disable=not progress, file=sys.stderr):
        if path.is_dir():
            raise LfwError(f"{path}: is a folder, not an image")
        images[path] = load_image(path, card["image_size"], card["channels"], card["crop"])
    return np.stack([images[p] for p in paths])


def verify(pairs, model_path: Path, card_path: Path, progress: bool = False) -> list[dict]:
    """Score each (left, right) pair; decide with the card's validation threshold."""
    card = read_card(card_path)
    left = load_all([a for a, _ in pairs], card, progress)
    right = load_all([b for _, b in pairs], card, progress)
    if not model_path.is_file():
        raise LfwError(f"{model_path}: no trained model: run `dvc repro` first, or pass --model")
    from .inference import score_pairs
    from .model import load_model

    model = load_model(model_path)
    scores = score_pairs(model, left, right, card["tta"])
    threshold = float(card["threshold"])
    return [{"left": str(a), "right": str(b), "score": round(float(s), 6),
             "same_person": bool(s > threshold), "threshold": threshold}
            for (a, b), s in zip(pairs, scores, strict=True)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="lfw-siamese", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verify", help="score pairs of photos with the trained model")
    v.add_argument("images", nargs="*", type=Path, metavar="IMAGE", help="two image files")
    v.add_argument("--pairs", type=Path, help="CSV file with columns left,right")
    v.add_argument("--model", type=Path, default=MODEL, help=f"default: {MODEL}")
    v.add_argument("--card", type=Path, default=CARD, help=f"default: {CARD}")
    v.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    if bool(args.pairs) == bool(args.images) or (args.images and len(args.images) != 2):
        parser.error("give two images, or --pairs FILE")
    try:
        pairs = read_pair_file(args.pairs) if args.pairs else [tuple(args.images)]
        results = verify(pairs, args.model, args.card, progress=args.pairs is not None)
    except LfwError as exc:
        print(f"lfw-siamese verify: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(results if args.pairs else results[0], indent=2))
    else:
        for r in results:
            verdict = "same person" if r["same_person"] else "different people"
            print(f"{r['score']:.4f}  {verdict:16s}  {r['left']}  {r['right']}")
        print(f"(threshold {results[0]['threshold']:.4f}, chosen on validation)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
