"""Stage `describe`: fit the LBP descriptors that `evaluate` fuses with the net.

On the training people's face crops (data/pairs/people.npz, the net's own input) and their
mirror images, one descriptor per grid of `lbp_cells`: uniform-LBP histograms on N x N cells,
PCA-whitened to lbp_pca components and LDA-projected (lfw_siamese.descriptor). No validation
or test person is seen. Writes data/descriptor.npz; with `fusion: none` it holds none.
"""

import time

import numpy as np

from lfw_siamese.errors import run_stage
from lfw_siamese.params import load_params
from lfw_siamese.paths import DESCRIPTOR, PAIRS


def main() -> None:
    p = load_params()
    from lfw_siamese.descriptor import fit_descriptors, gray, save_descriptors

    if p.fusion == "none":
        save_descriptors([], DESCRIPTOR)
        print("fusion: none, no descriptor fitted")
        return
    from lfw_siamese.dataset import load_arrays

    start = time.perf_counter()
    people = load_arrays(PAIRS / "people.npz")
    descriptors = fit_descriptors(gray(people["image"], p.channels), people["person"],
                                  p.lbp_cells, p.lbp_pca)
    save_descriptors(descriptors, DESCRIPTOR)
    for d in descriptors:
        print(f"descriptor on {d.cells}x{d.cells} cells: {d.weights.shape[0]:,} LBP features "
              f"-> {d.weights.shape[1]} dimensions")
    print(f"fitted on {len(people['image']):,} images of {len(np.unique(people['person'])):,} "
          f"training people and their mirrors in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    run_stage("describe", main)
