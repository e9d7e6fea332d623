"""Stage `download`: fetch and verify the LFW release and the official pair lists.

Writes data/lfw/{images/<Person>/*.jpg, pairs/*.txt, release.json}. Set LFW_MIRROR to a
folder holding the files (same names) to use it instead of the network; the bytes are
checked the same way either way, so the outputs do not depend on where they came from.
"""

import shutil
from pathlib import Path

from lfw_siamese.archives import fingerprint, image_files, move_person_folders, unpack
from lfw_siamese.download import fetch
from lfw_siamese.errors import LfwError, run_stage
from lfw_siamese.fsutil import atomic_output, write_json
from lfw_siamese.params import load_params
from lfw_siamese.releases import N_IMAGES, N_PEOPLE, PAIR_LISTS, RELEASES

OUT = Path("data/lfw")
CACHE = Path("data/downloads")


def main() -> None:
    release = RELEASES[load_params()["release"]]
    with atomic_output(OUT) as tmp:
        (tmp / "pairs").mkdir(parents=True)
        for remote in PAIR_LISTS:
            shutil.copyfile(fetch(remote, CACHE), tmp / "pairs" / remote.filename)
        archive = fetch(release.archive, CACHE)
        print(f"unpacking {archive}")
        unpack(archive, tmp / "unpacked")
        move_person_folders(tmp / "unpacked", tmp / "images")
        shutil.rmtree(tmp / "unpacked")
        files = image_files(tmp / "images")
        people = len({f.split("/")[0] for f in files})
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
        write_json(
            tmp / "release.json",
            {
                "release": release.name,
                "description": release.description,
                "images": len(files),
                "people": people,
                "fingerprint": actual,
                "fingerprint_pinned": release.fingerprint is not None,
            },
        )
    print(f"{release.name}: {len(files)} images of {people} people verified -> {OUT}")


if __name__ == "__main__":
    run_stage("download", main)
