import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile

import pytest

from lfw_siamese.data import download
from lfw_siamese.data.archives import find_person_root, fingerprint, image_files, unpack
from lfw_siamese.data.releases import RemoteFile
from lfw_siamese.errors import LfwError

from .conftest import ROOT, needs_mirror


def remote_for(data: bytes, name="pairs.txt", url="http://127.0.0.1:9/pairs.txt"):
    return RemoteFile(name, url, hashlib.sha256(data).hexdigest())


def test_mirror_file_is_used_and_verified(tmp_path, monkeypatch):
    (tmp_path / "pairs.txt").write_bytes(b"hello")
    monkeypatch.setenv("LFW_MIRROR", str(tmp_path))
    assert download.fetch(remote_for(b"hello"), tmp_path / "cache") == tmp_path / "pairs.txt"
    with pytest.raises(LfwError) as err:
        download.fetch(remote_for(b"other"), tmp_path / "cache")
    message = str(err.value)
    assert "pairs.txt: checksum mismatch" in message
    assert hashlib.sha256(b"other").hexdigest() in message  # expected
    assert hashlib.sha256(b"hello").hexdigest() in message  # actual


def test_cache_is_checked_not_trusted(tmp_path, monkeypatch):
    monkeypatch.delenv("LFW_MIRROR", raising=False)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "pairs.txt").write_bytes(b"hello")
    assert download.fetch(remote_for(b"hello"), cache) == cache / "pairs.txt"
    (cache / "pairs.txt").write_bytes(b"corrupt")
    fetched = []
    monkeypatch.setattr(download, "_download_http",
                        lambda url, dest: (fetched.append(url), dest.write_bytes(b"hello")))
    assert download.fetch(remote_for(b"hello"), cache).read_bytes() == b"hello"
    assert fetched == ["http://127.0.0.1:9/pairs.txt"]


def test_bad_download_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.delenv("LFW_MIRROR", raising=False)
    monkeypatch.setattr(download, "_download_http", lambda url, dest: dest.write_bytes(b"junk"))
    with pytest.raises(LfwError, match="checksum mismatch"):
        download.fetch(remote_for(b"hello"), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_unreachable_url_suggests_the_mirror(tmp_path, monkeypatch):
    monkeypatch.delenv("LFW_MIRROR", raising=False)
    monkeypatch.setattr(download.time, "sleep", lambda s: None)
    with pytest.raises(LfwError) as err:
        download.fetch(remote_for(b"x"), tmp_path)
    message = str(err.value)
    assert "could not download http://127.0.0.1:9/pairs.txt after 3 attempts" in message
    assert "set LFW_MIRROR to a folder holding pairs.txt" in message
    assert list(tmp_path.iterdir()) == []


def test_mirror_without_the_file_falls_back_to_network(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LFW_MIRROR", str(tmp_path))
    monkeypatch.setattr(download, "_download_http", lambda url, dest: dest.write_bytes(b"hi"))
    assert download.fetch(remote_for(b"hi"), tmp_path / "c").read_bytes() == b"hi"
    assert "no pairs.txt in" in capsys.readouterr().out


def write_zip(path, entries):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


@pytest.mark.parametrize("prefix", ["", "lfw2/", "lfw2/lfw2/", "lfwa/lfw2/lfw2/"])
def test_person_root_found_whatever_the_nesting(tmp_path, prefix):
    archive = write_zip(tmp_path / "a.zip", {
        f"{prefix}Ann/Ann_0001.jpg": b"1", f"{prefix}Bob/Bob_0001.jpg": b"2",
        f"{prefix}Bob/Bob_0002.jpg": b"3", "README.txt": b"x",
    })
    unpack(archive, tmp_path / "out")
    root = find_person_root(tmp_path / "out")
    assert root == tmp_path / "out" / prefix
    assert image_files(root) == ["Ann/Ann_0001.jpg", "Bob/Bob_0001.jpg", "Bob/Bob_0002.jpg"]


def test_fingerprint_definition(tmp_path):
    for name, data in {"Bob/Bob_0001.jpg": b"b", "Ann/Ann_0001.jpg": b"a"}.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(data)
    lines = sorted(f"{n}\t{hashlib.sha256(d).hexdigest()}\n"
                   for n, d in {"Ann/Ann_0001.jpg": b"a", "Bob/Bob_0001.jpg": b"b"}.items())
    expected = hashlib.sha256("".join(lines).encode()).hexdigest()
    assert fingerprint(tmp_path, image_files(tmp_path)) == expected


def test_zip_entry_outside_target_refused(tmp_path):
    archive = write_zip(tmp_path / "evil.zip", {"../evil.txt": b"x"})
    with pytest.raises(LfwError, match="refusing entry '../evil.txt'"):
        unpack(archive, tmp_path / "out")
    assert not (tmp_path / "evil.txt").exists()


@pytest.mark.parametrize("kind", ["absolute", "dotdot", "symlink"])
def test_tar_entry_outside_target_refused(tmp_path, kind):
    archive = tmp_path / "evil.tgz"
    with tarfile.open(archive, "w:gz") as tf:
        info = tarfile.TarInfo({"absolute": "/tmp/evil.txt", "dotdot": "../evil.txt",
                                "symlink": "link"}[kind])
        if kind == "symlink":
            info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
            tf.addfile(info)
        else:
            info.size = 1
            tf.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(LfwError, match="refusing unsafe entry"):
        unpack(archive, tmp_path / "out")
    assert not (tmp_path / "evil.txt").exists()


def test_not_an_archive(tmp_path):
    bad = tmp_path / "lfwa.zip"
    bad.write_text(json.dumps({"not": "a zip"}))
    with pytest.raises(LfwError, match="lfwa.zip: not a valid zip file"):
        unpack(bad, tmp_path / "out")


@needs_mirror
def test_wrong_archive_fails_the_image_set_check_and_leaves_nothing(tmp_path, mirror):
    fake_mirror = tmp_path / "mirror"
    fake_mirror.mkdir()
    for name in ("pairsDevTrain.txt", "pairsDevTest.txt", "pairs.txt"):
        (fake_mirror / name).symlink_to(mirror / name)
    write_zip(fake_mirror / "lfwa.zip", {"lfw2/Ann/Ann_0001.jpg": b"1", "lfw2/Bob/Bob_0001.jpg": b"2"})
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(ROOT / "params.yaml", work)
    subprocess.run([sys.executable, str(ROOT / "stages/check_params.py")], cwd=work, check=True)
    result = subprocess.run([sys.executable, str(ROOT / "stages/download.py")], cwd=work,
                            env={**os.environ, "LFW_MIRROR": str(fake_mirror)},
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "this is not the 'lfwa' release" in result.stderr
    assert "found    2 images of 2 people" in result.stderr
    assert [p.name for p in (work / "data").iterdir()] == ["params"]  # no data/lfw, no temporary


def test_oversized_archive_refused(tmp_path, monkeypatch):
    archive = write_zip(tmp_path / "many.zip", {f"P/P_{i:04d}.jpg": b"x" for i in range(1, 6)})
    monkeypatch.setattr("lfw_siamese.data.archives.MAX_FILES", 4)
    with pytest.raises(LfwError, match="5 entries, 5 bytes unpacked; refusing more than 4"):
        unpack(archive, tmp_path / "out")
    assert not any((tmp_path / "out").rglob("*.jpg"))
