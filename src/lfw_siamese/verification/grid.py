"""Every probe face against every gallery face: pairs in grid form, for identification.

A grid of P probes and G gallery faces is P x G pairs. The net's scores come from one
embedding per image (lfw_siamese.verification.embeddings) and each descriptor's cosines from
one projection per face (the vectors of the probes and of the gallery faces), as a product
of the two sides' unit vectors, so no pair is described twice. The Verifier scores a grid as
it scores pairs (`score_grid`), the pairs in row-major order.
"""

from dataclasses import dataclass

import numpy as np

from ..errors import LfwError
from ..net.inference import NetScores
from .faces import Faces


@dataclass
class Grid:
    """The net's (P, G) scores (None without a net) and, per descriptor, the projections of
    the P probes and of the G gallery faces; shaped as `Pairs` for the Verifier, the pairs
    row-major."""

    shape: tuple[int, int]
    grid_net: NetScores | None = None
    probe_vectors: tuple[np.ndarray, ...] = ()
    gallery_vectors: tuple[np.ndarray, ...] = ()
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
        if len(descriptors) != len(self.probe_vectors):
            raise LfwError(f"a grid of {len(self.probe_vectors)} descriptors' projections "
                           f"scored by {len(descriptors)} descriptors")
        return [(unit(p) @ unit(g).T).ravel()
                for p, g in zip(self.probe_vectors, self.gallery_vectors, strict=True)]


@dataclass
class Embedded:
    """Faces as the Verifier scores them against others: the net's embeddings of each (and of
    its mirror image, with test-time flips; None without a net) and, per descriptor, each
    one's projection."""

    net: tuple[np.ndarray, np.ndarray | None] | None
    vectors: tuple[np.ndarray, ...]


def cross_scores(verifier, model, probes: Embedded, gallery: Embedded) -> np.ndarray:
    """The `verifier`'s score of every (probe, gallery face), (P, G); `model` is its net."""
    shape = (len(probes.net[0] if probes.net else probes.vectors[0]),
             len(gallery.net[0] if gallery.net else gallery.vectors[0]))
    net = None
    if probes.net is not None:
        from .embeddings import grid_scores

        (plain, mirrored), (g_plain, g_mirrored) = probes.net, gallery.net
        net = NetScores(grid_scores(model, plain, g_plain),
                        grid_scores(model, mirrored, g_mirrored) if verifier.tta else None)
    return score_grid(verifier, Grid(shape, net, probes.vectors, gallery.vectors))["fused"]


def subset(faces: Embedded, rows) -> Embedded:
    """The faces `rows` of an embedded set."""
    net = None
    if faces.net is not None:
        net = tuple(None if x is None else x[rows] for x in faces.net)
    return Embedded(net, tuple(v[rows] for v in faces.vectors))


def projections(descriptors, faces: Faces, rows) -> tuple[np.ndarray, ...]:
    """Per descriptor, the projections of the faces `rows` of a set (each face once)."""
    return tuple(d.embed(faces)[rows] for d in descriptors)


def score_grid(verifier, grid: Grid) -> dict:
    """The `verifier`'s scores of a grid, as `Verifier.score` gives them, each (P, G)."""
    scores = verifier.score(grid)
    net = scores["net"]
    return {"fused": scores["fused"].reshape(grid.shape),
            "net": None if net is None else net.reshape(grid.shape),
            "descriptors": [c.reshape(grid.shape) for c in scores["descriptors"]]}


def group_scores(verifier, alone, model, images: np.ndarray, faces: Faces | None,
                 files) -> dict[str, np.ndarray]:
    """Every image of a group (`images`, as the net sees them; their faces `files` in the
    set `faces`) scored against every other, (M, M) per scorer: the `verifier`'s (`fused`
    when it has descriptors), the net alone (`net`), the descriptors alone fused by the
    fitted verifier `alone` (`descriptors`), the `verifier`'s in vector form (`vector_form`,
    lfw_siamese.verification.vectors; with a cosine head) and `pixels` (minus the squared L2
    distance of the images)."""
    from .embeddings import embeddings, grid_scores

    embedded = Embedded(embeddings(model, images, verifier.tta) if model is not None else None,
                        projections(verifier.descriptors, faces, faces.rows(files))
                        if faces is not None else ())
    net = None
    if embedded.net is not None:
        plain, mirrored = embedded.net
        net = NetScores(grid_scores(model, plain, plain),
                        grid_scores(model, mirrored, mirrored) if verifier.tta else None)
    grid = Grid((len(images), len(images)), net, embedded.vectors, embedded.vectors)
    scored = score_grid(verifier, grid)
    out = {"fused": scored["fused"]} if verifier.descriptors else {}
    if scored["net"] is not None:
        out["net"] = scored["net"]
    if alone is not None:
        out["descriptors"] = score_grid(alone, grid)["fused"]
    if model is None or any(layer.name == "cosine" for layer in model.layers):
        from .vectors import vector_scores

        out["vector_form"] = vector_scores(verifier, model, embedded, embedded)
    flat = images.reshape(len(images), -1).astype(np.float64)
    squares = np.einsum("ij,ij->i", flat, flat)
    out["pixels"] = 2 * flat @ flat.T - squares[:, None] - squares[None, :]
    return out


def unit(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length."""
    x = np.asarray(x, np.float64)
    return x / np.linalg.norm(x, axis=1, keepdims=True)
