"""A gallery of known people as the Verifier sees them, read from its folder, computed once
and cached.

Each gallery photo is found, framed and preprocessed as `verify` does it, embedded by the
net (and mirrored, with test-time flips) and projected by each descriptor: the vectors every
probe is scored against (lfw_siamese.verification.grid). They are saved in one cache file
keyed by the sha256 of every photo's bytes (and its name), of the card and of the net used
(the card names the descriptors by their sha256), and by how photos are framed; a cache
whose key differs is rebuilt, with a note. By default the file lives in the user's cache
folder ($XDG_CACHE_HOME, else ~/.cache: lfw-siamese/galleries/), one per gallery folder,
never inside the gallery, which may be read-only.
"""

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import LfwError
from .fsutil import atomic_output, sha256_file
from .photos import embed_photos, load_photos
from .verification.grid import Embedded

VERSION = 1  # of the cache file's layout
IMAGES = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"}


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


@dataclass
class Gallery:
    """The usable photos of a gallery, each one's person, their vectors; and why the
    unusable photos could not be used."""

    photos: list[Path]
    person: list[str]
    vectors: Embedded
    unusable: dict[Path, str]


def default_cache(folder: Path) -> Path:
    """The cache file of a gallery folder in the user's cache folder."""
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    name = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
    return root / "lfw-siamese" / "galleries" / f"{folder.resolve().name}-{name}.npz"


def gallery_key(people: dict[str, list[Path]], card: Path, model: Path | None,
                lfw_framed: bool) -> str:
    """What the cached vectors depend on: the photos' names and bytes, the card, the net."""
    digest = hashlib.sha256(json.dumps({
        "version": VERSION, "lfw_framed": lfw_framed, "card": sha256_file(card),
        "model": sha256_file(model) if model is not None else None,
        "photos": [[name, str(p), sha256_file(p)] for name, photos in people.items()
                   for p in photos]}).encode())
    return digest.hexdigest()


def load_gallery(people: dict[str, list[Path]], verifier, model, card: Path,
                 lfw_framed: bool, cache: Path | None, progress: bool = False):
    """The gallery's vectors, from `cache` when its key matches (None: no cache), else
    computed (and cached); and a note on what was done."""
    key = gallery_key(people, card, verifier.model, lfw_framed)
    if cache is not None and cache.is_file():
        cached = _read(cache, key)
        if cached is not None:
            return cached, f"the gallery's {len(cached.photos):,} photos from the cache {cache}"
        stale = f"the cache {cache} was out of date (photos, model or card changed): rebuilt; "
    else:
        stale = ""
    photos = [p for ps in people.values() for p in ps]
    loaded = load_photos(photos, verifier, lfw_framed, progress, keep_going=True)
    usable = [p for p in photos if not isinstance(loaded[p], str)]
    if not usable:
        raise LfwError("no usable photo in the gallery: " + "; ".join(
            loaded[p] for p in photos[:3]) + ("; ..." if len(photos) > 3 else ""))
    owner = {p: name for name, ps in people.items() for p in ps}
    gallery = Gallery(usable, [owner[p] for p in usable],
                      embed_photos(usable, loaded, verifier, model),
                      {p: loaded[p] for p in photos if isinstance(loaded[p], str)})
    if cache is None:
        return gallery, ""
    _write(cache, key, gallery)
    return gallery, f"{stale}the gallery's {len(usable):,} photos cached in {cache}"


def _write(path: Path, key: str, gallery: Gallery) -> None:
    v = gallery.vectors
    arrays = {f"vectors_{i}": x for i, x in enumerate(v.vectors)}
    if v.net is not None:
        arrays["net"] = v.net[0]
        if v.net[1] is not None:
            arrays["net_flipped"] = v.net[1]
    meta = {"key": key, "photos": [str(p) for p in gallery.photos], "person": gallery.person,
            "descriptors": len(v.vectors),
            "unusable": {str(p): why for p, why in gallery.unusable.items()}}
    with atomic_output(path) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, meta=np.array(json.dumps(meta)), **arrays)


def _read(path: Path, key: str) -> Gallery | None:
    """The cached gallery, or None when the file is of another key or unreadable."""
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("key") != key:
                return None
            net = None
            if "net" in data.files:
                net = (data["net"], data["net_flipped"] if "net_flipped" in data.files else None)
            vectors = tuple(data[f"vectors_{i}"] for i in range(meta["descriptors"]))
    except (OSError, ValueError, KeyError, json.JSONDecodeError):
        return None
    return Gallery([Path(p) for p in meta["photos"]], meta["person"], Embedded(net, vectors),
                   {Path(p): why for p, why in meta["unusable"].items()})
