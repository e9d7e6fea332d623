"""The net's score and the descriptor's cosine, fused into one probability of the same person.

A logistic regression (scikit-learn) on (the net's score as a logit, the cosine), fitted on
held-out pairs: the validation pairs, or in View 2 the calibration fold. Its three numbers
are stored in data/verifier.json, so that `verify` fuses as `evaluate` did.
"""

from dataclasses import asdict, dataclass

import numpy as np

from .errors import LfwError

EPS = 1e-7


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, EPS, 1 - EPS)
    return np.log(p / (1 - p))


@dataclass(frozen=True)
class Fusion:
    """P(same) = sigmoid(net · logit(net score) + descriptor · cosine + offset)."""

    net: float
    descriptor: float
    offset: float

    @classmethod
    def fit(cls, net_scores, cosines, labels) -> "Fusion":
        from sklearn.linear_model import LogisticRegression

        if len(np.unique(labels)) != 2:
            raise LfwError("fusion: the held-out pairs need both same and different people")
        model = LogisticRegression().fit(_inputs(net_scores, cosines), labels)
        (a, b), c = model.coef_[0], model.intercept_[0]
        return cls(float(a), float(b), float(c))

    def __call__(self, net_scores, cosines) -> np.ndarray:
        z = _inputs(net_scores, cosines) @ np.array([self.net, self.descriptor]) + self.offset
        return 1 / (1 + np.exp(-z))

    def as_dict(self) -> dict:
        return asdict(self)


def fit_and_fuse(net: dict, cosines: dict, labels, held_out: str) -> tuple[Fusion, dict]:
    """The fusion fitted on the `held_out` group's pairs (`labels`), and every group's fused
    scores; `net` and `cosines` map a group's name to its pairs' scores."""
    fusion = Fusion.fit(net[held_out], cosines[held_out], labels)
    return fusion, {name: fusion(net[name], cosines[name]) for name in net}


def _inputs(net_scores, cosines) -> np.ndarray:
    return np.stack([logit(np.asarray(net_scores, np.float64)),
                     np.asarray(cosines, np.float64)], 1)
