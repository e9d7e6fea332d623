"""`lfw-siamese identify`: who is this, among a gallery of known people?

The gallery is a folder: one subfolder per person (any number of photos of them), or one
photo per person named after them (`Ada_Lovelace.jpg`), or both. Each probe photo is scored
against every gallery photo by the Verifier, as `verify` scores a pair (the same face
detection, framing, preprocessing and fusion; the net embeds each photo once and its head
scores every pair of embeddings); a person with several photos scores as the best of them.
The best match is the probe's identity, or `unknown` when its score is not above the
threshold (by default the one `verify` uses, chosen on validation pairs).

The gallery is embedded once: its vectors (each photo's net embeddings and descriptor
projections) are cached in the user's cache folder ($XDG_CACHE_HOME or ~/.cache, under
lfw-siamese/galleries/), or in `--cache FILE`, never in the gallery; a change of any photo,
the model or the card rebuilds them, with a note.

With a gallery of N people, a person absent from it is compared N times, so the chance that
one comparison passes the threshold by mistake grows roughly N-fold: raise `--threshold` for
large galleries.
"""

from pathlib import Path

import numpy as np

from .errors import LfwError
from .gallery import default_cache, load_gallery
from .photos import embed_photos, load_photos
from .verification.grid import cross_scores
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


class Identifier:
    """A gallery ready to identify probes: the card's Verifier, its net loaded, and the
    gallery's vectors (from the cache when they are up to date); `notes` says what the
    gallery skipped and what the cache did."""

    def __init__(self, gallery: Path, card_path: Path, model_path: Path | None = None,
                 lfw_framed: bool = False, progress: bool = False,
                 cache: Path | None | bool = True):
        people, self.notes = read_gallery(gallery)
        self.verifier = verifier = Verifier.load(card_path, model=model_path)
        self.model = None
        if verifier.model is not None:
            if not verifier.model.is_file():
                raise LfwError(f"{verifier.model}: no trained model: run `dvc repro` first, "
                               "or pass --model")
            from .net.saving import load_model

            self.model = load_model(verifier.model)
        cache = default_cache(gallery) if cache is True else (cache or None)
        self.gallery, note = load_gallery(people, verifier, self.model, card_path, lfw_framed,
                                          cache, progress)
        unusable = self.gallery.unusable
        self.notes += [f"{unusable[p]} (a photo of {name} in the gallery, skipped)"
                       for name, photos in people.items() for p in photos if p in unusable]
        for name, photos in people.items():
            if all(p in unusable for p in photos):
                raise LfwError(f"{gallery}: no usable photo of {name}: "
                               + "; ".join(unusable[p] for p in photos))
        self.notes += [note] if note else []
        self.lfw_framed, self.progress = lfw_framed, progress
        person = np.array(self.gallery.person)
        self.starts = np.flatnonzero(np.r_[True, person[1:] != person[:-1]])  # by person
        self.people = [str(person[i]) for i in self.starts]

    def identify(self, probes: list[Path], top: int = 1,
                 threshold: float | None = None) -> list[dict]:
        """Each probe's best `top` people with their scores, and its identity (the best, or
        UNKNOWN when its score is not above `threshold`, default the card's); a probe that
        cannot be used gets its `error`."""
        verifier = self.verifier
        loaded = load_photos(probes, verifier, self.lfw_framed, self.progress, keep_going=True)
        good = [p for p in dict.fromkeys(probes) if not isinstance(loaded[p], str)]
        best_of = {}
        if good:
            grid = cross_scores(verifier, self.model,
                                embed_photos(good, loaded, verifier, self.model),
                                self.gallery.vectors)
            best_of = dict(zip(good, np.maximum.reduceat(grid, self.starts, axis=1),
                               strict=True))
        threshold = verifier.threshold if threshold is None else threshold
        results = []
        for probe in probes:
            if isinstance(loaded[probe], str):
                results.append({"probe": str(probe), "identity": None, "matches": [],
                                "threshold": threshold, "error": loaded[probe]})
                continue
            scores = best_of[probe]
            ranked = sorted(range(len(scores)), key=lambda i: (-scores[i], self.people[i]))
            matches = [{"person": self.people[i], "score": round(float(scores[i]), 6)}
                       for i in ranked[:top]]
            identity = matches[0]["person"] if scores[ranked[0]] > threshold else UNKNOWN
            results.append({"probe": str(probe), "identity": identity, "matches": matches,
                            "threshold": threshold, "error": None})
        return results


def identify(probes: list[Path], gallery: Path, card_path: Path, model_path: Path | None = None,
             top: int = 1, threshold: float | None = None, lfw_framed: bool = False,
             progress: bool = False, cache: Path | None | bool = True
             ) -> tuple[list[dict], list[str]]:
    """`Identifier(...).identify(...)`: the probes' results, and the notes on what the
    gallery skipped and on its cache (`cache`: a file, True for the default one, False for
    none)."""
    identifier = Identifier(gallery, card_path, model_path, lfw_framed, progress, cache)
    return identifier.identify(probes, top, threshold), identifier.notes
