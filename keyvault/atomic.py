"""Atomic, durable file writes.

Every file keyvault writes goes through :func:`atomic_write` (or :func:`atomic_writer`):
a temp file in the target directory, write, fsync, close, rename over the target, fsync
the directory, as restic's ``local.Save`` does. A crash at any instant leaves either the
old file or the new one, never a half-written file. Files are created with ``mode``
(0600 by default: assume the content is sensitive).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_write", "atomic_writer", "fsync_directory", "temp_path_for"]

TEMP_PREFIX = ".kv-tmp-"


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
    return target.with_name(f"{TEMP_PREFIX}{target.name}.{secrets.token_hex(8)}")


@contextlib.contextmanager
def atomic_writer(
    target: Path | str, *, mode: int = 0o600, overwrite: bool = True
) -> Iterator[BinaryIO]:
    """Open a temp file beside ``target``; on clean exit, durably rename it over ``target``.

    On any exception the temp file is removed and ``target`` is left as it was. With
    ``overwrite=False`` an existing target raises ``FileExistsError`` (checked again at
    rename time with a hard link where the OS allows, so a race cannot clobber it).
    """
    target = Path(target)
    if not overwrite and target.exists():
        raise FileExistsError(errno.EEXIST, "file exists", str(target))
    tmp = temp_path_for(target)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
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
