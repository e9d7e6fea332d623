"""`lfw-siamese identify`: who is this, among a gallery of known people?

The gallery is a folder: one subfolder per person (any number of photos of them), or one
photo per person named after them (`Ada_Lovelace.jpg`), or both. Each probe photo is scored
against every gallery photo by the Verifier, as `verify` scores a pair (the same face
detection, framing, preprocessing and fusion; the net embeds each photo once and its head
scores every pair of embeddings); a person with several photos scores as the best of them.
The best match is the probe's identity, or `unknown` when its score is not above the
threshold: by default the one `verify` uses, chosen on validation pairs; `--far F` takes
the score that a share F of comparisons between two different people pass, measured on the
validation people (the stage identify); or `--threshold T`.

The gallery is embedded once: its vectors (each photo's net embeddings and descriptor
projections) are cached in the user's cache folder ($XDG_CACHE_HOME or ~/.cache, under
lfw-siamese/galleries/), or in `--cache FILE`, never in the gallery; a change of any photo,
the model or the card rebuilds them, with a note.

Galleries of up to 100,000 photos are scored exactly, every photo. Beyond, or with
`--index flat|flat16|hnsw|ivfpq`, a FAISS index of the photos' vectors (the Verifier's score
as an inner product: lfw_siamese.verification.vectors) finds each probe's 100 best candidate
photos, which are then scored exactly: by default flat16 (exact search over float16 vectors)
up to about a million photos, ivfpq (approximate, 64 bytes a photo) beyond.

With a gallery of N people, a person absent from it is compared N times, so the chance that
one comparison passes the threshold by mistake grows roughly N-fold: raise `--threshold` for
large galleries.
"""

import json
from pathlib import Path

import numpy as np

from .errors import LfwError
from .fsutil import sha256_file
from .gallery import default_cache, load_gallery, read_gallery
from .photos import embed_photos, load_net, load_photos
from .verification.grid import Embedded, cross_scores, subset
from .verification.index import EXACT_MOST
from .verification.verifier import Verifier

CANDIDATES = 100  # photos an index finds for each probe, then scored exactly
UNKNOWN = "unknown"


class Identifier:
    """A gallery ready to identify probes: the card's Verifier, its net loaded, and the
    gallery's vectors (from the cache when they are up to date); `notes` says what the
    gallery skipped and what the cache did."""

    def __init__(self, gallery: Path, card_path: Path, model_path: Path | None = None,
                 lfw_framed: bool = False, progress: bool = False,
                 cache: Path | None | bool = True, index: str = "auto"):
        people, self.notes = read_gallery(gallery)
        self.verifier = verifier = Verifier.load(card_path, model=model_path)
        self.model = load_net(verifier)
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
        self.owner = np.cumsum(np.r_[False, person[1:] != person[:-1]])  # photo -> person
        self.index = self._index(index)

    def _index(self, kind: str):
        """The FAISS index of the gallery's vectors (None: exact scores of every photo)."""
        photos = len(self.gallery.photos)
        if kind == "exact" or kind == "auto" and photos <= EXACT_MOST:
            return None
        from .verification.index import build_index, chosen
        from .verification.vectors import face_vectors

        vectors = face_vectors(self.verifier, self.model, self.gallery.vectors, probe=False)
        kind = chosen(photos, vectors.shape[1]) if kind == "auto" else kind
        self.notes.append(f"the gallery's {photos:,} photos searched by a FAISS {kind} index, "
                          f"the best {CANDIDATES} scored exactly")
        return build_index(vectors, kind)

    def _person_scores(self, probes: Embedded) -> np.ndarray:
        """Each probe's score with each person (their best photo's), (P, people); with an
        index, only the people of the probe's best candidate photos (others: -inf)."""
        verifier, gallery = self.verifier, self.gallery.vectors
        if self.index is None:
            grid = cross_scores(verifier, self.model, probes, gallery)
            return np.maximum.reduceat(grid, self.starts, axis=1)
        from .verification.index import search
        from .verification.vectors import face_vectors

        _, rows = search(self.index, face_vectors(verifier, self.model, probes, probe=True),
                         CANDIDATES)
        out = np.full((len(rows), len(self.people)), -np.inf)
        for i, found in enumerate(rows):
            found = found[found >= 0]
            exact = cross_scores(verifier, self.model, subset(probes, [i]),
                                 subset(gallery, found))[0]
            np.maximum.at(out[i], self.owner[found], exact)
        return out

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
            embedded = embed_photos(good, loaded, verifier, self.model)
            best_of = dict(zip(good, self._person_scores(embedded), strict=True))
        threshold = verifier.threshold if threshold is None else threshold
        results = []
        for probe in probes:
            if isinstance(loaded[probe], str):
                results.append({"probe": str(probe), "identity": None, "matches": [],
                                "threshold": threshold, "error": loaded[probe]})
                continue
            scores = best_of[probe]
            ranked = sorted(np.flatnonzero(scores > -np.inf),
                            key=lambda i: (-scores[i], self.people[i]))
            matches = [{"person": self.people[i], "score": round(float(scores[i]), 6)}
                       for i in ranked[:top]]
            identity = matches[0]["person"] if scores[ranked[0]] > threshold else UNKNOWN
            results.append({"probe": str(probe), "identity": identity, "matches": matches,
                            "threshold": threshold, "error": None})
        return results


def far_threshold(card: Path, far: float) -> float:
    """The threshold at which a share `far` of comparisons between two different people pass,
    measured by the stage identify on every pair of the validation people's images
    (data/thresholds.json beside the card), interpolated on a log scale of the rate."""
    path = card.parent / "thresholds.json"
    try:
        table = json.loads(path.read_text())
    except FileNotFoundError:
        raise LfwError(f"{path}: not found: --far needs the stage identify's thresholds: run "
                       "`dvc repro identify`") from None
    except json.JSONDecodeError as exc:
        raise LfwError(f"{path}: not valid JSON ({exc}): run `dvc repro identify`") from None
    if table.get("card_sha256") != sha256_file(card):
        raise LfwError(f"{path}: measured for another card than {card}: run "
                       "`dvc repro identify`")
    fars = np.array(table["far"])
    if not fars[0] <= far <= fars[-1]:
        raise LfwError(f"--far {far}: the thresholds are measured for false accept rates from "
                       f"{fars[0]:g} to {fars[-1]:g} ({table['impostor_pairs']:,} pairs)")
    return float(np.interp(np.log10(far), np.log10(fars), table["threshold"]))


def identify(probes: list[Path], gallery: Path, card_path: Path, model_path: Path | None = None,
             top: int = 1, threshold: float | None = None, lfw_framed: bool = False,
             progress: bool = False, cache: Path | None | bool = True, index: str = "auto"
             ) -> tuple[list[dict], list[str]]:
    """`Identifier(...).identify(...)`: the probes' results, and the notes on what the
    gallery skipped and on its cache (`cache`: a file, True for the default one, False for
    none)."""
    identifier = Identifier(gallery, card_path, model_path, lfw_framed, progress, cache, index)
    return identifier.identify(probes, top, threshold), identifier.notes
