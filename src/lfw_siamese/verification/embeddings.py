"""The net's scores of every probe against every gallery face, from one embedding per image.

The siamese net scores a pair by its head (the cosine, or the absolute difference, of the
twin's two embeddings, then a sigmoid unit). Embedding each image once and applying the same
head layers to every (probe, gallery) pair of embeddings gives the net's score of each pair
exactly as scoring the pair would (up to float rounding), with one pass of the twin per image
instead of two per pair: what identification against a gallery needs.
"""

import numpy as np

from ..backend import predict
from ..net.inference import BATCH, NetScores


def head_of(siamese):
    """The siamese net's head as a model of two embeddings -> P(same person)."""
    import keras

    from ..net.model import SCORE, twin_of

    size = twin_of(siamese).output_shape[-1]
    left, right = keras.Input((size,)), keras.Input((size,))
    distance = next(layer for layer in siamese.layers if layer.name in ("cosine", "abs_diff"))
    score = siamese.get_layer(SCORE)(distance([left, right]))
    return keras.Model([left, right], score)


def cross_net_scores(siamese, probes: np.ndarray, gallery: np.ndarray,
                     flipped: bool = True) -> NetScores:
    """The net's score of every (probe i, gallery j) pair of images, row-major (i * len(gallery)
    + j); with `flipped`, also of both images mirrored."""
    from ..net.model import twin_of

    twin, head = twin_of(siamese), head_of(siamese)

    def scores(a, b):
        ea, eb = predict(twin, a, BATCH), predict(twin, b, BATCH)
        pairs = [np.repeat(ea, len(eb), axis=0), np.tile(eb, (len(ea), 1))]
        return predict(head, pairs, 4096)[:, 0].astype(np.float64)

    plain = scores(probes, gallery)
    if not flipped:
        return NetScores(plain)
    return NetScores(plain, scores(probes[:, :, ::-1], gallery[:, :, ::-1]))
