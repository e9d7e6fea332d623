"""File helpers: outputs appear under their final name only when complete."""

import csv
import hashlib
import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path


def remove(path: Path) -> None:
    """Delete a file or a folder tree if it exists."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


@contextmanager
def atomic_output(path):
    """Yield a temporary sibling of `path` (same suffix) and move it onto `path` on success.

    If the block raises, or the process is killed, the final name never holds a partial
    result; a leftover temporary from a killed run is removed by the next run.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{path.name}")
    remove(tmp)
    try:
        yield tmp
        remove(path)
        os.replace(tmp, path)
    finally:
        remove(tmp)


def write_json(path, data) -> None:
    """Write `data` as indented JSON, atomically."""
    with atomic_output(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")


def sha256_file(path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def write_csv(path, header, rows) -> None:
    """Write a header and rows as CSV, atomically."""
    with atomic_output(path) as tmp, open(tmp, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
