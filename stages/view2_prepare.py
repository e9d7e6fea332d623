"""Stage `view2/prepare`: decode every image of the people in pairs.txt, once.

Writes data/view2/images.npz (`image`, `person`, `files`, as data/pairs/people.npz): the
pair images of all ten folds and, for unrestricted training, every other image of those
people.
"""

from lfw_siamese import paths
from lfw_siamese.config import stage_params
from lfw_siamese.data.dataset import save_people
from lfw_siamese.data.images import load_from_store
from lfw_siamese.data.imagestore import ImageStore
from lfw_siamese.data.pairs import people_of, person_images, read_pairs
from lfw_siamese.errors import run_stage
from lfw_siamese.fsutil import atomic_output


def main() -> None:
    p = stage_params("view2_prepare")
    store = ImageStore(paths.IMAGES)
    counts = store.counts()
    pairs = read_pairs(paths.PAIR_LISTS / "pairs.txt", counts)
    people = sorted(people_of(pairs))
    files = person_images(people, counts)
    print(f"pairs.txt: {len(pairs)} pairs of {len(people)} people; decoding {len(files)} images")
    images = load_from_store(store, files, p.image_size, p.channels, p.crops)
    with atomic_output(paths.VIEW2) as tmp:
        tmp.mkdir()
        save_people(tmp / "images.npz", files, images, {f: i for i, f in enumerate(files)})


if __name__ == "__main__":
    run_stage("view2/prepare", main)
