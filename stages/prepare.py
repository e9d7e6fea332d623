"""Stage `prepare`: decode the images of the pair lists into uint8 arrays.

Writes data/pairs/{train,val,test}.npz; test is pairsDevTest, train is pairsDevTrain.
`split: pairs` holds out a seeded random share of pairsDevTrain for validation (the
reference's way; the same people can land on both sides). `split: people` keeps all of
pairsDevTrain for training and draws validation people among those in neither list;
`stratified` draws them among all but the test people (lfw_siamese.net.mining). Both mine
`val_pairs` fixed balanced validation pairs from them and also write data/pairs/people.npz:
every image of the training people, for pair mining. Every image is decoded once.
"""

from lfw_siamese import paths
from lfw_siamese.config import stage_params
from lfw_siamese.data.dataset import save_pairs, save_people, split_pairs
from lfw_siamese.data.images import load_from_store
from lfw_siamese.data.imagestore import ImageStore
from lfw_siamese.data.pairs import person_of, read_pairs
from lfw_siamese.errors import run_stage
from lfw_siamese.fsutil import atomic_output
from lfw_siamese.net.mining import by_person_split


def main() -> None:
    p = stage_params("prepare")
    store = ImageStore(paths.IMAGES)
    counts = store.counts()
    dev_train = read_pairs(paths.PAIR_LISTS / "pairsDevTrain.txt", counts)
    test = read_pairs(paths.PAIR_LISTS / "pairsDevTest.txt", counts)
    pool = []
    if p.split != "pairs":
        pool, train, val = by_person_split(counts, dev_train, test, p)
        print(f"people: {len({person_of(f) for f in pool})} for training ({len(pool)} "
              f"images), validation pairs mined from others")
    else:
        train, val = split_pairs(dev_train, p.val_fraction, p.split_seed)
    files = sorted({f for pair in train + val + test for f in (pair.left, pair.right)} | set(pool))
    print(f"decoding {len(files)} images to {p.image_size}px x {p.channels} channels, "
          f"centre crop(s) {', '.join(map(str, p.crops))}")
    images = load_from_store(store, files, p.image_size, p.channels, p.crops)
    index = {name: i for i, name in enumerate(files)}
    with atomic_output(paths.PAIRS) as tmp:
        tmp.mkdir()
        for split, pairs in (("train", train), ("val", val), ("test", test)):
            save_pairs(tmp / f"{split}.npz", pairs, images, index)
            print(f"{split}: {len(pairs)} pairs ({sum(q.same for q in pairs)} same)")
        if pool:
            save_people(tmp / "people.npz", pool, images, index)


if __name__ == "__main__":
    run_stage("prepare", main)
