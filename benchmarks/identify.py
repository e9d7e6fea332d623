"""Time `lfw-siamese identify` against a gallery of every LFW person, one photo each.

    python benchmarks/identify.py [--probes 20] [--people N]

Writes the first LFW-a photo of each of LFW's 5,749 people (or the first N people) to a
temporary gallery folder, one file per person, then, with the pipeline's model and card
(`dvc repro` first) and the photos taken as LFW-framed:
  (a) the gallery built cold: every photo decoded, embedded and described, then cached;
  (b) a later run's start: the card, the model and the cached vectors loaded;
  (c) one probe at a time, a second photo of `--probes` people who have one (seeded): the
      wall time of each identification (decoding, embedding and describing the probe,
      scoring it against every gallery photo, ranking the people), and whether its person
      came first.
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from common import ROOT, report

from lfw_siamese import paths
from lfw_siamese.data.imagestore import ImageStore
from lfw_siamese.data.pairs import image_name
from lfw_siamese.identify import Identifier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--probes", type=int, default=20)
    parser.add_argument("--people", type=int, default=0, help="first N people (0: all)")
    args = parser.parse_args()
    store = ImageStore(ROOT / paths.IMAGES)
    counts = store.counts()
    people = sorted(counts)[: args.people or None]
    rng = np.random.default_rng(0)
    repeated = [p for p in people if counts[p] >= 2]
    chosen = rng.choice(repeated, min(args.probes, len(repeated)), replace=False)
    card = ROOT / paths.CARD
    with tempfile.TemporaryDirectory() as tmp:
        gallery, probes = Path(tmp) / "gallery", Path(tmp) / "probes"
        gallery.mkdir(), probes.mkdir()
        for person in people:
            (gallery / f"{person}.jpg").write_bytes(store.open(image_name(person, 1)).read())
        for person in chosen:
            (probes / f"{person}.jpg").write_bytes(store.open(image_name(person, 2)).read())
        cache = Path(tmp) / "gallery.npz"
        start = time.perf_counter()
        Identifier(gallery, card, lfw_framed=True, cache=cache)
        cold = time.perf_counter() - start
        start = time.perf_counter()
        identifier = Identifier(gallery, card, lfw_framed=True, cache=cache)
        warm = time.perf_counter() - start
        times, right = [], 0
        for person in chosen:
            start = time.perf_counter()
            result = identifier.identify([probes / f"{person}.jpg"])[0]
            times.append(time.perf_counter() - start)
            right += result["matches"][0]["person"] == person
        size = cache.stat().st_size
    report("identify", [
        {"step": "gallery built and cached (cold)", "people": len(people), "seconds": cold},
        {"step": "card, model and cache loaded", "people": len(people), "seconds": warm},
        {"step": "one probe identified (median)", "people": len(people),
         "seconds": statistics.median(times)},
        {"step": "one probe identified (slowest)", "people": len(people), "seconds": max(times)},
    ], {"probes": len(chosen), "rank1_right": right, "cache_bytes": size})
    print(f"{right} of {len(chosen)} probes' people ranked first among {len(people):,}; "
          f"cache {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
