"""Stage `blufr/trial@N`: one BLUFR-style trial (lfw_siamese.data.blufr) of the default
configuration, trained and judged on its own split of all 13,233 LFW images.

1. Train a net, with the parameters of a View 2 fold, on pairs mined from the trial's
   training people; pairs mined from its calibration people are the per-epoch monitor
   (seed + N, so each trial is its own initialisation; a killed run resumes from
   data/checkpoints/blufr-trial-N/).
2. Fit the descriptors on the training people's images (and mirrors); the fusion and the
   threshold on the calibration pairs (the Verifier, as a View 2 fold's judge does).
3. Score every pair of the test people's images, and every probe against the gallery, by the
   fused Verifier, the net alone and the descriptors alone
   (lfw_siamese.verification.blufr): VR at FAR 0.1% and 1%, DIR at FAR 1% and 0.1%.
Writes metrics/blufr/trial_N.json and data/blufr/trial_N.keras (the net, not tracked).
"""

import sys
import time

import numpy as np

from lfw_siamese import paths
from lfw_siamese.config import stage_params
from lfw_siamese.data import regions
from lfw_siamese.data.blufr import NETS, calibration_pairs, trial, trial_number
from lfw_siamese.data.imagestore import ImageStore
from lfw_siamese.data.pairs import person_images, person_of
from lfw_siamese.errors import LfwError, run_stage
from lfw_siamese.fsutil import write_json
from lfw_siamese.hardware import describe
from lfw_siamese.net.mining import check_mining

METRICS = paths.METRICS / "blufr"


def main() -> None:
    number = trial_number(sys.argv[1:], "blufr_trial.py")
    p = stage_params("blufr_trial").replace(patience=0)
    if p.train_pairs != "mined":
        raise LfwError("train_pairs: BLUFR-style trials train on pairs mined from the "
                       "training people (mined), not on pairsDevTrain (dev)")
    store = ImageStore(paths.IMAGES)
    counts = store.counts()
    t = trial(counts, number, p.val_fraction)
    training = person_images(t.training, counts)
    ids = {name: i for i, name in enumerate(t.training)}
    person = np.array([ids[person_of(f)] for f in training])
    check_mining(p, person)
    calibration = calibration_pairs(t, counts, p.val_pairs)
    test = t.test_files(counts)
    print(f"trial {number}: {len(t.training):,} training people ({len(training):,} images), "
          f"{len(t.calibration):,} calibration people ({len(calibration):,} pairs), "
          f"{len(t.test):,} test people ({len(test):,} images)")
    start = time.perf_counter()
    import keras  # after the checks: Keras takes seconds

    from lfw_siamese.data.dataset import pair_arrays
    from lfw_siamese.data.images import load_from_store
    from lfw_siamese.net.saving import save_model
    from lfw_siamese.net.training import train

    files = list(dict.fromkeys([*training, *(f for q in calibration for f in (q.left, q.right))]))
    images = load_from_store(store, files, p.image_size, p.channels, p.crops)
    index = {f: i for i, f in enumerate(files)}
    run = train(p, pair_arrays(calibration, images, index),
                people={"image": images[:len(training)], "person": person},
                seed=p.seed + number, checkpoint=paths.CHECKPOINTS / f"blufr-trial-{number}")
    net_file = NETS / f"trial_{number}.keras"
    save_model(run.model, net_file)
    report = judge(p, run.model, net_file, t, counts, calibration,
                   {"images": images, "index": index}, store)
    write_json(METRICS / f"trial_{number}.json", {
        "trial": number, **report,
        "training": {"people": len(t.training), "images": len(training),
                     "calibration_people": len(t.calibration),
                     "calibration_pairs": len(calibration), "epochs": len(run.history),
                     "train_seconds": round(run.seconds, 1), "last_epoch": run.history[-1],
                     "machine": describe(), "backend": keras.backend.backend(),
                     "keras": keras.__version__},
        "seconds": round(time.perf_counter() - start, 1)})
    fused = report["scorers"]["fused"]
    print(f"trial {number}: VR {fused['verification']['0.001']['vr']:.4f} at FAR 0.1%, "
          f"DIR {fused['open_set']['0.01']['dir']:.4f} at FAR 1% (rank 1)")


def judge(p, model, net_file, t, counts, calibration, decoded, store) -> dict:
    """Fit the Verifier (and its branches) on the trial's training and calibration people,
    then measure it on the test people."""
    from lfw_siamese.data.images import load_from_store
    from lfw_siamese.net.inference import NetScores, net_scores
    from lfw_siamese.verification import blufr
    from lfw_siamese.verification.embeddings import embeddings, grid_scores
    from lfw_siamese.verification.faces import read_faces
    from lfw_siamese.verification.grid import Grid, projections, score_grid
    from lfw_siamese.verification.verifier import Pairs, Verifier, described_crops, fit_described

    training = person_images(t.training, counts)
    test = t.test_files(counts)
    pair_files = [f for q in calibration for f in (q.left, q.right)]
    faces = read_faces(regions.FILE, described_crops(p), p.image_size,
                       [*training, *pair_files, *test])
    ids = {name: i for i, name in enumerate(t.training)}
    descriptors = fit_described(p, faces, training,
                                np.array([ids[person_of(f)] for f in training]))
    left, right = ([decoded["index"][getattr(q, side)] for q in calibration]
                   for side in ("left", "right"))
    pairs = Pairs.of(np.array([q.same for q in calibration], np.uint8),
                     net_scores(model, decoded["images"][left], decoded["images"][right]),
                     faces, [q.left for q in calibration], [q.right for q in calibration])
    verifier = Verifier.of(p, net_file, descriptors)
    fitted = {name: v.fit(pairs) for name, v in {"fused": verifier, **verifier.branches()}.items()}

    images = load_from_store(store, test, p.image_size, p.channels, p.crops)
    plain, mirrored = embeddings(model, images, p.tta)
    vectors = projections(descriptors, faces, faces.rows(test)) if faces is not None else ()
    person = np.unique([person_of(f) for f in test], return_inverse=True)[1]

    def rows_against(rows, columns) -> dict[str, np.ndarray]:
        """Each scorer's scores of the test images `rows` against the images `columns`."""
        net = NetScores(grid_scores(model, plain[rows], plain[columns]),
                        grid_scores(model, mirrored[rows], mirrored[columns]) if p.tta else None)
        grid = Grid((len(rows), len(columns)), net, tuple(v[rows] for v in vectors),
                    tuple(v[columns] for v in vectors))
        return {name: score_grid(v, grid)["fused"] for name, v in fitted.items()}

    everyone = np.arange(len(test))
    row = {f: i for i, f in enumerate(test)}
    gallery = np.array([row[f] for f in t.gallery])
    probes = np.setdiff1d(everyone, gallery)
    split = blufr.every_pair(lambda rows: rows_against(rows, everyone), person)
    against = [rows_against(probes[i:i + blufr.ROWS_AT_ONCE], gallery)
               for i in range(0, len(probes), blufr.ROWS_AT_ONCE)]
    scorers = {name: {"verification": blufr.verification(split[name]),
                      "open_set": blufr.open_set(np.concatenate([a[name] for a in against]),
                                                 person[probes], person[gallery])}
               for name in fitted}
    sizes = {"genuine_pairs": len(split["fused"]["genuine"]),
             "impostor_pairs": len(split["fused"]["impostor"])}
    genuine = np.isin(person[probes], person[gallery])
    return {"test": {"people": len(t.test), "images": len(test), **sizes,
                     "gallery_people": len(gallery), "genuine_probes": int(genuine.sum()),
                     "impostor_probes": int((~genuine).sum()),
                     "impostor_probe_people": len(set(person[probes][~genuine]))},
            "scorers": scorers}


if __name__ == "__main__":
    run_stage("blufr/trial", main)
