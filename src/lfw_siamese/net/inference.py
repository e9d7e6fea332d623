"""Score image pairs with a trained siamese model, plain and with both images flipped
left-right (test-time augmentation averages the two)."""

from dataclasses import dataclass

import numpy as np

from ..backend import predict
from ..errors import LfwError

BATCH = 256


@dataclass(frozen=True)
class NetScores:
    """The net's P(same person) of each pair, plain and (if scored) with both images flipped."""

    plain: np.ndarray
    flipped: np.ndarray | None = None

    def combined(self, tta: bool) -> np.ndarray:
        """The plain scores, or with `tta` their mean with the flipped ones."""
        if not tta:
            return self.plain
        if self.flipped is None:
            raise LfwError("tta: the net's scores of the flipped pairs are missing")
        return (self.plain + self.flipped) / 2


def net_scores(model, left: np.ndarray, right: np.ndarray, flipped: bool = True) -> NetScores:
    """`model`'s scores of each (left[i], right[i]); with `flipped`, also of both mirrored."""
    plain = predict(model, [left, right], BATCH)[:, 0].astype(np.float64)
    if not flipped:
        return NetScores(plain)
    mirrored = predict(model, [left[:, :, ::-1], right[:, :, ::-1]], BATCH)[:, 0]
    return NetScores(plain, mirrored.astype(np.float64))


def score_pairs(model, left: np.ndarray, right: np.ndarray, tta: bool = False) -> np.ndarray:
    """P(same person) for each (left[i], right[i]); with `tta`, the mean of the pair's score
    and the score of both images flipped left-right."""
    return net_scores(model, left, right, flipped=tta).combined(tta)
