"""The measures of a BLUFR-style trial (lfw_siamese.data.blufr), from the scores of every
pair of the test people's images.

- **Verification rate (VR) at a false accept rate (FAR)**: the share of same-person pairs
  scored above the threshold that a share FAR of different-person pairs pass.
- **Detection and identification rate (DIR) at a false alarm rate**: the share of genuine
  probes whose best gallery match is their own person with a score above the threshold that
  a share FAR of impostor probes' best scores pass (rank 1).
As in BLUFR, each threshold is the operating point on the trial's own test scores (a point of
its ROC), not a threshold chosen beforehand.
"""

import numpy as np

from .identification import OpenSet

VERIFICATION_FARS = (0.001, 0.01)
OPEN_SET_FARS = (0.01, 0.001)
ROWS_AT_ONCE = 500  # rows of the test people's score matrix scored in one go


def every_pair(score_rows, person: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    """Per scorer, the scores of every pair i < j of the images labelled `person`, split
    into genuine (same person) and impostor (float32), from `score_rows(rows)`: each scorer's
    scores of the images `rows` against every image."""
    found = {}
    for start in range(0, len(person), ROWS_AT_ONCE):
        rows = np.arange(start, min(start + ROWS_AT_ONCE, len(person)))
        later = np.arange(len(person))[None, :] > rows[:, None]
        same = person[rows][:, None] == person[None, :]
        for name, block in score_rows(rows).items():
            split = found.setdefault(name, {"genuine": [], "impostor": []})
            split["genuine"].append(block[later & same])
            split["impostor"].append(block[later & ~same].astype(np.float32))
    return {name: {k: np.concatenate(v) for k, v in split.items()}
            for name, split in found.items()}


def verification(scores: dict[str, np.ndarray], fars=VERIFICATION_FARS) -> dict:
    """VR (and the threshold) at each FAR, from `every_pair`'s split."""
    judged = OpenSet(scores["genuine"], np.ones(len(scores["genuine"]), bool),
                     scores["impostor"])
    return {str(far): {"threshold": t, "vr": judged.at(t)["dir"]}
            for far, t in _thresholds(judged, fars)}


def open_set(probe_scores: np.ndarray, probe_person: np.ndarray, gallery_person: np.ndarray,
             fars=OPEN_SET_FARS) -> dict:
    """DIR at each false alarm rate, from the (probes, gallery) scores: a probe whose person
    is in the gallery (`gallery_person`, one image each) is genuine, any other an impostor."""
    best = probe_scores.argmax(1)
    top = probe_scores[np.arange(len(best)), best]
    genuine = np.isin(probe_person, gallery_person)
    judged = OpenSet(top[genuine], gallery_person[best[genuine]] == probe_person[genuine],
                     top[~genuine])
    return {"rank1_closed_set": float(np.mean(judged.right)),
            **{str(far): {"threshold": t, **judged.at(t)} for far, t in _thresholds(judged, fars)}}


def _thresholds(judged: OpenSet, fars) -> list[tuple[float, float]]:
    return [(far, judged.threshold(far)) for far in fars]
