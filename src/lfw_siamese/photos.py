"""Photos as the Verifier scores them: each decoded once (upright, its largest face found and
framed as LFW frames faces, or taken as an LFW frame), then scored in pairs. Shared by
`lfw-siamese verify` and `lfw-siamese identify`.
"""

import sys
from pathlib import Path

import numpy as np

from .config import regions
from .data.faces import Face, network_input
from .errors import LfwError
from .verification.faces import Faces
from .verification.grid import Embedded, projections


def load_net(verifier):
    """The net the `verifier` names, loaded (None without one); a missing file names the fix."""
    if verifier.model is None:
        return None
    if not verifier.model.is_file():
        raise LfwError(f"{verifier.model}: no trained model: run `dvc repro` first, or pass "
                       "--model")
    from .net.saving import load_model

    return load_model(verifier.model)


def load_photos(paths: list[Path], verifier, lfw_framed: bool, progress: bool,
                keep_going: bool = False):
    """Every distinct photo once, as the `verifier`'s net sees it, its gray regions for the
    descriptors and the faces found in it: a dict path -> (input, gray regions, faces).
    With `keep_going`, a photo that cannot be used maps to its error message instead of
    ending the run."""
    from tqdm import tqdm

    loaded = {}
    for path in tqdm(list(dict.fromkeys(paths)), desc="images", unit="img",
                     disable=not progress, file=sys.stderr):
        try:
            if path.is_dir():
                raise LfwError(f"{path}: is a folder, not an image")
            image = verifier.preprocessing
            loaded[path] = network_input(path, image["image_size"], image["channels"],
                                         regions(image["crop"], image["context_crop"]),
                                         lfw_framed, verifier.gray_crops)
        except LfwError as exc:
            if not keep_going:
                raise
            loaded[path] = str(exc)
            continue
        faces = loaded[path][2]
        if len(faces) > 1:
            print(f"{path}: {len(faces)} faces found; using the largest, {faces[0]} "
                  "(--all-faces lists them)", file=sys.stderr)
    return loaded


def photo_faces(paths, loaded: dict, verifier) -> Faces:
    """The set of the distinct loaded photos `paths` as the `verifier`'s descriptors see them."""
    photos = list(dict.fromkeys(paths))
    return Faces([str(p) for p in photos], {c: np.stack([loaded[p][1][c] for p in photos])
                                            for c in verifier.gray_crops})


def photo_scores(pairs, loaded: dict, verifier, model) -> np.ndarray:
    """The `verifier`'s score of each pair of loaded photos (`model`: its net, loaded)."""
    if not pairs:
        return np.empty(0)
    left = np.stack([loaded[a][0] for a, _ in pairs])
    right = np.stack([loaded[b][0] for _, b in pairs])
    faces = None
    if verifier.descriptors:
        faces = photo_faces([path for pair in pairs for path in pair], loaded, verifier)
    names = tuple([str(pair[i]) for pair in pairs] for i in (0, 1))
    pairs = verifier.image_pairs(left, right, faces=faces, names=names, net_model=model)
    return verifier.score(pairs)["fused"]


def embed_photos(paths: list, loaded: dict, verifier, model) -> Embedded:
    """The loaded photos `paths` (one or more) as the `verifier` scores them against others:
    the net's embeddings of each (`model`; mirrored too with `tta`) and each descriptor's
    projection."""
    net = None
    if verifier.model is not None:
        from .verification.embeddings import embeddings

        net = embeddings(model, np.stack([loaded[p][0] for p in paths]), flipped=verifier.tta)
    vectors = ()
    if verifier.descriptors:
        faces = photo_faces(paths, loaded, verifier)
        vectors = projections(verifier.descriptors, faces, faces.rows(paths))
    return Embedded(net, vectors)


def describe(path: str, face: dict | None) -> str:
    """A photo and, briefly, the face box used in it."""
    return path if face is None else f"{path} [face {Face(**face)}]"


