"""Benchmark the prepare stage's image decoding against the decode-only floor.

    python benchmarks/prepare.py [--size 64] [--channels 1] [--crop 120] [--limit N]

Decodes the release in data/lfw (run `dvc repro download` first) the way prepare does
(draft-mode JPEG decode, crop, resize), with 1 thread and with one per core, and times two
floors on the same files in the same run: a full-size decode alone, and a draft-mode decode
alone (what the pipeline's own decode costs before its crop and resize). Peak memory is
measured with tracemalloc against the size of the uint8 output array.
"""

import argparse
import os
import tracemalloc
from concurrent.futures import ThreadPoolExecutor

from common import ROOT, best_of, report
from PIL import Image

from lfw_siamese import paths as project_paths
from lfw_siamese.data.images import load_from_store
from lfw_siamese.data.imagestore import ImageStore


def decode_only(store, files, draft_to: int | None, workers: int) -> None:
    def work(name):
        with Image.open(store.open(name)) as im:
            if draft_to:
                im.draft(im.mode, (draft_to, draft_to))
            im.load()

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(work, files))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--channels", type=int, default=1)
    parser.add_argument("--crop", type=int, default=120)
    parser.add_argument("--limit", type=int, default=0, help="only the first N images")
    args = parser.parse_args()
    store = ImageStore(ROOT / project_paths.IMAGES)
    files = store.files[: args.limit or None]
    n, cores = len(files), os.cpu_count()
    draft = int(250 * args.size / args.crop) + 1  # the DCT scale load_image asks for
    rows = []
    for workers in sorted({1, cores}):
        pipeline = best_of(lambda w=workers: load_from_store(store, files, args.size,
                                                             args.channels, args.crop, w), 2)
        full = best_of(lambda w=workers: decode_only(store, files, None, w), 2)
        drafted = best_of(lambda w=workers: decode_only(store, files, draft, w), 2)
        rows.append({"threads": workers, "images": n, "pipeline img/s": n / pipeline,
                     "full decode img/s": n / full, "draft decode img/s": n / drafted,
                     "pipeline / full decode": full / pipeline,
                     "pipeline / draft decode": drafted / pipeline})
    tracemalloc.start()
    out = load_from_store(store, files, args.size, args.channels, args.crop, cores)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    report("prepare", rows, {"settings": vars(args), "output_bytes": out.nbytes,
                             "peak_traced_bytes": peak, "peak / output": peak / out.nbytes})
    print(f"peak traced memory {peak / 2**20:.1f} MiB for a {out.nbytes / 2**20:.1f} MiB "
          f"uint8 output ({peak / out.nbytes:.2f}x)")


if __name__ == "__main__":
    main()
