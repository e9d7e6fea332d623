"""The Verifier's score as one vector per face: an inner product gives the fused logit.

The fusion is a logistic regression on the net's score as a logit and on each descriptor's
cosine. With a cosine head, the net's score is sigmoid(w · cosine + b), so its logit is
w · cosine + b, and every cosine is the inner product of two unit vectors. Folding the weights
into the probe's side, a probe is one vector, a gallery face another, and

    fused logit = probe vector · gallery vector + offset,

what a vector index (inner-product search) needs. It is exact without test-time flips, as
long as the net's score is not clipped (the fusion clips it to [1e-7, 1 - 1e-7] before the
logit, i.e. |w · cosine + b| <= 16.1). With flips, the net's score is the mean of two
sigmoids (plain and mirrored), and the vector form takes the mean of their logits instead: the
same when the two agree, near when they are close. `tests/test_identification.py` asserts
the exact case; the stage identify measures how often the two forms name the same person.
"""

import numpy as np

from ..errors import LfwError
from .embeddings import cosine_head
from .grid import Embedded, unit


def _net_weights(model) -> tuple[float, float]:
    head = cosine_head(model)
    if head is None:
        raise LfwError("the vector form needs a net with a cosine head (head: cosine)")
    return head


def face_vectors(verifier, model, faces: Embedded, probe: bool) -> np.ndarray:
    """Each face's vector (N, D): the probes' carry the weights, the gallery's are unit
    parts."""
    fusion = verifier.fusion
    parts = []
    if faces.net is not None:
        w, _ = _net_weights(model)
        weight = w * (fusion.net if fusion is not None else 1.0)
        sides = [x for x in faces.net if x is not None]
        parts += [(weight / len(sides) if probe else 1.0) * unit(x) for x in sides]
    weights = fusion.descriptors if fusion is not None else ()
    parts += [(c if probe else 1.0) * unit(x) for c, x in zip(weights, faces.vectors,
                                                               strict=True)]
    return np.concatenate(parts, axis=1)


def vector_offset(verifier, model) -> float:
    """The constant of the fused logit beside the inner product."""
    fusion = verifier.fusion
    b = _net_weights(model)[1] if verifier.model is not None else 0.0
    if fusion is None:
        return b
    return fusion.offset + (fusion.net * b if fusion.net is not None else 0.0)


def vector_scores(verifier, model, probes: Embedded, gallery: Embedded) -> np.ndarray:
    """The Verifier's scores in vector form, (P, G): sigmoid(probe · gallery + offset)."""
    logits = (face_vectors(verifier, model, probes, True)
              @ face_vectors(verifier, model, gallery, False).T)
    return 1 / (1 + np.exp(-(logits + vector_offset(verifier, model))))
