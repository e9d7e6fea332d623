"""Stage `regions`: decode every image of data/lfw once, as the descriptors see it.

Each image gray at each centre crop of `lbp_crops`, at the net's `image_size`
(lfw_siamese.data.regions); describe, evaluate and each View 2 judge read them from
data/regions.npz instead of decoding the JPEGs again (with `fusion: none` they read none).
"""

import time

from lfw_siamese import paths
from lfw_siamese.config import stage_params
from lfw_siamese.data.imagestore import ImageStore
from lfw_siamese.data.regions import FILE, gray_regions, write_regions
from lfw_siamese.errors import run_stage


def main() -> None:
    p = stage_params("regions")
    start = time.perf_counter()
    store = ImageStore(paths.IMAGES)
    regions = gray_regions(store, store.files, p.lbp_crops, p.image_size)
    write_regions(FILE, store.files, regions, p.image_size)
    print(f"{len(store.files):,} images, gray at crops {sorted(regions)} of 250 and "
          f"{p.image_size} px, in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    run_stage("regions", main)
