"""A set of face images as the descriptors see them: each one's gray regions, by name.

What the descriptors compute from the regions (e.g. LBP codes, each descriptor's
projection) is computed once per set and kept, so a View 2 fold describes each of its images
once although they serve the descriptors' fit and three groups of pairs.
"""

import numpy as np

from ..errors import LfwError


class Faces:
    """Gray regions of named images (crop -> (N, side, side)), and what is derived from them."""

    def __init__(self, names, regions: dict[int, np.ndarray]):
        self.names = [str(n) for n in names]
        self.regions = regions
        self._row = {name: i for i, name in enumerate(self.names)}
        self._kept = {}
        if len(self._row) != len(self.names):
            raise LfwError("faces: each image once")

    def __len__(self) -> int:
        return len(self.names)

    def rows(self, names) -> np.ndarray:
        """The rows of the images `names`."""
        try:
            return np.array([self._row[str(n)] for n in names], dtype=np.int64)
        except KeyError as exc:
            raise LfwError(f"faces: no image {exc.args[0]!r} in this set") from None

    def mirrored(self, rows) -> "Faces":
        """A new set: the faces `rows`, each mirrored left to right."""
        return Faces([f"{self.names[r]} (mirrored)" for r in rows],
                     {crop: faces[rows][:, :, ::-1] for crop, faces in self.regions.items()})

    def kept(self, key, compute):
        """`compute()`, once per `key` for this set of faces."""
        if key not in self._kept:
            self._kept[key] = compute()
        return self._kept[key]


def read_faces(path, crops, size: int, names) -> Faces | None:
    """The distinct images of `names` (in first-seen order) at the gray `crops` and side
    `size`, from the regions stage's file `path`; None when no crop is asked (no descriptor
    sees faces)."""
    if not crops:
        return None
    from ..data.regions import Regions

    names = list(dict.fromkeys(str(n) for n in names))
    return Faces(names, Regions(path, crops, size).take(names))
