"""Screen the LBP descriptors' settings on validation: which `lbp_cells`, `lbp_crops`, `lbp_pca`?

    python research/descriptor_screen.py [--model data/model.keras ...] [--cells 6 8 10]
                                         [--size 64]
                                         [--pca 400 600 800 1000] [--crops 120 90]
                                         [--combine 3] [--out FILE]

On the prepared arrays (data/pairs), as the pipeline fits them
(lfw_siamese.verification.descriptor: LBP histograms of the training people and their
mirrors, PCA-whitened, LDA): for each grid and PCA
size, the validation AUC of the descriptor alone, and of its fusion with the net (the model's
validation scores as `evaluate` computes them; with several models, e.g. seeds, the mean
over them and each one's); then, at each PCA size, every combination of
up to `--combine` grids fused with the net. `--crops` adds descriptors of other centre crops of
LFW-a, every grid on each (every region decoded gray from data/lfw at the net's image size,
as the pipeline does, or at `--size`); with `--combine`, every combination of crop and grid.
The fusion's accuracy and AUC are 10-fold cross-validated over the validation pairs, so its
fitted weights are never judged on the pairs they were fitted on. Also the correlation of the
net's and each descriptor's validation errors (fusion pays when they differ). Test pairs are
not read.
"""

import argparse
import itertools
import json
import time
from pathlib import Path

import numpy as np
from validation import fused, judged, net_scores, pairs, wrong

from lfw_siamese.data.imagestore import ImageStore
from lfw_siamese.data.regions import gray_regions
from lfw_siamese.params import load_params
from lfw_siamese.paths import IMAGES, MODEL
from lfw_siamese.verification.descriptor import cosines, fit_projection
from lfw_siamese.verification.features.lbp import grid_histograms, lbp_codes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, nargs="+", default=[MODEL])
    parser.add_argument("--cells", type=int, nargs="+", default=[6, 8, 10])
    parser.add_argument("--size", type=int,
                        help="side of the gray regions in pixels (default: image_size)")
    parser.add_argument("--pca", type=int, nargs="+", default=[400, 600, 800, 1000])
    parser.add_argument("--crops", type=int, nargs="+",
                        help="centre crops of LFW-a described (default: the net's crop only)")
    parser.add_argument("--combine", type=int, default=1,
                        help="also fuse every combination of up to this many grids")
    parser.add_argument("--out", type=Path, default=Path("docs/results/lbp-fusion/screen.json"))
    args = parser.parse_args()
    p = load_params()
    people, val = pairs()
    y = val["label"]
    nets = [net_scores(p, val, path) for path in args.model]
    # each distinct validation image once
    files = np.concatenate([val["left_file"], val["right_file"]])
    _, first, index = np.unique(files, return_index=True, return_inverse=True)
    left, right = index[:len(y)], index[len(y):]
    net_wrong = wrong(y, nets[0])  # the first model's

    def fused_each(*cosine) -> dict:
        """The fusion with each net, cross-validated; their mean first."""
        each = [fused(y, net, *cosine) for net in nets]
        mean = {k: float(np.mean([e[k] for e in each])) for k in each[0]}
        return {**mean, "per_model": each} if len(each) > 1 else mean

    crops = args.crops or [p.crop]
    size = args.size or p.image_size
    rows, found = [], {}
    store = ImageStore(IMAGES)
    for crop in crops:
        train, val_faces = (gray_regions(store, list(names), [crop], size)[crop]
                            for names in (people["files"], files[first]))
        train_codes = lbp_codes(np.concatenate([train, train[:, :, ::-1]]))  # and mirrors
        train_people = np.concatenate([people["person"], people["person"]])
        codes = lbp_codes(val_faces)
        for cells in args.cells:
            start = time.perf_counter()
            train = grid_histograms(train_codes, cells), train_people
            histograms = grid_histograms(codes, cells)
            for dims in args.pca:
                spec = {"crop": crop, "cells": cells}
                projected = fit_projection(*train, "lbp", spec, dims).project(histograms)
                cosine = found[crop, cells, dims] = cosines(projected[left], projected[right])
                errors = wrong(y, cosine)
                rows.append({"crop": crop, "size": size, "lbp_cells": [cells], "lbp_pca": dims,
                             "alone": judged(y, cosine), "fused": fused_each(cosine),
                             "error_correlation": float(np.corrcoef(net_wrong, errors)[0, 1]),
                             "seconds": round(time.perf_counter() - start, 1)})
                print(json.dumps(rows[-1]), flush=True)
                start = time.perf_counter()
    described = list(itertools.product(crops, args.cells))
    for count, dims in itertools.product(range(2, args.combine + 1), args.pca):
        for chosen in itertools.combinations(described, count):
            rows.append({"crop": [c for c, _ in chosen], "lbp_cells": [g for _, g in chosen],
                         "lbp_pca": dims,
                         "fused": fused_each(*(found[c, g, dims] for c, g in chosen))})
            print(json.dumps(rows[-1]), flush=True)
    result = {"model": [str(path) for path in args.model],
              "net": [judged(y, net) for net in nets], "screen": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    best = max(rows, key=lambda r: r["fused"]["auc"])
    print(f"net alone: {result['net']}; best fused AUC: crop {best['crop']}, "
          f"lbp_cells {best['lbp_cells']}, "
          f"lbp_pca {best['lbp_pca']}: {best['fused']}")


if __name__ == "__main__":
    main()
