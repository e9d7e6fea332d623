"""The net's score and the descriptors' cosines, fused into one probability of the same person.

A logistic regression (scikit-learn) on (the net's score as a logit, each descriptor's
cosine), fitted on held-out pairs: the validation pairs, or in View 2 the calibration fold.
Without a net (the classical branch alone) it fuses the cosines only. Its weights are stored
in the verifier's card (lfw_siamese.verification.verifier).
"""

from dataclasses import asdict, dataclass

import numpy as np

from ..errors import LfwError

EPS = 1e-7


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, EPS, 1 - EPS)
    return np.log(p / (1 - p))


@dataclass(frozen=True)
class Fusion:
    """P(same) = sigmoid(net · logit(net score) + Σ descriptors[i] · cosine[i] + offset);
    `net` is None for a fusion of the cosines alone."""

    net: float | None
    descriptors: tuple[float, ...]
    offset: float

    @classmethod
    def fit(cls, net_scores, cosines: list, labels) -> "Fusion":
        """Fitted on pairs' net scores (None: no net), their cosines (one array per
        descriptor), labels."""
        from sklearn.linear_model import LogisticRegression

        if len(np.unique(labels)) != 2:
            raise LfwError("fusion: the held-out pairs need both same and different people")
        model = LogisticRegression().fit(_inputs(net_scores, cosines), labels)
        weights = [float(w) for w in model.coef_[0]]
        if net_scores is None:
            return cls(None, tuple(weights), float(model.intercept_[0]))
        return cls(weights[0], tuple(weights[1:]), float(model.intercept_[0]))

    @classmethod
    def from_dict(cls, weights: dict) -> "Fusion":
        return cls(weights["net"], tuple(weights["descriptors"]), weights["offset"])

    def __call__(self, net_scores, cosines: list) -> np.ndarray:
        if len(cosines) != len(self.descriptors):
            raise LfwError(f"fusion: fitted for {len(self.descriptors)} descriptors, given "
                           f"{len(cosines)} (run `dvc repro`)")
        if (net_scores is None) != (self.net is None):
            raise LfwError(f"fusion: fitted {'without' if self.net is None else 'with'} the "
                           "net's scores, given the other")
        weights = [w for w in (self.net,) if w is not None] + list(self.descriptors)
        z = _inputs(net_scores, cosines) @ np.array(weights) + self.offset
        return 1 / (1 + np.exp(-z))

    def as_dict(self) -> dict:
        return {**asdict(self), "descriptors": list(self.descriptors)}


def _inputs(net_scores, cosines: list) -> np.ndarray:
    net = [] if net_scores is None else [logit(np.asarray(net_scores, np.float64))]
    return np.stack([*net, *(np.asarray(c, np.float64) for c in cosines)], 1)
