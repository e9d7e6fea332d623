"""The LFW releases and pair lists this project knows: where they live and how to check them.

Archive checksums are pinned where the exact bytes are known (the figshare mirrors that
scikit-learn uses). Every release is also checked after unpacking by its content fingerprint:
the sha256 of the sorted lines "<Person>/<file>.jpg<TAB><sha256 of the file>\\n", which does
not depend on how the archive was packed.
"""

from dataclasses import dataclass

N_IMAGES = 13233
N_PEOPLE = 5749


@dataclass(frozen=True)
class RemoteFile:
    """A file to fetch: its name (also its name in an LFW_MIRROR folder), URL and sha256."""

    filename: str
    url: str
    sha256: str | None = None


@dataclass(frozen=True)
class Release:
    """An LFW image release: its archive and, where known, its content fingerprint."""

    name: str
    archive: RemoteFile
    fingerprint: str | None
    description: str


def _gdrive(file_id: str) -> str:
    return f"https://drive.google.com/uc?id={file_id}"


RELEASES = {
    r.name: r
    for r in (
        Release(
            "lfwa",
            # In circulation on Google Drive; the archive's bytes are not pinned (copies differ
            # in packing), the images inside are, by the fingerprint.
            RemoteFile("lfwa.zip", _gdrive("1p1wjaqpTh_5RHfJu4vUh8JJCdKwYMHCp")),
            "b819fd6524b33f81cf4323769fcd1dca55c6406b7e1884a3cf2250b5582db1ac",
            "LFW-a (Wolf, Hassner, Taigman): aligned, grayscale 250x250",
        ),
        Release(
            "lfw",
            RemoteFile(
                "lfw.tgz",
                "https://ndownloader.figshare.com/files/5976018",
                "055f7d9c632d7370e6fb4afc7468d40f970c34a80d4c6f50ffec63f5a8d536c0",
            ),
            None,
            "LFW original: unaligned, RGB 250x250",
        ),
        Release(
            "lfw-funneled",
            RemoteFile(
                "lfw-funneled.tgz",
                "https://ndownloader.figshare.com/files/5976015",
                "b47c8422c8cded889dc5a13418c4bc2abbda121092b3533a83306f90d900100a",
            ),
            None,
            "LFW funneled (Huang et al. 2007): RGB 250x250",
        ),
        Release(
            "lfw-deepfunneled",
            RemoteFile(
                "lfw-deepfunneled.tgz", "http://vis-www.cs.umass.edu/lfw/lfw-deepfunneled.tgz"
            ),
            "8c04ee61355d6a6734594b8fbc9a471b4699aa684db3c6c2bc535d5d7f9f0958",
            "LFW deep-funneled (Huang et al. 2012): RGB 250x250",
        ),
    )
}

PAIR_LISTS = (
    RemoteFile(
        "pairsDevTrain.txt",
        "https://ndownloader.figshare.com/files/5976012",
        "1d454dada7dfeca0e7eab6f65dc4e97a6312d44cf142207be28d688be92aabfa",
    ),
    RemoteFile(
        "pairsDevTest.txt",
        "https://ndownloader.figshare.com/files/5976009",
        "7cb06600ea8b2814ac26e946201cdb304296262aad67d046a16a7ec85d0ff87c",
    ),
    RemoteFile(
        "pairs.txt",
        "https://ndownloader.figshare.com/files/5976006",
        "ea42330c62c92989f9d7c03237ed5d591365e89b3e649747777b70e692dc1592",
    ),
)
