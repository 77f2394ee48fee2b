"""Snapshots: files as they are, folders as deterministic tars that `tar x` restores."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from keyvault.backup import snapshot as snapshot_module
from keyvault.backup.snapshot import (
    TAR_MTIME,
    fingerprint,
    open_snapshot,
    snapshot_digest,
    source_kind,
)
from keyvault.errors import SourceChangedError, SourceUnreadableError


def _tree(root: Path) -> Path:
    (root / "b").mkdir(parents=True)
    (root / "a.txt").write_bytes(b"alpha\n")
    (root / "b" / "c.bin").write_bytes(bytes(range(256)) * 10)
    (root / "b" / "empty").write_bytes(b"")
    (root / "run.sh").write_bytes(b"#!/bin/sh\n")
    (root / "run.sh").chmod(0o755)
    (root / "ünïcode name.dat").write_bytes(b"x" * 1000)
    (root / "link-in").symlink_to("b/c.bin")
    (root / "link-out").symlink_to("../outside")
    (root / "link-abs").symlink_to("/etc/passwd")
    os.mkfifo(root / "fifo")
    return root


def test_file_snapshot_is_the_file(tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    path = tmp_path / "wallet.dat"
    path.write_bytes(data)
    assert source_kind(path) == "file"
    with open_snapshot(path) as stream:
        assert stream.read() == data
        assert stream.sha256 == hashlib.sha256(data).hexdigest()
        assert stream.size == len(data)
        assert stream.root_name == "wallet.dat"
    digest = snapshot_digest(path)
    assert (digest.size, digest.sha256) == (len(data), hashlib.sha256(data).hexdigest())


def test_folder_tar_is_deterministic_and_keeps_times_and_modes(tmp_path: Path) -> None:
    root = _tree(tmp_path / "wallets")
    first = open_snapshot(root).read()
    assert open_snapshot(root).read() == first
    assert len(first) % tarfile.RECORDSIZE == 0
    os.utime(root / "b", (2, 2))
    timed = open_snapshot(root).read()
    assert timed != first
    (root / "b").chmod(0o750)
    assert open_snapshot(root).read() != timed
    os.utime(root / "link-in", (3, 3), follow_symlinks=False)  # a link's time is not kept
    moded = open_snapshot(root).read()
    (root / "a.txt").write_bytes(b"alphA\n")
    assert open_snapshot(root).read() != moded


def test_folder_tar_content(tmp_path: Path) -> None:
    root = _tree(tmp_path / "wallets")
    os.utime(root / "a.txt", (1_000_000_000, 1_000_000_000))
    (root / "b").chmod(0o2775)  # set-gid and group write are not kept
    (root / "a.txt").chmod(0o640)
    stream = open_snapshot(root)
    data = stream.read()
    assert stream.sha256 == hashlib.sha256(data).hexdigest()
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = tar.getmembers()
        names = [m.name for m in members]
        # Depth first, each folder's entries sorted by their bytes.
        assert names == [
            "wallets",
            "wallets/a.txt",
            "wallets/b",
            "wallets/b/c.bin",
            "wallets/b/empty",
            "wallets/link-in",
            "wallets/run.sh",
            "wallets/ünïcode name.dat",
        ]
        for m in members:
            assert (m.uid, m.gid, m.uname, m.gname) == (0, 0, "", "")
        by_name = {m.name: m for m in members}
        assert by_name["wallets"].mtime == TAR_MTIME and by_name["wallets"].mode == 0o700
        assert by_name["wallets/a.txt"].mtime == 1_000_000_000
        assert by_name["wallets/b"].mtime == int((root / "b").stat().st_mtime)
        assert by_name["wallets/link-in"].mtime == TAR_MTIME
        assert by_name["wallets/a.txt"].mode == 0o640
        assert by_name["wallets/run.sh"].mode == 0o755
        assert by_name["wallets/b"].mode == 0o755
        assert by_name["wallets/link-in"].issym()
        assert by_name["wallets/link-in"].linkname == "b/c.bin"
    skipped = dict(stream.skipped)
    assert skipped == {
        "link-out": "link leaves the folder",
        "link-abs": "link leaves the folder",
        "fifo": "not a file, folder or link",
    }


def test_stock_tar_extracts_it(tmp_path: Path) -> None:
    root = _tree(tmp_path / "src" / "wallets")
    archive = tmp_path / "w.tar"
    archive.write_bytes(open_snapshot(root).read())
    out = tmp_path / "out"
    out.mkdir()
    subprocess.run(["tar", "xf", str(archive), "-C", str(out)], check=True)
    for rel in ("a.txt", "b/c.bin", "b/empty", "run.sh", "ünïcode name.dat"):
        assert (out / "wallets" / rel).read_bytes() == (root / rel).read_bytes()
    assert os.readlink(out / "wallets" / "link-in") == "b/c.bin"
    assert not (out / "wallets" / "link-out").exists()


def test_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "e").mkdir()
    data = open_snapshot(tmp_path / "e").read()
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        assert tar.getnames() == ["e"]


def _read_headers(stream: io.RawIOBase) -> None:
    """Read the folder's and its one file's tar headers (two 512-byte blocks)."""
    for _ in range(2):
        assert len(stream.read(512) or b"") == 512


def test_file_that_grows_while_tarred_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "w"
    root.mkdir()
    (root / "a").write_bytes(b"1234")
    stream = open_snapshot(root)
    _read_headers(stream)  # the file's header is produced; it grows before its data is read
    (root / "a").write_bytes(b"123456789")
    with pytest.raises(SourceChangedError):
        stream.read()


def test_file_that_shrinks_while_tarred_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "w"
    root.mkdir()
    (root / "a").write_bytes(b"123456789")
    stream = open_snapshot(root)
    _read_headers(stream)
    (root / "a").write_bytes(b"1")
    with pytest.raises(SourceChangedError):
        stream.read()


def test_missing_and_special_sources(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        open_snapshot(tmp_path / "nope")
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(SourceUnreadableError):
        open_snapshot(tmp_path / "fifo")


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Root (CI) reads files whatever their mode, so refuse the open itself.
    path = tmp_path / "secret"
    path.write_bytes(b"x")

    def refuse(*args: object, **kwargs: object) -> object:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(snapshot_module, "open", refuse, raising=False)
    with pytest.raises(SourceUnreadableError, match="Permission denied"):
        open_snapshot(path).read()


def test_unreadable_folder_reports_clearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "w"
    root.mkdir()
    (root / "a").write_bytes(b"1")
    real_scandir = os.scandir

    def refuse(path: object) -> object:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "scandir", refuse)
    with pytest.raises(SourceUnreadableError, match="cannot list"):
        open_snapshot(root).read()
    monkeypatch.setattr(os, "scandir", real_scandir)


def test_fingerprint_tracks_changes(tmp_path: Path) -> None:
    root = _tree(tmp_path / "w")
    before = fingerprint(root)
    assert fingerprint(root) == before
    (root / "b" / "new").write_bytes(b"")
    assert fingerprint(root) != before
    f = tmp_path / "f"
    f.write_bytes(b"1")
    fp = fingerprint(f)
    f.write_bytes(b"2")
    os.utime(f, ns=(0, 0))
    assert fingerprint(f) != fp
