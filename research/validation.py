"""What the validation screens share (descriptor_screen, flip_screen, fisher_screen,
hdlbp_screen): the validation pairs and the training people, their faces from
data/regions.npz, the net's scores as evaluate takes them, and how a score is judged alone
or fused with the net, the fusion 10-fold cross-validated over the validation pairs so its
weights are never judged on the pairs they were fitted on. Test pairs are never read."""

import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict

from lfw_siamese.data import regions
from lfw_siamese.data.dataset import load_arrays
from lfw_siamese.paths import MODEL, PAIRS
from lfw_siamese.verification import metrics as m
from lfw_siamese.verification.descriptor import cosines
from lfw_siamese.verification.faces import read_faces
from lfw_siamese.verification.fusion import logit
from lfw_siamese.verification.verifier import fit_described


def pairs() -> tuple[dict, dict]:
    """The training people's arrays and the validation pairs' (data/pairs)."""
    return load_arrays(PAIRS / "people.npz"), load_arrays(PAIRS / "val.npz")


def faces(p, crops: list[int], people: dict, val: dict):
    """The training people's faces and the validation pairs' (each image once) at `crops`,
    and the rows of the pairs' left and right faces in the latter."""
    training = read_faces(regions.FILE, crops, p.image_size, people["files"])
    pair_faces = read_faces(regions.FILE, crops, p.image_size,
                            np.concatenate([val["left_file"], val["right_file"]]))
    return (training, pair_faces, pair_faces.rows(val["left_file"]),
            pair_faces.rows(val["right_file"]))


def net_scores(p, val: dict, model=MODEL) -> np.ndarray:
    """A saved model's scores of the validation pairs, with the test-time flips of `p.tta`."""
    from lfw_siamese.net.inference import score_pairs
    from lfw_siamese.net.saving import load_model

    return score_pairs(load_model(model), val["left"], val["right"], p.tta)


def judged(labels, scores) -> dict:
    """Accuracy at the best threshold on these pairs, and AUC (4 digits)."""
    fpr, tpr = m.roc_curve(labels, scores)[:2]
    return {"accuracy": round(m.accuracy(labels, scores, m.best_threshold(labels, scores)), 4),
            "auc": round(m.auc(fpr, tpr), 4)}


def fused(labels, net, *columns) -> dict:
    """The net's logit fused with `columns` by a logistic regression, cross-validated, judged."""
    features = np.stack([logit(net), *columns], 1)
    return judged(labels, cross_val_predict(LogisticRegression(), features, labels, cv=10,
                                            method="predict_proba")[:, 1])


def wrong(labels, scores) -> np.ndarray:
    """Which pairs a score gets wrong at its best threshold on them."""
    return (scores > m.best_threshold(labels, scores)) != (labels == 1)


def pipeline_cosines(p, people: dict, training, pair_faces, left, right) -> list[np.ndarray]:
    """Each descriptor of params.yaml, fitted on the training people as the pipeline fits it:
    its cosine of each validation pair."""
    return [cosines(d.embed(pair_faces)[left], d.embed(pair_faces)[right])
            for d in fit_described(p, training, people["files"], people["person"])]


def save(result: dict, out: Path) -> None:
    """Print a screen's result and write it to `out` (JSON)."""
    print(json.dumps(result, indent=1))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
