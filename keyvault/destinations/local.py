"""A destination in a folder: an internal disk, a USB drive, a NAS mount.

Objects live at ``<folder>/<key>``. Writes follow restic's ``local.Save``: a temp file in
the target directory, write, fsync, close, rename, fsync the directory
(:func:`keyvault.atomic.atomic_writer`), so readers and crashes see the old object or the
whole new one.

Presence: a folder counts as this destination only while its marker
``keyvault/<vault-id>/vault.json`` (written by ``keyvault dest add``) is there and, when
one was recorded, the filesystem UUID is the same. An unmounted drive leaves an empty
mount point on the internal disk; every operation then raises
:class:`~keyvault.errors.DestinationUnavailableError` before touching anything, so no
backup is ever written into the bare mount point.

OS errors are classified: ENOSPC/EDQUOT -> :class:`~keyvault.errors.DestinationFullError`,
EACCES/EPERM/EROFS -> :class:`~keyvault.errors.DestinationPermissionError`, a vanished
device -> unavailable, timeouts -> retryable, anything else -> ``DestinationError``.
Errors raised by the caller's own ``source`` or ``sink`` streams propagate unchanged.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat as stat_module
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import BinaryIO

from keyvault.atomic import TEMP_PREFIX, atomic_write, atomic_writer, fsync_directory
from keyvault.errors import (
    DestinationError,
    DestinationFullError,
    DestinationPermissionError,
    DestinationUnavailableError,
    NotFoundError,
    ObjectNotFoundError,
    RetryableDestinationError,
)
from keyvault.layout import (
    MARKER_CAP,
    MARKER_NAME,
    Marker,
    marker_document,
    marker_key,
    parse_marker,
)

from . import mounts
from .base import (
    DestinationTraits,
    MediaKind,
    ObjectInfo,
    ProgressCallback,
    TraitProperties,
    check_key,
    read_exactly,
    refuse_larger,
)

__all__ = [
    "LocalDestination",
    "create_marker",
    "find_vaults",
    "read_marker",
]

CHUNK_SIZE = 1 << 20
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)

_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_DENIED = {errno.EACCES, errno.EPERM, errno.EROFS}
_GONE = {
    code
    for code in (
        errno.ENODEV,
        errno.ENXIO,
        errno.ENOTCONN,
        getattr(errno, "ESTALE", None),
        getattr(errno, "ENOMEDIUM", None),
        getattr(errno, "EHOSTDOWN", None),
        errno.EHOSTUNREACH,
    )
    if code is not None
}
_TRANSIENT = {errno.ETIMEDOUT, errno.EAGAIN, errno.EINTR, errno.ECONNRESET, errno.EBUSY}
_MISSING = (FileNotFoundError, IsADirectoryError, NotADirectoryError)


def read_marker(path: Path) -> Marker:
    """The marker at ``path``, read as untrusted input: never through a symlink, never
    blocking on a FIFO, a regular file of at most :data:`~keyvault.layout.MARKER_CAP`
    bytes. ``FileNotFoundError`` when there is none; ``ValueError`` when it is not a
    marker (another kind of file there, too large, not a marker document)."""
    try:
        fd = os.open(path, os.O_RDONLY | _O_NOFOLLOW | _O_NONBLOCK)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            raise FileNotFoundError(errno.ENOENT, "no marker", str(path)) from None
        raise ValueError("not a keyvault marker") from None
    with open(fd, "rb") as handle:
        if not stat_module.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError("not a keyvault marker")
        data = handle.read(MARKER_CAP + 1)
    return parse_marker(data)


def create_marker(root: Path, vault_id: str, created: str) -> Path:
    """Mark the existing folder ``root`` as holding ``vault_id``; return the marker's path.

    This is the one place where keyvault creates directories in a destination folder, and
    only on the user's explicit request (``dest add``). ``root`` itself must exist: a
    missing folder may be a drive that is not mounted. An existing marker of the same
    vault is kept (its creation date stays).
    """
    root = Path(root)
    if not root.is_dir():
        raise NotFoundError(
            f"folder {root} does not exist",
            hint="create the folder first, or connect and mount the drive",
        )
    path = root.joinpath(*marker_key(vault_id).split("/"))
    try:
        existing = read_marker(path)
    except FileNotFoundError:
        existing = None
    except ValueError:
        raise DestinationError(f"{path} exists but is not a keyvault marker") from None
    if existing is not None:
        if existing.vault_id != vault_id:
            raise DestinationError(f"{path} belongs to another vault")
        return path
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        atomic_write(path, marker_document(vault_id, created), mode=0o644)
    except OSError as exc:
        raise _classify(exc, f"cannot write the marker in {root}") from None
    return path


def find_vaults(root: Path) -> list[str]:
    """The ids of the vaults with a valid marker in folder ``root`` (for recovery)."""
    found: list[str] = []
    try:
        candidates = sorted((Path(root) / "keyvault").iterdir())
    except OSError:
        return []
    for folder in candidates:
        try:
            marker = read_marker(folder / MARKER_NAME)
        except (OSError, ValueError):
            continue
        if marker.vault_id == folder.name:
            found.append(marker.vault_id)
    return found


def _classify(exc: OSError, what: str) -> DestinationError:
    reason = exc.strerror or str(exc)
    if exc.errno in _FULL:
        return DestinationFullError(
            f"{what}: the destination is full", hint="free space there or use a larger drive"
        )
    if exc.errno in _DENIED:
        return DestinationPermissionError(f"{what}: permission denied ({reason})")
    if exc.errno in _GONE:
        return DestinationUnavailableError(f"{what}: the drive went away ({reason})")
    if exc.errno in _TRANSIENT:
        return RetryableDestinationError(f"{what}: {reason}")
    return DestinationError(f"{what}: {reason}")


class _StreamError(Exception):
    """Carries an exception raised by the caller's own stream past the OSError mapping."""

    def __init__(self, original: BaseException) -> None:
        super().__init__("stream failed")
        self.original = original


def _drop_cached_pages(path: Path) -> None:
    """Ask the kernel to forget ``path``'s cached pages (written and fsynced), so that the
    read-back that follows reads what the medium holds, not what memory still has."""
    advise = getattr(os, "posix_fadvise", None)
    if advise is None:
        return  # not offered here (macOS, Windows): the read-back may come from the cache
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY | _O_NOFOLLOW | _O_NONBLOCK)
        try:
            advise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


class LocalDestination(TraitProperties):
    """A folder that holds copies; present only while its marker (and UUID) say so."""

    def __init__(
        self,
        name: str,
        path: Path | str,
        *,
        vault_id: str,
        media: MediaKind = "internal",
        offsite: bool = False,
        offline: bool = False,
        fs_uuid: str | None = None,
    ) -> None:
        """``fs_uuid`` is the filesystem UUID recorded when the destination was added."""
        self._traits = DestinationTraits(name, media, offsite, offline)
        self._root = Path(path).absolute()
        self._vault_id = vault_id
        self._marker = self._root.joinpath(*marker_key(vault_id).split("/"))
        self._fs_uuid = fs_uuid.lower() if fs_uuid else None
        # The fingerprint at the last full check: while it stays the same, the same
        # filesystem and marker are there and the UUID need not be asked again.
        self._checked: tuple[int, int, int, int] | None = None

    def __repr__(self) -> str:
        return f"LocalDestination(name={self.name!r}, path={str(self._root)!r})"

    @property
    def path(self) -> Path:
        """The destination folder."""
        return self._root

    @property
    def vault_id(self) -> str:
        """The vault whose marker this folder must hold."""
        return self._vault_id

    @property
    def immutable(self) -> bool:
        return False

    # --- presence -------------------------------------------------------------------

    def _unavailable(self, why: str) -> DestinationUnavailableError:
        return DestinationUnavailableError(
            f"destination {self.name!r} is not available: {why}",
            hint="connect and mount the drive, then try again",
        )

    def _damaged(self, why: str) -> DestinationError:
        # Something is there but it is no marker of this vault: the drive is present and
        # damaged (or tampered with), which is not the same as a drive that is not mounted.
        return DestinationError(
            f"destination {self.name!r} is damaged: the keyvault marker in {self._root} {why}",
            hint="look at what is in its place; remove it and run 'keyvault dest add' again",
        )

    def _fingerprint(self) -> tuple[int, int, int, int]:
        """What identifies the mounted filesystem and its marker right now (cheap stats)."""
        try:
            root_info = os.stat(self._root)
        except OSError:
            raise self._unavailable(f"folder {self._root} is not there") from None
        if not stat_module.S_ISDIR(root_info.st_mode):
            raise self._unavailable(f"{self._root} is not a folder")
        try:
            # lstat: a symlink planted as the marker is something there (refused when
            # read), not an absent marker.
            marker_info = os.lstat(self._marker)
        except OSError:
            raise self._unavailable(
                f"no keyvault marker in {self._root} (drive not mounted?)"
            ) from None
        # f_fsid tells filesystems apart even when a new drive gets the old device number
        # (ext4 derives it from the UUID); Windows has no statvfs and checks in full.
        fsid = os.statvfs(self._root).f_fsid if hasattr(os, "statvfs") else -1
        return (root_info.st_dev, fsid, marker_info.st_ino, marker_info.st_mtime_ns)

    def check_available(self) -> None:
        fingerprint = self._fingerprint()
        if fingerprint == self._checked and fingerprint[1] != -1:
            return
        try:
            marker = read_marker(self._marker)
        except FileNotFoundError:
            raise self._unavailable(
                f"no keyvault marker in {self._root} (drive not mounted?)"
            ) from None
        except (OSError, ValueError):
            raise self._damaged("is unreadable") from None
        if marker.vault_id != self._vault_id:
            # The marker sits in the folder named for this vault's id: naming another
            # vault there is damage, not another drive.
            raise self._damaged("names another vault")
        if self._fs_uuid is not None:
            current = mounts.filesystem_uuid(self._root)
            if current is None or current.lower() != self._fs_uuid:
                raise self._unavailable(
                    f"{self._root} is on another filesystem than the one added "
                    f"(UUID {current or 'unknown'}, expected {self._fs_uuid})"
                )
        self._checked = fingerprint

    def location_id(self) -> str:
        self.check_available()
        try:
            return mounts.location_id(self._root)
        except OSError as exc:
            raise _classify(exc, f"destination {self.name!r}") from None

    # --- objects --------------------------------------------------------------------

    def _path(self, key: str) -> Path:
        check_key(key)
        if any(part.startswith(TEMP_PREFIX) for part in key.split("/")):
            raise ValueError(f"invalid object key {key!r}: reserved temp-file name")
        path = self._root.joinpath(*key.split("/"))
        self._refuse_links(path.parent)
        return path

    def _refuse_links(self, folder: Path) -> None:
        """Raise if ``folder`` or a folder between it and the root is a symlink: a link
        planted inside the destination (``objects/`` -> another disk) must not redirect a
        write or a read elsewhere, nor count a copy held somewhere else as held here."""
        for part in (folder, *folder.parents):
            if part == self._root or self._root not in part.parents:
                return
            with contextlib.suppress(FileNotFoundError):
                if stat_module.S_ISLNK(os.lstat(part).st_mode):
                    rel = part.relative_to(self._root)
                    raise DestinationError(f"{rel} at {self.name!r} is a symlink; not followed")

    def put(
        self,
        key: str,
        source: BinaryIO,
        size: int,
        progress: ProgressCallback | None = None,
        *,
        sha256: str | None = None,
    ) -> ObjectInfo:
        target = self._path(key)
        if size < 0:
            raise ValueError("size must not be negative")
        self.check_available()
        what = f"cannot write {key} to {self.name!r}"
        try:
            # The marker was just seen, so the folder is on the real drive.
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            with atomic_writer(target, mode=0o600) as handle:
                for chunk in read_exactly(partial(_read, source), size, progress, CHUNK_SIZE):
                    handle.write(chunk)
            info = os.stat(target)
            _drop_cached_pages(target)
        except _StreamError as failed:
            raise failed.original from None
        except OSError as exc:
            raise _classify(exc, what) from None
        return ObjectInfo(key, info.st_size, info.st_mtime)

    def get(
        self,
        key: str,
        sink: BinaryIO,
        progress: ProgressCallback | None = None,
        *,
        limit: int | None = None,
    ) -> ObjectInfo:
        """Read ``key``; a symlink or anything but a regular file there is an error."""
        path = self._path(key)
        self.check_available()
        try:
            # Never through a symlink at the last step, never blocking (a FIFO planted in
            # place of an object must not hang the run): then only a regular file is read.
            fd = os.open(path, os.O_RDONLY | _O_NOFOLLOW | _O_NONBLOCK)
            with open(fd, "rb") as handle:
                info = os.fstat(handle.fileno())
                if not stat_module.S_ISREG(info.st_mode):
                    raise IsADirectoryError(errno.EISDIR, "not a file")
                refuse_larger(info.st_size, limit)
                os.set_blocking(fd, True)
                done = 0
                while chunk := handle.read(CHUNK_SIZE):
                    _write(sink, chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, info.st_size)
                if progress is not None and done == 0:
                    progress(0, 0)
        except _MISSING:
            raise ObjectNotFoundError(f"object {key} is missing at {self.name!r}") from None
        except _StreamError as failed:
            raise failed.original from None
        except OSError as exc:
            raise _classify(exc, f"cannot read {key} from {self.name!r}") from None
        return ObjectInfo(key, done, info.st_mtime)

    def stat(self, key: str) -> ObjectInfo:
        path = self._path(key)
        self.check_available()
        try:
            info = os.lstat(path)
        except _MISSING:
            raise ObjectNotFoundError(f"object {key} is missing at {self.name!r}") from None
        except OSError as exc:
            raise _classify(exc, f"cannot stat {key} at {self.name!r}") from None
        if not stat_module.S_ISREG(info.st_mode):
            raise ObjectNotFoundError(f"object {key} is missing at {self.name!r}")
        return ObjectInfo(key, info.st_size, info.st_mtime)

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        folder, _, _ = prefix.rpartition("/")
        base = self._root.joinpath(*check_key(folder).split("/")) if folder else self._root
        self.check_available()
        self._refuse_links(base)
        found: list[ObjectInfo] = []
        try:
            for directory, subdirs, files in os.walk(base):
                subdirs[:] = [d for d in subdirs if not d.startswith(TEMP_PREFIX)]
                relative = Path(directory).relative_to(self._root).as_posix()
                for file_name in files:
                    if file_name.startswith(TEMP_PREFIX):
                        continue
                    key = file_name if relative == "." else f"{relative}/{file_name}"
                    if not key.startswith(prefix):
                        continue
                    with contextlib.suppress(FileNotFoundError):  # deleted meanwhile
                        info = os.stat(Path(directory, file_name))
                        if stat_module.S_ISREG(info.st_mode):
                            found.append(ObjectInfo(key, info.st_size, info.st_mtime))
        except OSError as exc:
            raise _classify(exc, f"cannot list {self.name!r}") from None
        found.sort(key=lambda item: item.key)
        return iter(found)

    def delete(self, key: str) -> None:
        path = self._path(key)
        self.check_available()
        try:
            if not stat_module.S_ISREG(os.lstat(path).st_mode):
                return
            os.unlink(path)
            fsync_directory(path.parent)
        except _MISSING:
            return
        except OSError as exc:
            raise _classify(exc, f"cannot delete {key} at {self.name!r}") from None

    def remove_stale_temp_files(self, older_than_seconds: float = 24 * 3600) -> int:
        """Delete temp files a crashed run left behind; returns how many were removed."""
        self.check_available()
        limit = time.time() - older_than_seconds
        removed = 0
        for directory, _, files in os.walk(self._root / "keyvault"):
            for file_name in files:
                path = Path(directory, file_name)
                with contextlib.suppress(OSError):
                    if file_name.startswith(TEMP_PREFIX) and path.stat().st_mtime < limit:
                        path.unlink()
                        removed += 1
        return removed


def _read(source: BinaryIO, size: int) -> bytes:
    try:
        return source.read(size)
    except Exception as exc:
        raise _StreamError(exc) from exc


def _write(sink: BinaryIO, data: bytes) -> None:
    try:
        sink.write(data)
    except Exception as exc:
        raise _StreamError(exc) from exc
