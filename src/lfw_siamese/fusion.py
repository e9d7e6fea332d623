"""The net's score and the descriptors' cosines, fused into one probability of the same person.

A logistic regression (scikit-learn) on (the net's score as a logit, each descriptor's
cosine), fitted on held-out pairs: the validation pairs, or in View 2 the calibration fold.
Its weights are stored in data/verifier.json, so that `verify` fuses as `evaluate` did.
"""

from dataclasses import asdict, dataclass, fields

import numpy as np

from .errors import LfwError

EPS = 1e-7


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, EPS, 1 - EPS)
    return np.log(p / (1 - p))


@dataclass(frozen=True)
class Fusion:
    """P(same) = sigmoid(net · logit(net score) + Σ descriptors[i] · cosine[i] + offset)."""

    net: float
    descriptors: tuple[float, ...]
    offset: float

    @classmethod
    def fit(cls, net_scores, cosines: list, labels) -> "Fusion":
        """Fitted on pairs' net scores, their cosines (one array per descriptor), labels."""
        from sklearn.linear_model import LogisticRegression

        if len(np.unique(labels)) != 2:
            raise LfwError("fusion: the held-out pairs need both same and different people")
        model = LogisticRegression().fit(_inputs(net_scores, cosines), labels)
        weights = [float(w) for w in model.coef_[0]]
        return cls(weights[0], tuple(weights[1:]), float(model.intercept_[0]))

    @classmethod
    def from_dict(cls, weights: dict) -> "Fusion":
        return cls(weights["net"], tuple(weights["descriptors"]), weights["offset"])

    def __call__(self, net_scores, cosines: list) -> np.ndarray:
        if len(cosines) != len(self.descriptors):
            raise LfwError(f"fusion: fitted for {len(self.descriptors)} descriptors, given "
                           f"{len(cosines)} (run `dvc repro`)")
        z = _inputs(net_scores, cosines) @ np.array([self.net, *self.descriptors]) + self.offset
        return 1 / (1 + np.exp(-z))

    def as_dict(self) -> dict:
        return {**asdict(self), "descriptors": list(self.descriptors)}


FIELDS = tuple(f.name for f in fields(Fusion))  # the weights a verifier card holds


def fit_and_fuse(net: dict, cosines: dict, labels, held_out: str) -> tuple[Fusion, dict]:
    """The fusion fitted on the `held_out` group's pairs (`labels`), and every group's fused
    scores; `net` maps a group's name to its pairs' scores, `cosines` to a list of arrays,
    one per descriptor."""
    fusion = Fusion.fit(net[held_out], cosines[held_out], labels)
    return fusion, {name: fusion(net[name], cosines[name]) for name in net}


def _inputs(net_scores, cosines: list) -> np.ndarray:
    return np.stack([logit(np.asarray(net_scores, np.float64)),
                     *(np.asarray(c, np.float64) for c in cosines)], 1)
