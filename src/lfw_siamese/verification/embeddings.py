"""The net's score of every probe against every gallery face, from one embedding per image.

The siamese net scores a pair by its head (the cosine, or the absolute difference, of the
twin's two embeddings, then a sigmoid unit). Embedding each image once and applying the same
head to every (probe, gallery) pair of embeddings gives the net's score of each pair exactly
as scoring the pair would (up to float rounding), with one pass of the twin per image instead
of two per pair: what identification against a gallery needs. A cosine head is one matrix
product of the unit embeddings (each face one vector); an absolute-difference head runs its
layers on every pair, in blocks.
"""

import numpy as np

from ..backend import predict
from ..net.inference import BATCH, NetScores

PAIRS_AT_ONCE = 1 << 18  # (probe, gallery) pairs the head scores in one go, to bound memory


def head_of(siamese):
    """The siamese net's head as a model of two embeddings -> P(same person)."""
    import keras

    from ..net.model import SCORE, twin_of

    size = twin_of(siamese).output_shape[-1]
    left, right = keras.Input((size,)), keras.Input((size,))
    distance = next(layer for layer in siamese.layers if layer.name in ("cosine", "abs_diff"))
    score = siamese.get_layer(SCORE)(distance([left, right]))
    return keras.Model([left, right], score)


def embeddings(siamese, images: np.ndarray, flipped: bool = True):
    """The twin's embedding of each image, and (with `flipped`) of its mirror image (else None)."""
    from ..net.model import twin_of

    twin = twin_of(siamese)
    plain = predict(twin, images, BATCH)
    return plain, predict(twin, images[:, :, ::-1], BATCH) if flipped else None


def cosine_head(siamese) -> tuple[float, float] | None:
    """The weight and bias of the score unit on the cosine of the two embeddings, when the
    net's head is a cosine (its score is sigmoid(weight * cosine + bias)); else None."""
    from ..net.model import SCORE

    if not any(layer.name == "cosine" for layer in siamese.layers):
        return None
    kernel, bias = siamese.get_layer(SCORE).get_weights()
    return float(kernel[0, 0]), float(bias[0])


def grid_scores(siamese, probes: np.ndarray, gallery: np.ndarray) -> np.ndarray:
    """The siamese net's score of every (probe i, gallery j) pair of embeddings, (P, G)."""
    head = cosine_head(siamese)
    if head is not None:
        weight, bias = head
        return 1 / (1 + np.exp(-(weight * (_unit(probes) @ _unit(gallery).T) + bias)))
    head = head_of(siamese)
    out = np.empty((len(probes), len(gallery)))
    step = max(1, PAIRS_AT_ONCE // max(1, len(gallery)))
    for start in range(0, len(probes), step):
        block = probes[start:start + step]
        pairs = [np.repeat(block, len(gallery), axis=0), np.tile(gallery, (len(block), 1))]
        out[start:start + step] = predict(head, pairs, 4096)[:, 0].reshape(len(block), -1)
    return out


def cross_net_scores(siamese, probes: np.ndarray, gallery: np.ndarray,
                     flipped: bool = True) -> NetScores:
    """The net's score of every (probe i, gallery j) pair of images, (P, G); with `flipped`,
    also of both images mirrored."""
    (p, p_mirror), (g, g_mirror) = (embeddings(siamese, x, flipped) for x in (probes, gallery))
    plain = grid_scores(siamese, p, g)
    return NetScores(plain, grid_scores(siamese, p_mirror, g_mirror) if flipped else None)


def _unit(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, as the net's cosine layer scales them."""
    x = np.asarray(x, np.float64)
    return x / np.sqrt(np.sum(x * x, axis=1, keepdims=True) + 1e-12)
