"""Stage `describe`: fit the LBP descriptors that `evaluate` fuses with the net.

On the training people's images (the files of data/pairs/people.npz, their gray regions at
each crop of `lbp_crops` from data/regions.npz) and their mirror images, one descriptor per (crop,
grid) of `lbp_crops` and `lbp_cells`: uniform-LBP histograms on N x N cells of that region,
PCA-whitened to lbp_pca components and LDA-projected
(lfw_siamese.verification.descriptor). No validation or test person is seen. Writes
data/descriptor.npz; with `fusion: none` it holds none.
"""

import time

import numpy as np

from lfw_siamese.config import stage_params
from lfw_siamese.errors import run_stage
from lfw_siamese.paths import DESCRIPTOR, PAIRS


def main() -> None:
    p = stage_params("describe")
    from lfw_siamese.data import regions
    from lfw_siamese.data.dataset import load_arrays
    from lfw_siamese.verification.descriptor import save_descriptors
    from lfw_siamese.verification.faces import read_faces
    from lfw_siamese.verification.verifier import described_crops, fit_described

    start = time.perf_counter()
    people = load_arrays(PAIRS / "people.npz")
    faces = read_faces(regions.FILE, described_crops(p), p.image_size, people["files"])
    descriptors = fit_described(p, faces, people["files"], people["person"])
    save_descriptors(descriptors, DESCRIPTOR)
    for d in descriptors:
        print(f"descriptor: {d.words()}: {d.weights.shape[0]:,} features -> "
              f"{d.weights.shape[1]} dimensions")
    if descriptors:
        print(f"fitted on {len(people['files']):,} images of "
              f"{len(np.unique(people['person'])):,} training people and their mirrors in "
              f"{time.perf_counter() - start:.0f} s")
    else:
        print("no descriptor to fuse with the net (fusion: none)")

if __name__ == "__main__":
    run_stage("describe", main)
