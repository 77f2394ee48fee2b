"""Atomic, durable file writes.

Every file keyvault writes goes through :func:`atomic_write` (or :func:`atomic_writer`):
a temp file in the target directory, write, fsync, close, rename over the target, fsync
the directory, as restic's ``local.Save`` does. A crash at any instant leaves either the
old file or the new one, never a half-written file. Files are created with ``mode``
(0600 by default: assume the content is sensitive).

Large files written front to back (``stream=True``: encrypted and decrypted files) start
their writeback as they go: every 8 MiB, ``posix_fadvise(DONTNEED)`` asks Linux to start
writing what is dirty and to drop from the page cache what is already on the medium. The
closing fsync then waits for the last few MiB only, instead of writing the whole file at
once, and a large file neither fills the page cache nor pushes other data out of it.
Durability is unchanged: the fsync still comes before the rename.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

__all__ = ["atomic_write", "atomic_writer", "fsync_directory", "temp_path_for"]

TEMP_PREFIX = ".kv-tmp-"
_WRITEBACK_STEP = 8 * 1024 * 1024
_CAN_ADVISE = hasattr(os, "posix_fadvise")  # not on Windows or macOS: plain writes there


class _WritebackFile(io.FileIO):
    """A raw file that starts its writeback every ``_WRITEBACK_STEP`` bytes written.

    Each hint covers the last two steps: the newest one starts its writeback, the one
    before it (on the medium by then, mostly) leaves the cache. The hint is advisory: it
    never drops dirty data, so a seek, a short write or an OS that ignores it costs
    nothing but the hint.
    """

    _written = 0
    _started = 0  # where the last step began
    _previous = 0  # where the step before it began

    def write(self, data: ReadableBuffer, /) -> int:
        count = super().write(data)
        if count:
            self._written += count
            if self._written - self._started >= _WRITEBACK_STEP:
                start = self._previous
                self._previous, self._started = self._started, self._written
                os.posix_fadvise(
                    self.fileno(), start, self._written - start, os.POSIX_FADV_DONTNEED
                )
        return count


def fsync_directory(directory: Path) -> None:
    """Flush a directory entry to disk so a rename in it survives a power loss.

    Windows cannot open a directory for fsync; there NTFS journals the rename itself.
    """
    if os.name == "nt":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as exc:
        # Some filesystems (e.g. certain network mounts) refuse fsync on a directory.
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


def temp_path_for(target: Path) -> Path:
    """A fresh, unguessable temp name beside ``target`` (same filesystem, so rename is atomic)."""
    return target.with_name(f"{TEMP_PREFIX}{target.name}.{os.urandom(8).hex()}")


@contextlib.contextmanager
def atomic_writer(
    target: Path | str, *, mode: int = 0o600, overwrite: bool = True, stream: bool = False
) -> Iterator[BinaryIO]:
    """Open a temp file beside ``target``; on clean exit, durably rename it over ``target``.

    On any exception the temp file is removed and ``target`` is left as it was. With
    ``overwrite=False`` an existing target raises ``FileExistsError`` (checked again at
    rename time with a hard link where the OS allows, so a race cannot clobber it).
    ``stream=True`` is for a large file written front to back and not read again soon:
    its writeback starts every 8 MiB (see the module docstring).
    """
    target = Path(target)
    if not overwrite and target.exists():
        raise FileExistsError(errno.EEXIST, "file exists", str(target))
    tmp = temp_path_for(target)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, mode)
    try:
        raw = _WritebackFile(fd, "wb") if stream and _CAN_ADVISE else io.FileIO(fd, "wb")
        with io.BufferedWriter(raw) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if os.name != "nt":
            os.chmod(tmp, mode)
        if overwrite:
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)
            except OSError as exc:
                if exc.errno == errno.EEXIST:
                    raise FileExistsError(errno.EEXIST, "file exists", str(target)) from None
                if target.exists():
                    raise
                os.replace(tmp, target)
            else:
                os.unlink(tmp)
        fsync_directory(target.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write(
    target: Path | str, data: bytes, *, mode: int = 0o600, overwrite: bool = True
) -> None:
    """Write ``data`` to ``target`` atomically and durably (see :func:`atomic_writer`)."""
    with atomic_writer(target, mode=mode, overwrite=overwrite) as handle:
        handle.write(data)
