"""Screen on validation: each descriptor's cosine averaged over a pair's mirror images.

    python research/flip_screen.py [--out docs/results/flip-screen/screen.json]

The descriptors of params.yaml are fitted on the training people as stage describe fits them
(their regions from data/regions.npz, with their mirrors). Then, on the validation pairs, each
descriptor's cosine is taken three ways: the pair as given (`plain`, what the pipeline does);
the mean with both faces mirrored (`both`, as the net's TTA); the mean over the four
combinations of each face plain or mirrored (`four`, as Fisher vector faces do). For each
way: each descriptor's AUC alone, and the fusion of the net (data/model.keras, as evaluate
scores it) with every descriptor, its accuracy and AUC 10-fold cross-validated over the
validation pairs, so its weights are never judged on the pairs they were fitted on. Test
pairs are not read.
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
from validation import faces, fused, judged, net_scores, pairs, save

from lfw_siamese.params import load_params
from lfw_siamese.verification.descriptor import cosines
from lfw_siamese.verification.verifier import described_crops, fit_described

WAYS = ("plain", "both", "four")


def flip_cosines(plain: np.ndarray, mirrored: np.ndarray, left, right) -> dict:
    """A descriptor's cosines of the pairs (rows left, right), each way of WAYS, from its
    projections of the faces and of their mirror images."""
    given = cosines(plain[left], plain[right])
    both = cosines(mirrored[left], mirrored[right])
    crossed = cosines(plain[left], mirrored[right]) + cosines(mirrored[left], plain[right])
    return {"plain": given, "both": (given + both) / 2, "four": (given + both + crossed) / 4}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("docs/results/flip-screen/screen.json"))
    args = parser.parse_args()
    p = load_params()
    start = time.perf_counter()
    people, val = pairs()
    training, pair_faces, left, right = faces(p, described_crops(p), people, val)
    descriptors = fit_described(p, training, people["files"], people["person"])
    mirrors = pair_faces.mirrored(np.arange(len(pair_faces)))
    ways = [flip_cosines(d.embed(pair_faces), d.embed(mirrors), left, right)
            for d in descriptors]
    y, net = val["label"], net_scores(p, val)
    result = {"params": {k: getattr(p, k) for k in ("lbp_crops", "lbp_cells", "lbp_pca", "tta")},
              "validation_pairs": len(y), "net": judged(y, net), "ways": {}}
    for way in WAYS:
        result["ways"][way] = {"alone": [judged(y, w[way]) for w in ways],
                               "fused": fused(y, net, *(w[way] for w in ways))}
        print(way, json.dumps(result["ways"][way]), flush=True)
    result["seconds"] = round(time.perf_counter() - start)
    save(result, args.out)


if __name__ == "__main__":
    main()
