"""Stage `view2/prepare`: decode every image of the people in pairs.txt, once.

Writes data/view2/images.npz (`image`, `person`, `files`, as data/pairs/people.npz): the
pair images of all ten folds and, for unrestricted training, every other image of those
people.
"""

from pathlib import Path

from lfw_siamese.dataset import save_people
from lfw_siamese.errors import run_stage
from lfw_siamese.fsutil import atomic_output
from lfw_siamese.images import load_images
from lfw_siamese.pairs import image_counts, image_name, read_pairs
from lfw_siamese.params import load_params
from lfw_siamese.view2 import people_of

LFW = Path("data/lfw")
OUT = Path("data/view2")


def main() -> None:
    p = load_params()
    counts = image_counts(LFW / "images")
    pairs = read_pairs(LFW / "pairs" / "pairs.txt", counts)
    people = sorted(people_of(pairs))
    files = [image_name(name, i) for name in people for i in range(1, counts[name] + 1)]
    print(f"pairs.txt: {len(pairs)} pairs of {len(people)} people; decoding {len(files)} images")
    images = load_images([LFW / "images" / f for f in files], p["image_size"], p["channels"],
                         p["crop"])
    with atomic_output(OUT) as tmp:
        tmp.mkdir()
        save_people(tmp / "images.npz", files, images, {f: i for i, f in enumerate(files)})


if __name__ == "__main__":
    run_stage("view2/prepare", main)
