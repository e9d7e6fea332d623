"""Fetch a file from an LFW_MIRROR folder, a checked local cache, or the network."""

import os
import time
import urllib.error
import urllib.request
from pathlib import Path

from ..errors import LfwError
from ..fsutil import atomic_output, sha256_file
from .releases import RemoteFile

MIRROR_ENV = "LFW_MIRROR"
RETRIES = 3
TIMEOUT_S = 60


def verify_sha256(path: Path, remote: RemoteFile) -> None:
    """Raise if the file's sha256 differs from the pinned one (no-op where none is pinned)."""
    if remote.sha256 is None:
        return
    actual = sha256_file(path)
    if actual != remote.sha256:
        raise LfwError(
            f"{path}: checksum mismatch for {remote.filename}\n"
            f"  expected sha256 {remote.sha256}\n  actual   sha256 {actual}\n"
            "The file is corrupt, truncated or a different file; delete it and run again."
        )


def mirror_file(remote: RemoteFile) -> Path | None:
    """The file of the same name in the LFW_MIRROR folder, if that variable names one."""
    mirror = os.environ.get(MIRROR_ENV)
    if not mirror:
        return None
    folder = Path(mirror)
    if not folder.is_dir():
        raise LfwError(f"{MIRROR_ENV}={mirror} is not a folder (resolved: {folder.resolve()})")
    candidate = folder / remote.filename
    if candidate.is_file():
        return candidate
    print(f"{MIRROR_ENV}: no {remote.filename} in {folder}; using the network")
    return None


def fetch(remote: RemoteFile, cache_dir: Path) -> Path:
    """Return a verified local copy of `remote`: from the mirror, the cache or the network."""
    local = mirror_file(remote)
    if local is not None:
        verify_sha256(local, remote)
        print(f"{remote.filename}: using {local}")
        return local
    cached = Path(cache_dir) / remote.filename
    if cached.is_file():
        try:
            verify_sha256(cached, remote)
            print(f"{remote.filename}: using cached {cached}")
            return cached
        except LfwError:
            print(f"{cached}: cached copy fails its checksum; downloading again")
            cached.unlink()
    with atomic_output(cached) as tmp:
        _download(remote, tmp)
        verify_sha256(tmp, remote)
    return cached


def _download(remote: RemoteFile, dest: Path) -> None:
    """Download `remote` to `dest`, retrying transient failures with backoff."""
    url = remote.url
    for attempt in range(1, RETRIES + 1):
        try:
            if "drive.google.com" in url:
                _download_gdrive(url, dest)
            else:
                _download_http(url, dest)
            return
        except (urllib.error.URLError, OSError) as exc:
            if attempt == RETRIES:
                raise LfwError(
                    f"could not download {url} after {RETRIES} attempts: {exc}\n"
                    f"Without internet access, set {MIRROR_ENV} to a folder holding "
                    f"{remote.filename} (see README, 'Data')."
                ) from exc
            wait = 2**attempt
            print(f"download failed ({exc}); retrying in {wait} s")
            time.sleep(wait)


def _download_http(url: str, dest: Path) -> None:
    from tqdm import tqdm

    request = urllib.request.Request(url, headers={"User-Agent": "lfw-siamese"})
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response, open(dest, "wb") as f:
        total = int(response.headers.get("Content-Length") or 0) or None
        with tqdm(total=total, unit="B", unit_scale=True, desc=dest.name) as bar:
            while block := response.read(1 << 20):
                f.write(block)
                bar.update(len(block))
        if total is not None and f.tell() != total:
            raise OSError(f"transfer ended after {f.tell()} of {total} bytes")


def _download_gdrive(url: str, dest: Path) -> None:
    import gdown  # handles Google Drive's large-file confirmation page

    if gdown.download(url, str(dest), quiet=False) is None:
        raise OSError(f"Google Drive refused {url}")
