"""Stage `prepare`: decode the images of the pair lists into uint8 pair arrays.

Writes data/pairs/{train,val,test}.npz: train/val are a seeded split of pairsDevTrain,
test is pairsDevTest. Every image is decoded once, however many pairs use it.
"""

from pathlib import Path

from lfw_siamese.dataset import save_pairs, split_pairs
from lfw_siamese.errors import run_stage
from lfw_siamese.fsutil import atomic_output
from lfw_siamese.images import load_images
from lfw_siamese.pairs import image_counts, read_pairs
from lfw_siamese.params import load_params

LFW = Path("data/lfw")
OUT = Path("data/pairs")


def main() -> None:
    p = load_params()
    counts = image_counts(LFW / "images")
    dev_train = read_pairs(LFW / "pairs" / "pairsDevTrain.txt", counts)
    test = read_pairs(LFW / "pairs" / "pairsDevTest.txt", counts)
    train, val = split_pairs(dev_train, p["val_fraction"], p["split_seed"])
    files = sorted({name for pair in dev_train + test for name in (pair.left, pair.right)})
    print(f"decoding {len(files)} images to {p['image_size']}px x {p['channels']} channels")
    images = load_images(
        [LFW / "images" / f for f in files], p["image_size"], p["channels"], p["crop"]
    )
    index = {name: i for i, name in enumerate(files)}
    with atomic_output(OUT) as tmp:
        tmp.mkdir()
        for split, pairs in (("train", train), ("val", val), ("test", test)):
            save_pairs(tmp / f"{split}.npz", pairs, images, index)
            print(f"{split}: {len(pairs)} pairs ({sum(q.same for q in pairs)} same)")


if __name__ == "__main__":
    run_stage("prepare", main)
