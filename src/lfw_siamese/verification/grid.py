"""Every probe face against every gallery face: pairs in grid form, for identification.

A grid of P probes and G gallery faces is P x G pairs. The net's scores come from one
embedding per image (lfw_siamese.verification.embeddings) and each descriptor's cosines from
one projection per face, as a product of the two sets' unit projections, so no pair is
described twice. The Verifier scores a grid as it scores pairs (`score_grid`), the pairs in
row-major order.
"""

from dataclasses import dataclass

import numpy as np

from ..net.inference import NetScores
from .faces import Faces


@dataclass
class Grid:
    """The net's (P, G) scores (None without a net) and, for the descriptors, a set of faces
    with the rows of the probes and of the gallery faces in it; shaped as `Pairs` for the
    Verifier, the pairs row-major."""

    shape: tuple[int, int]
    grid_net: NetScores | None = None
    faces: Faces | None = None
    probes: np.ndarray | None = None
    gallery: np.ndarray | None = None
    label = None

    @property
    def net(self) -> NetScores | None:
        if self.grid_net is None:
            return None
        flipped = self.grid_net.flipped
        return NetScores(self.grid_net.plain.ravel(),
                         None if flipped is None else flipped.ravel())

    def __len__(self) -> int:
        return self.shape[0] * self.shape[1]

    def cosines(self, descriptors) -> list[np.ndarray]:
        """Per descriptor, the cosine of every (probe, gallery face), row-major."""
        return [(_unit(d.embed(self.faces)[self.probes])
                 @ _unit(d.embed(self.faces)[self.gallery]).T).ravel() for d in descriptors]


def score_grid(verifier, grid: Grid) -> dict:
    """The `verifier`'s scores of a grid, as `Verifier.score` gives them, each (P, G)."""
    scores = verifier.score(grid)
    net = scores["net"]
    return {"fused": scores["fused"].reshape(grid.shape),
            "net": None if net is None else net.reshape(grid.shape),
            "descriptors": [c.reshape(grid.shape) for c in scores["descriptors"]]}


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float64)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def group_scores(verifier, alone, model, images: np.ndarray, faces: Faces | None,
                 files) -> dict[str, np.ndarray]:
    """Every image of a group (`images`, as the net sees them; their faces `files` in the
    set `faces`) scored against every other, (M, M) per scorer: the `verifier`'s (`fused`
    when it has descriptors), the net alone (`net`), the descriptors alone fused by the
    fitted verifier `alone` (`descriptors`), and `pixels` (minus the squared L2 distance of
    the images)."""
    shape = (len(images), len(images))
    net = None
    if model is not None:
        from .embeddings import embeddings, grid_scores

        plain, mirrored = embeddings(model, images, flipped=verifier.tta)
        net = NetScores(grid_scores(model, plain, plain),
                        grid_scores(model, mirrored, mirrored) if verifier.tta else None)
    rows = faces.rows(files) if faces is not None else None
    grid = Grid(shape, net, faces, rows, rows)
    scored = score_grid(verifier, grid)
    out = {"fused": scored["fused"]} if verifier.descriptors else {}
    if scored["net"] is not None:
        out["net"] = scored["net"]
    if alone is not None:
        out["descriptors"] = score_grid(alone, grid)["fused"]
    flat = images.reshape(len(images), -1).astype(np.float64)
    squares = np.einsum("ij,ij->i", flat, flat)
    out["pixels"] = 2 * flat @ flat.T - squares[:, None] - squares[None, :]
    return out
