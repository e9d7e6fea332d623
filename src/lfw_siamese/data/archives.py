"""Unpack an LFW archive safely, find its person folders, and fingerprint the image set."""

import hashlib
import re
import shutil
import tarfile
import zipfile
from collections import Counter
from pathlib import Path

from ..errors import LfwError
from ..fsutil import sha256_file

MAX_FILES = 50_000
MAX_BYTES = 4 << 30


def unpack(archive: Path, dest: Path) -> None:
    """Extract a .zip or .tar(.gz) into `dest`, refusing entries that escape it or are too big."""
    dest.mkdir(parents=True, exist_ok=True)
    name = archive.name.lower()
    if name.endswith(".zip"):
        _unpack_zip(archive, dest)
    elif name.endswith((".tgz", ".tar.gz", ".tar")):
        _unpack_tar(archive, dest)
    else:
        raise LfwError(f"{archive}: unknown archive type (expected .zip, .tgz or .tar.gz)")


def _check_totals(archive: Path, count: int, size: int) -> None:
    if count > MAX_FILES or size > MAX_BYTES:
        raise LfwError(
            f"{archive}: {count} entries, {size} bytes unpacked; refusing more than "
            f"{MAX_FILES} entries or {MAX_BYTES} bytes (not an LFW release?)"
        )


def _unpack_zip(archive: Path, dest: Path) -> None:
    root = dest.resolve()
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            _check_totals(archive, len(infos), sum(i.file_size for i in infos))
            for info in infos:
                target = (root / info.filename).resolve()
                if not target.is_relative_to(root) or (info.external_attr >> 28) == 0o12:
                    raise LfwError(
                        f"{archive}: refusing entry {info.filename!r} (outside target or link)"
                    )
            zf.extractall(root)
    except zipfile.BadZipFile as exc:
        raise LfwError(f"{archive}: not a valid zip file ({exc})") from exc


def _unpack_tar(archive: Path, dest: Path) -> None:
    try:
        with tarfile.open(archive) as tf:
            members = tf.getmembers()
            _check_totals(archive, len(members), sum(m.size for m in members))
            for m in members:
                if m.name.startswith("/") or ".." in Path(m.name).parts:
                    raise tarfile.FilterError(f"{m.name!r} would land outside the target folder")
            tf.extractall(dest, filter="data")  # also refuses links out and device files
    except tarfile.FilterError as exc:
        raise LfwError(f"{archive}: refusing unsafe entry ({exc})") from exc
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise LfwError(f"{archive}: cannot read archive ({exc})") from exc


def find_person_root(tree: Path) -> Path:
    """The folder whose subfolders are people (`<Name>/<Name>_0001.jpg`), however nested."""
    votes = Counter()
    for image in tree.rglob("*.jpg"):
        person = image.parent
        if re.fullmatch(re.escape(person.name) + r"_\d{4}\.jpg", image.name):
            votes[person.parent] += 1
    if not votes:
        raise LfwError(f"{tree}: no <Person>/<Person>_NNNN.jpg images found in the archive")
    return votes.most_common(1)[0][0]


def move_person_folders(tree: Path, dest: Path) -> None:
    """Move the person folders found in `tree` into a new folder `dest`."""
    root = find_person_root(tree)
    dest.mkdir(parents=True)
    for person in sorted(p for p in root.iterdir() if p.is_dir()):
        shutil.move(str(person), dest / person.name)


def image_files(images: Path) -> list[str]:
    """Sorted `<Person>/<file>.jpg` paths under an images folder."""
    return sorted(f"{p.parent.name}/{p.name}" for p in images.glob("*/*.jpg"))


def fingerprint(images: Path, files: list[str]) -> str:
    """sha256 of the sorted lines "<Person>/<file>.jpg\\t<sha256 of file>\\n"."""
    digest = hashlib.sha256()
    for line in sorted(f"{name}\t{sha256_file(images / name)}\n" for name in files):
        digest.update(line.encode())
    return digest.hexdigest()
