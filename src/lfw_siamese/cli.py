"""`lfw-siamese verify`: are two photos the same person? `identify`: who is this? Uses the
pipeline's trained model.

    lfw-siamese verify a.jpg b.jpg [--json] [--all-faces | --lfw-framed]
    lfw-siamese verify --pairs pairs.csv [--json] [--stop-on-error]   # columns left,right
    lfw-siamese identify PROBE... --gallery DIR [--top K] [--threshold T | --far F] [--json]
                         [--cache FILE | --no-cache] [--index auto|exact|flat|flat16|hnsw|ivfpq]

The model (data/model.keras), the LBP descriptors fused with it (data/descriptor.npz) and
their card (data/verifier.json, written by the evaluate stage: preprocessing, test-time
augmentation, the fusion's weights and the threshold chosen on validation) come from
`dvc repro`. It runs from any folder: the card is --card, else the project named by
LFW_SIAMESE_PROJECT, else the first project holding a trained model in the current folder or
above it, else the project this package was installed from; the paths the card names are
relative to its project (the folder holding data/). Photo paths are relative to the current
folder, those in a --pairs file to the file's folder. Each photo is turned upright (EXIF),
its largest face found and framed as LFW frames faces (lfw_siamese.data.faces), then preprocessed
exactly as in training; `--lfw-framed` skips detection for photos framed like LFW's already.
With `--pairs`, a row whose photo cannot be used (unreadable, no face, too small) gets its
reason in an `error` column and the others are scored; the exit status is then 1 (2:
nothing could be done).
"""

import argparse
import csv
import json
import os
import sys
from pathlib import Path

from .backend import configure_environment
from .data.faces import Face
from .errors import LfwError
from .identify import __doc__ as identify_doc
from .identify import far_threshold, identify
from .paths import CARD
from .photos import describe, load_net, load_photos, photo_scores
from .verification.index import EXACT_MOST, KINDS
from .verification.verifier import Verifier

PROJECT = "LFW_SIAMESE_PROJECT"  # the project whose trained model `verify` uses
# The checkout this package runs from (`pip install -e`, `make`); None for a plain install.
PACKAGE_PROJECT = next((root for root in [Path(__file__).resolve().parents[2]]
                        if (root / "dvc.yaml").is_file()), None)


def find_card(card: Path | None) -> Path:
    """The card to use: `card` if given, else the first project of those the module docstring
    lists that holds one; none found is an error naming where it looked."""
    if card is not None:
        return card
    named = os.environ.get(PROJECT)
    if named:
        if not (Path(named) / CARD).is_file():
            raise LfwError(f"{PROJECT}={named}: no trained model there ({CARD} not found): run "
                           "`dvc repro` in that project, or point the variable at another")
        return Path(named) / CARD
    here = Path.cwd()
    installed = [PACKAGE_PROJECT] if PACKAGE_PROJECT else []
    looked = [here, *here.parents, *installed]
    found = next((folder / CARD for folder in looked if (folder / CARD).is_file()), None)
    if found is None:
        places = ", ".join(map(str, dict.fromkeys([here, f"{here.parent} and above",
                                                    *installed])))
        raise LfwError(f"no trained model found: looked for {CARD} in {places}. Train and "
                       f"evaluate one in the project (`dvc repro`), then set {PROJECT} to "
                       "the project's folder, or pass --card (and --model)")
    return found


def project_of(card_path: Path) -> Path:
    """The project a card belongs to (it lives in <project>/data/): its paths' base."""
    return card_path.resolve().parent.parent


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


def verify(pairs, model_path: Path | None, card_path: Path, progress: bool = False,
           lfw_framed: bool = False, all_faces: bool = False,
           keep_going: bool = False) -> list[dict]:
    """Score each (left, right) pair; decide with the card's validation threshold. The model
    is `model_path`, or (None) the one the card names. Each result names the face box used
    in each photo (None with `lfw_framed`), and with `all_faces` every face found. With
    `keep_going`, a pair whose photo cannot be used gets an `error` (and no score) and the
    others are scored; without, the first such photo ends the run."""
    verifier = Verifier.load(card_path, model=model_path)
    loaded = load_photos([path for pair in pairs for path in pair], verifier, lfw_framed,
                         progress, keep_going)
    model = load_net(verifier)
    errors = [next((loaded[p] for p in pair if isinstance(loaded[p], str)), None)
              for pair in pairs]
    good = [pair for pair, error in zip(pairs, errors, strict=True) if error is None]
    scores = iter(photo_scores(good, loaded, verifier, model))
    threshold = verifier.threshold
    results = []
    for (a, b), error in zip(pairs, errors, strict=True):
        result = {"left": str(a), "right": str(b), "score": None, "same_person": None,
                  "threshold": threshold, "faces": {"left": None, "right": None}}
        if error is not None:
            results.append({**result, "error": error})
            continue
        s, fa, fb = next(scores), loaded[a][2], loaded[b][2]
        result.update(score=round(float(s), 6), same_person=bool(verifier.decide(s)),
                      faces={"left": fa[0].as_dict() if fa else None,
                             "right": fb[0].as_dict() if fb else None})
        if all_faces:
            result["all_faces"] = {"left": [f.as_dict() for f in fa],
                                   "right": [f.as_dict() for f in fb]}
        results.append({**result, "error": None} if keep_going else result)
    return results


def identify_command(args, parser) -> int:
    """`lfw-siamese identify`: one line per probe, `probe,identity,score` (and the next best
    people with --top), or JSON; probes that cannot be used are named on stderr, exit 1."""
    if args.top < 1:
        parser.error("--top: at least 1")
    try:
        card = find_card(args.card)
        threshold = args.threshold if args.far is None else far_threshold(card, args.far)
        results, notes = identify(args.probes, args.gallery, card, args.model,
                                  args.top, threshold, args.lfw_framed,
                                  progress=len(args.probes) > 1,
                                  cache=False if args.no_cache else args.cache or True,
                                  index=args.index)
    except LfwError as exc:
        print(f"lfw-siamese identify: {exc}", file=sys.stderr)
        return 2
    for note in notes:
        print(f"lfw-siamese identify: {note}", file=sys.stderr)
    if args.json:
        print(json.dumps(results, indent=2))
    for r in results:
        if r["error"] is not None:
            print(f"lfw-siamese identify: {r['error']}", file=sys.stderr)
        elif not args.json:
            best, *others = r["matches"]
            print(",".join([r["probe"], r["identity"], f"{best['score']:.4f}",
                            *(f"{m['person']} {m['score']:.4f}" for m in others)]))
    return 1 if any(r["error"] is not None for r in results) else 0


def main(argv=None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up chatter
    parser = argparse.ArgumentParser(prog="lfw-siamese", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verify", help="score pairs of photos with the trained model")
    v.add_argument("images", nargs="*", type=Path, metavar="IMAGE", help="two image files")
    v.add_argument("--pairs", type=Path, help="CSV file with columns left,right")
    v.add_argument("--model", type=Path,
                   help="the trained model (default: the one the card names)")
    v.add_argument("--card", type=Path,
                   help=f"the verifier's card (default: {CARD} of ${PROJECT}, of the "
                        "current folder or one above it, or of the installed project)")
    v.add_argument("--json", action="store_true", help="print JSON")
    v.add_argument("--lfw-framed", action="store_true",
                   help="the photos are framed like LFW's already: no face detection")
    v.add_argument("--all-faces", action="store_true",
                   help="list every face found in each photo (the largest is scored)")
    v.add_argument("--stop-on-error", action="store_true",
                   help="with --pairs: stop at the first photo that cannot be used (default: "
                        "score every other row, give that row an error, exit status 1)")
    i = sub.add_parser("identify", help="who is this, among a gallery of known people",
                       description=identify_doc.split("\n\n", 1)[1])
    i.add_argument("probes", nargs="+", type=Path, metavar="PROBE", help="photos to identify")
    i.add_argument("--gallery", type=Path, required=True,
                   help="a folder: one subfolder of photos, or one photo, per person")
    i.add_argument("--top", type=int, default=1, help="best people listed per probe")
    limit = i.add_mutually_exclusive_group()
    limit.add_argument("--threshold", type=float,
                       help="the score a match must pass (default: the card's, as verify)")
    limit.add_argument("--far", type=float, metavar="F",
                       help="the threshold that a share F of comparisons of two different "
                            "people pass (measured on validation people by `dvc repro "
                            "identify`), e.g. 0.001")
    for option in ("--model", "--card"):
        i.add_argument(option, type=Path, help=f"as for verify ({option[2:]})")
    i.add_argument("--json", action="store_true", help="print JSON")
    i.add_argument("--lfw-framed", action="store_true",
                   help="the photos are framed like LFW's already: no face detection")
    i.add_argument("--index", choices=("auto", "exact", *KINDS), default="auto",
                   help="exact: score every gallery photo; flat, flat16, hnsw, ivfpq: a FAISS "
                        "index of the photos' vectors finds the best candidates, scored exactly "
                        f"(auto: exact up to {EXACT_MOST:,} photos, flat16 up to about a million "
                        "at the default's dimension, ivfpq beyond)")
    cache = i.add_mutually_exclusive_group()
    cache.add_argument("--cache", type=Path, metavar="FILE",
                       help="where the gallery's vectors are cached (default: a file of the "
                            "user's cache folder)")
    cache.add_argument("--no-cache", action="store_true",
                       help="embed the gallery afresh and cache nothing")
    args = parser.parse_args(argv)
    configure_environment()
    if args.command == "identify":
        return identify_command(args, parser)
    if bool(args.pairs) == bool(args.images) or (args.images and len(args.images) != 2):
        parser.error("give two images, or --pairs FILE")
    if args.lfw_framed and args.all_faces:
        parser.error("--all-faces needs face detection: drop --lfw-framed")
    keep_going = bool(args.pairs) and not args.stop_on_error
    try:
        pairs = read_pair_file(args.pairs) if args.pairs else [tuple(args.images)]
        results = verify(pairs, args.model, find_card(args.card),
                         progress=args.pairs is not None,
                         lfw_framed=args.lfw_framed, all_faces=args.all_faces,
                         keep_going=keep_going)
    except LfwError as exc:
        print(f"lfw-siamese verify: {exc}", file=sys.stderr)
        return 2
    failed = sum(r.get("error") is not None for r in results)
    if args.json:
        print(json.dumps(results if args.pairs else results[0], indent=2))
    else:
        for r in results:
            if r.get("error") is not None:
                print(f"{'error':6s}  {'not scored':16s}  {r['left']}  {r['right']}: {r['error']}")
                continue
            verdict = "same person" if r["same_person"] else "different people"
            print(f"{r['score']:.4f}  {verdict:16s}  {describe(r['left'], r['faces']['left'])}"
                  f"  {describe(r['right'], r['faces']['right'])}")
            for side in ("left", "right") if args.all_faces else ():
                for n, face in enumerate(r["all_faces"][side], start=1):
                    print(f"    {side} face {n}: {Face(**face)}")
    if args.pairs:
        print(f"({len(results) - failed} of {len(results)} pairs scored, {failed} failed; "
              f"threshold {results[0]['threshold']:.4f}, chosen on validation)",
              file=sys.stderr if args.json else sys.stdout)
    elif not args.json:
        print(f"(threshold {results[0]['threshold']:.4f}, chosen on validation)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
