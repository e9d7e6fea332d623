"""`lfw-siamese identify`: who is this, among a gallery of known people?

The gallery is a folder: one subfolder per person (any number of photos of them), or one
photo per person named after them (`Ada_Lovelace.jpg`), or both. Each probe photo is scored
against every gallery photo by the Verifier, as `verify` scores a pair (the same face
detection, framing, preprocessing and fusion; the net embeds each photo once and its head
scores every pair of embeddings); a person with several photos scores as the best of them.
The best match is the probe's identity, or `unknown` when its score is not above the
threshold (by default the one `verify` uses, chosen on validation pairs).

With a gallery of N people, a person absent from it is compared N times, so the chance that
one comparison passes the threshold by mistake grows roughly N-fold: raise `--threshold` for
large galleries.
"""

from pathlib import Path

from .errors import LfwError
from .photos import cross_photo_scores, load_photos
from .verification.verifier import Verifier

IMAGES = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"}
UNKNOWN = "unknown"


def read_gallery(folder: Path) -> tuple[dict[str, list[Path]], list[str]]:
    """The people of a gallery folder and their photos, by name; and notes on the files
    skipped (not images). A file and a folder of one name, an empty gallery or a person
    without a photo are errors naming them."""
    if not folder.is_dir():
        raise LfwError(f"{folder}: the gallery must be a folder (one subfolder or one photo "
                       "per person)")
    people, notes = {}, []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            photos = sorted(p for p in entry.iterdir() if p.suffix.lower() in IMAGES)
            notes += [f"{p}: not an image, skipped" for p in sorted(entry.iterdir())
                      if p.is_file() and p.suffix.lower() not in IMAGES
                      and not p.name.startswith(".")]
            if not photos:
                raise LfwError(f"{entry}: no photo of {entry.name} in it (a person's folder "
                               f"holds photos: {', '.join(sorted(IMAGES))})")
            name = entry.name
        elif entry.suffix.lower() in IMAGES:
            photos, name = [entry], entry.stem
        else:
            notes.append(f"{entry}: not an image, skipped")
            continue
        if name in people:
            both = sorted({str(p.parent if p.parent != folder else p)
                           for p in [*people[name], *photos]})
            raise LfwError(f"{folder}: {name} is given twice ({' and '.join(both)}): keep one")
        people[name] = photos
    if not people:
        raise LfwError(f"{folder}: the gallery holds no photo (one subfolder or one photo per "
                       "person)")
    return people, notes


def identify(probes: list[Path], gallery: Path, card_path: Path, model_path: Path | None = None,
             top: int = 1, threshold: float | None = None, lfw_framed: bool = False,
             progress: bool = False) -> tuple[list[dict], list[str]]:
    """Each probe's best `top` people of the gallery with their scores, and its identity (the
    best, or UNKNOWN when its score is not above `threshold`, default the card's); a probe
    that cannot be used gets its `error`. Also the notes on what the gallery skipped."""
    people, notes = read_gallery(gallery)
    verifier = Verifier.load(card_path, model=model_path)
    if verifier.model is not None and not verifier.model.is_file():
        raise LfwError(f"{verifier.model}: no trained model: run `dvc repro` first, or pass "
                       "--model")
    known = [photo for photos in people.values() for photo in photos]
    loaded = load_photos([*known, *probes], verifier, lfw_framed, progress, keep_going=True)
    usable = {}
    for name, photos in people.items():
        usable[name] = [p for p in photos if not isinstance(loaded[p], str)]
        notes += [f"{loaded[p]} (a photo of {name} in the gallery, skipped)"
                  for p in photos if isinstance(loaded[p], str)]
        if not usable[name]:
            raise LfwError(f"{gallery}: no usable photo of {name}: "
                           + "; ".join(loaded[p] for p in photos))
    good = [p for p in dict.fromkeys(probes) if not isinstance(loaded[p], str)]
    photos = [photo for person in usable.values() for photo in person]
    grid = cross_photo_scores(good, photos, loaded, verifier)
    scores = {(probe, photo): grid[i, j] for i, probe in enumerate(good)
              for j, photo in enumerate(photos)}
    threshold = verifier.threshold if threshold is None else threshold
    results = []
    for probe in probes:
        if isinstance(loaded[probe], str):
            results.append({"probe": str(probe), "identity": None, "matches": [],
                            "threshold": threshold, "error": loaded[probe]})
            continue
        best = sorted(((max(scores[probe, p] for p in photos), name)
                       for name, photos in usable.items()), key=lambda m: (-m[0], m[1]))
        matches = [{"person": name, "score": round(float(s), 6)} for s, name in best[:top]]
        identity = matches[0]["person"] if best[0][0] > threshold else UNKNOWN
        results.append({"probe": str(probe), "identity": identity, "matches": matches,
                        "threshold": threshold, "error": None})
    return results, notes
