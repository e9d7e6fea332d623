"""Stage `download`: fetch and verify the LFW release and the official pair lists.

Writes data/lfw/{images.zip, pairs/*.txt, release.json}: the verified images stored in one
uncompressed zip (`<Person>/<Person>_NNNN.jpg`, reproducible bytes), which DVC checks far
faster than 13,233 files. Set LFW_MIRROR to a folder holding the files (same names) to use it
instead of the network; the bytes are checked the same way either way, so the outputs do not
depend on where they came from.
"""

import shutil

from lfw_siamese import paths
from lfw_siamese.config import stage_params
from lfw_siamese.data import imagestore
from lfw_siamese.data.archives import fingerprint, image_files, move_person_folders, unpack
from lfw_siamese.data.download import fetch
from lfw_siamese.data.pairs import image_counts
from lfw_siamese.data.releases import N_IMAGES, N_PEOPLE, PAIR_LISTS, RELEASES
from lfw_siamese.errors import LfwError, run_stage
from lfw_siamese.fsutil import atomic_output, write_json


def main() -> None:
    release = RELEASES[stage_params("download").release]
    out = paths.LFW
    with atomic_output(out) as tmp:
        pair_lists = tmp / paths.PAIR_LISTS.relative_to(out)
        pair_lists.mkdir(parents=True)
        for remote in PAIR_LISTS:
            shutil.copyfile(fetch(remote, paths.DOWNLOADS), pair_lists / remote.filename)
        archive = fetch(release.archive, paths.DOWNLOADS)
        print(f"unpacking {archive}")
        unpack(archive, tmp / "unpacked")
        move_person_folders(tmp / "unpacked", tmp / "images")
        shutil.rmtree(tmp / "unpacked")
        files = image_files(tmp / "images")
        people = len(image_counts(files))
        actual = fingerprint(tmp / "images", files)
        pinned = release.fingerprint
        if (len(files), people) != (N_IMAGES, N_PEOPLE) or pinned not in (None, actual):
            raise LfwError(
                f"{archive}: this is not the '{release.name}' release ({release.description}).\n"
                f"  expected {N_IMAGES} images of {N_PEOPLE} people, fingerprint "
                f"{release.fingerprint or '(not pinned)'}\n"
                f"  found    {len(files)} images of {people} people, fingerprint {actual}\n"
                "Check the archive (or LFW_MIRROR) and the `release` parameter."
            )
        imagestore.pack(tmp / "images", files, tmp / paths.IMAGES.relative_to(out))
        shutil.rmtree(tmp / "images")
        write_json(
            tmp / paths.RELEASE_CARD.relative_to(out),
            {
                "release": release.name,
                "description": release.description,
                "images": len(files),
                "people": people,
                "fingerprint": actual,
                "fingerprint_pinned": release.fingerprint is not None,
            },
        )
    print(f"{release.name}: {len(files)} images of {people} people verified -> {paths.IMAGES}")


if __name__ == "__main__":
    run_stage("download", main)
