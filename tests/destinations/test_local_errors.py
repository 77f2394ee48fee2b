"""Full and read-only drives: a clear typed error, the previous version intact, no debris."""

from __future__ import annotations

import errno
import io
import os
import subprocess
from pathlib import Path

import pytest

from keyvault.atomic import TEMP_PREFIX
from keyvault.destinations.local import LocalDestination, create_marker
from keyvault.errors import (
    DestinationError,
    DestinationFullError,
    DestinationPermissionError,
    RetryableDestinationError,
)

from .local_fixtures import mounted_tmpfs

VAULT = "vault-full"
KEY = f"keyvault/{VAULT}/objects/wallet.age"


def _read(dest: LocalDestination, key: str) -> bytes:
    sink = io.BytesIO()
    dest.get(key, sink)
    return sink.getvalue()


def _temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.startswith(TEMP_PREFIX)]


def test_full_tmpfs_gives_full_error_and_keeps_previous_version(tmp_path: Path) -> None:
    mount_point = tmp_path / "small"
    with mounted_tmpfs(mount_point, "1m"):
        create_marker(mount_point, VAULT, "2026-03-01T10:00:00Z")
        dest = LocalDestination("tiny", mount_point, vault_id=VAULT, media="external")
        previous = os.urandom(200_000)
        dest.put(KEY, io.BytesIO(previous), len(previous))
        bigger = os.urandom(2 * 1024 * 1024)
        with pytest.raises(DestinationFullError) as caught:
            dest.put(KEY, io.BytesIO(bigger), len(bigger))
        assert "full" in str(caught.value)
        assert caught.value.hint
        assert _read(dest, KEY) == previous
        assert _temp_files(mount_point) == []
        assert [info.key for info in dest.list(f"keyvault/{VAULT}/objects/")] == [KEY]


def test_injected_enospc_at_fsync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    create_marker(tmp_path, VAULT, "2026-03-01T10:00:00Z")
    dest = LocalDestination("disk", tmp_path, vault_id=VAULT)
    dest.put(KEY, io.BytesIO(b"previous version"), 16)
    real_fsync = os.fsync

    def full_fsync(fd: int) -> None:
        # NFS and some FUSE filesystems report a full disk only when the data is flushed.
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full_fsync)
    with pytest.raises(DestinationFullError):
        dest.put(KEY, io.BytesIO(b"new version that does not fit"), 29)
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert _read(dest, KEY) == b"previous version"
    assert _temp_files(tmp_path) == []


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (errno.EACCES, DestinationPermissionError),
        (errno.EROFS, DestinationPermissionError),
        (errno.ETIMEDOUT, RetryableDestinationError),
        (errno.EIO, DestinationError),
    ],
)
def test_os_errors_are_classified(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, expected: type[Exception]
) -> None:
    create_marker(tmp_path, VAULT, "2026-03-01T10:00:00Z")
    dest = LocalDestination("disk", tmp_path, vault_id=VAULT)

    def failing_fsync(fd: int) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(expected) as caught:
        dest.put(KEY, io.BytesIO(b"x"), 1)
    assert type(caught.value) is expected
    monkeypatch.undo()
    assert _temp_files(tmp_path) == []


def test_read_only_drive_gives_permission_error(tmp_path: Path) -> None:
    mount_point = tmp_path / "ro"
    with mounted_tmpfs(mount_point, "1m"):
        create_marker(mount_point, VAULT, "2026-03-01T10:00:00Z")
        dest = LocalDestination("ro", mount_point, vault_id=VAULT)
        dest.put(KEY, io.BytesIO(b"kept"), 4)
        subprocess.run(["mount", "-o", "remount,ro", str(mount_point)], check=True)
        with pytest.raises(DestinationPermissionError):
            dest.put(KEY, io.BytesIO(b"new!"), 4)
        with pytest.raises(DestinationPermissionError):
            dest.delete(KEY)
        assert _read(dest, KEY) == b"kept"


def test_source_errors_propagate_unchanged(tmp_path: Path) -> None:
    create_marker(tmp_path, VAULT, "2026-03-01T10:00:00Z")
    dest = LocalDestination("disk", tmp_path, vault_id=VAULT)

    class Unreadable(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            raise OSError(errno.EIO, "the source file is unreadable")

    with pytest.raises(OSError, match="source file is unreadable") as caught:
        dest.put(KEY, Unreadable(), 10)
    assert not isinstance(caught.value, DestinationError)
    assert _temp_files(tmp_path) == []


def test_stale_temp_files_are_cleaned_and_never_listed(tmp_path: Path) -> None:
    create_marker(tmp_path, VAULT, "2026-03-01T10:00:00Z")
    dest = LocalDestination("disk", tmp_path, vault_id=VAULT)
    dest.put(KEY, io.BytesIO(b"x"), 1)
    leftover = tmp_path / "keyvault" / VAULT / "objects" / f"{TEMP_PREFIX}wallet.age.abcd"
    leftover.write_bytes(b"partial")
    assert [info.key for info in dest.list("")] == [KEY, f"keyvault/{VAULT}/vault.json"]
    with pytest.raises(ValueError):
        dest.stat(f"keyvault/{VAULT}/objects/{TEMP_PREFIX}wallet.age.abcd")
    assert dest.remove_stale_temp_files(older_than_seconds=3600) == 0
    old = leftover.stat().st_mtime - 7200
    os.utime(leftover, (old, old))
    assert dest.remove_stale_temp_files(older_than_seconds=3600) == 1
    assert not leftover.exists()
