"""Stage `describe`: fit the LBP descriptors that `evaluate` fuses with the net.

On the training people's images (the files of data/pairs/people.npz, decoded gray from
data/lfw at each crop of `lbp_crops`) and their mirror images, one descriptor per (crop,
grid) of `lbp_crops` and `lbp_cells`: uniform-LBP histograms on N x N cells of that region,
PCA-whitened to lbp_pca components and LDA-projected (lfw_siamese.descriptor). No validation
or test person is seen. Writes data/descriptor.npz; with `fusion: none` it holds none.
"""

import time

import numpy as np

from lfw_siamese.errors import run_stage
from lfw_siamese.params import load_params
from lfw_siamese.paths import DESCRIPTOR, IMAGES, PAIRS


def main() -> None:
    p = load_params()
    from lfw_siamese.descriptor import fit_descriptors, save_descriptors

    if p.fusion == "none":
        save_descriptors([], DESCRIPTOR)
        print("fusion: none, no descriptor fitted")
        return
    from lfw_siamese.dataset import load_arrays
    from lfw_siamese.images import gray_regions
    from lfw_siamese.imagestore import ImageStore

    start = time.perf_counter()
    people = load_arrays(PAIRS / "people.npz")
    faces = gray_regions(ImageStore(IMAGES), list(people["files"]), p.lbp_crops, p.image_size)
    descriptors = fit_descriptors(faces, people["person"], p.descriptors, p.lbp_pca)
    save_descriptors(descriptors, DESCRIPTOR)
    for d in descriptors:
        print(f"descriptor of the centre {d.crop}/250 on {d.cells}x{d.cells} cells: "
              f"{d.weights.shape[0]:,} LBP features -> {d.weights.shape[1]} dimensions")
    print(f"fitted on {len(people['files']):,} images of {len(np.unique(people['person'])):,} "
          f"training people and their mirrors in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    run_stage("describe", main)
