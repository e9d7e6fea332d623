"""Stage `describe`: fit the LBP descriptor that `evaluate` fuses with the net.

On the training people's face crops (data/pairs/people.npz, the net's own input) and their
mirror images: uniform-LBP histograms on a grid of lbp_cells x lbp_cells cells, PCA-whitened
to lbp_pca components and LDA-projected (lfw_siamese.descriptor). No validation or test
person is seen. Writes data/descriptor.npz; with `fusion: none` it holds no descriptor.
"""

import time

import numpy as np

from lfw_siamese.errors import run_stage
from lfw_siamese.params import load_params
from lfw_siamese.paths import DESCRIPTOR, PAIRS


def main() -> None:
    p = load_params()
    if p.fusion == "none":
        from lfw_siamese.fsutil import atomic_output

        with atomic_output(DESCRIPTOR) as tmp, open(tmp, "wb") as f:
            np.savez(f)
        print("fusion: none, no descriptor fitted")
        return
    from lfw_siamese.dataset import load_arrays
    from lfw_siamese.descriptor import fit_descriptor, gray

    start = time.perf_counter()
    people = load_arrays(PAIRS / "people.npz")
    descriptor = fit_descriptor(gray(people["image"], p.channels), people["person"],
                                p.lbp_cells, p.lbp_pca)
    descriptor.save(DESCRIPTOR)
    print(f"descriptor: {descriptor.weights.shape[0]:,} LBP features -> "
          f"{descriptor.weights.shape[1]} dimensions, fitted on {len(people['image']):,} "
          f"images of {len(np.unique(people['person'])):,} training people and their mirrors "
          f"in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    run_stage("describe", main)
