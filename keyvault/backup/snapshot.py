"""The plaintext of an item: a file as it is, or a folder as a deterministic tar.

A snapshot is a readable stream that hashes (sha256) and counts its bytes as it is read,
so the engine encrypts and fingerprints in one pass and never writes plaintext to disk.

A folder becomes a POSIX (pax) tar whose bytes depend only on the names, kinds,
contents, permission bits and modification times (whole seconds) of its entries: names
sorted (by their bytes), every entry under one top-level directory named after the
folder (itself 0700, mtime :data:`TAR_MTIME`), uid/gid 0, empty uname/gname. Modes are
those tarfile's ``data`` filter keeps (no set-uid/gid or sticky bit, no group or other
write; the owner can always read and write, and enter a folder), so a restore
(:mod:`.untar`) gives subfolders and files back their modes and times. An unchanged
folder hashes the same on every run; a changed mode or time is a new version. Archives
of earlier releases carry 0700/0600 and :data:`TAR_MTIME` for every entry and restore
that way. Symbolic links are kept only when they are relative and stay inside
the folder; other links, sockets, devices and FIFOs are left out and listed in
:attr:`SnapshotStream.skipped`. Hard links are stored as ordinary files.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from keyvault.errors import SourceChangedError, SourceUnreadableError

__all__ = [
    "CHUNK_SIZE",
    "TAR_MTIME",
    "Digest",
    "SnapshotStream",
    "SourceKind",
    "fingerprint",
    "open_snapshot",
    "snapshot_digest",
    "source_kind",
]

SourceKind = Literal["file", "folder"]

#: Every tar entry's modification time: 2000-01-01T00:00:00Z (fixed for determinism).
TAR_MTIME = 946684800
CHUNK_SIZE = 1 << 20
_BLOCK = tarfile.BLOCKSIZE
_RECORD = tarfile.RECORDSIZE


@dataclass(frozen=True)
class Digest:
    """Size and sha256 (hex) of an item's plaintext."""

    size: int
    sha256: str


def source_kind(path: Path) -> SourceKind:
    """``file`` or ``folder`` for an existing path (links followed for the top level).

    Raises :class:`FileNotFoundError` when missing and :class:`SourceUnreadableError`
    for anything that is neither a regular file nor a folder.
    """
    st = path.stat()
    if stat.S_ISREG(st.st_mode):
        return "file"
    if stat.S_ISDIR(st.st_mode):
        return "folder"
    raise SourceUnreadableError(f"{path} is neither a file nor a folder")


class SnapshotStream(io.RawIOBase):
    """A read-only stream of an item's plaintext that hashes what it yields.

    :attr:`sha256` and :attr:`size` describe the bytes read so far; after EOF they
    describe the whole snapshot. Reading raises :class:`SourceChangedError` when a file
    changes size while it is read and :class:`SourceUnreadableError` when it cannot be read.
    """

    def __init__(self, chunks: Iterator[bytes], kind: SourceKind, root_name: str) -> None:
        super().__init__()
        self._chunks = chunks
        self._pending = b""
        self._hash = hashlib.sha256()
        self._size = 0
        self._eof = False
        self.kind: SourceKind = kind
        #: The file's or folder's own name (the tar's top-level directory for a folder).
        self.root_name = root_name
        #: Entries left out of a folder snapshot (relative paths), with the reason.
        self.skipped: list[tuple[str, str]] = []
        self._keep = 0
        self._kept = bytearray()

    def keep(self, limit: int) -> None:
        """Keep a copy of the first ``limit`` (+1) bytes read from now on (for the
        wallet's identity, :mod:`.proof`): :attr:`kept` and :attr:`head`."""
        self._keep = limit

    @property
    def kept(self) -> bytes | None:
        """The whole plaintext read, when it was at most the ``keep`` limit, else None."""
        return bytes(self._kept) if len(self._kept) <= self._keep else None

    @property
    def head(self) -> bytes:
        """The first bytes read (at most 4096) while keeping."""
        return bytes(self._kept[:4096])

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        while not self._pending and not self._eof:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                self._eof = True
        if not self._pending:
            return 0
        count = min(len(view), len(self._pending))
        piece = self._pending[:count]
        view[:count] = piece
        self._pending = self._pending[count:]
        self._hash.update(piece)
        self._size += count
        if len(self._kept) <= self._keep:
            self._kept += piece[: self._keep + 1 - len(self._kept)]
        return count

    @property
    def sha256(self) -> str:
        """The sha256 (hex) of the bytes read so far."""
        return self._hash.hexdigest()

    @property
    def size(self) -> int:
        """The number of bytes read so far."""
        return self._size

    def digest(self) -> Digest:
        """Read to the end (discarding) and return the snapshot's :class:`Digest`."""
        while self.read(CHUNK_SIZE):
            pass
        return Digest(self._size, self.sha256)


def open_snapshot(path: Path) -> SnapshotStream:
    """A :class:`SnapshotStream` of the file or folder at ``path``.

    Raises :class:`FileNotFoundError` when it does not exist.
    """
    path = Path(path)
    kind = source_kind(path)
    if kind == "file":
        return SnapshotStream(_file_chunks(path), "file", path.name)
    stream = SnapshotStream(iter(()), "folder", path.name)
    stream._chunks = _tar_chunks(path, stream.skipped)
    return stream


def snapshot_digest(path: Path) -> Digest:
    """The size and sha256 of the snapshot of ``path`` (read once, nothing kept)."""
    with open_snapshot(path) as stream:
        return stream.digest()


def fingerprint(path: Path) -> str:
    """A cheap stand-in for "unchanged": sha256 over stat facts of every entry.

    It changes whenever a name, size, mtime, ctime or inode changes. Equal fingerprints
    do not prove equal content (only :func:`snapshot_digest` does); status uses it to
    avoid re-reading large files on every call.
    """
    path = Path(path)
    digest = hashlib.sha256()
    st = path.stat()

    def add(name: bytes, info: os.stat_result) -> None:
        facts = (info.st_mode, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
        digest.update(name + b"\0" + repr(facts).encode() + b"\n")

    add(b".", st)
    if stat.S_ISDIR(st.st_mode):
        for relative, _full, info in _walk(path):
            add(relative, info)
    return digest.hexdigest()


# --- files -------------------------------------------------------------------------------


def _open_regular(path: Path) -> io.BufferedReader:
    try:
        return open(path, "rb")  # closed by the caller
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise SourceUnreadableError(f"cannot read {path}: {exc.strerror}") from None


def _file_chunks(path: Path) -> Iterator[bytes]:
    handle = _open_regular(path)
    with handle:
        while True:
            try:
                chunk = handle.read(CHUNK_SIZE)
            except OSError as exc:
                raise SourceUnreadableError(f"cannot read {path}: {exc.strerror}") from None
            if not chunk:
                return
            yield chunk


# --- folders -----------------------------------------------------------------------------


def _walk(root: Path) -> Iterator[tuple[bytes, Path, os.stat_result]]:
    """Every entry under ``root`` depth first, each folder's entries sorted by name bytes.

    Links are not followed (``lstat``), so a link to a folder is an entry, not a subtree.
    """
    yield from _walk_folder(b"", root)


def _walk_folder(prefix: bytes, folder: Path) -> Iterator[tuple[bytes, Path, os.stat_result]]:
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: os.fsencode(e.name))
    except OSError as exc:
        raise SourceUnreadableError(f"cannot list {folder}: {exc.strerror}") from None
    for entry in entries:
        relative = prefix + os.fsencode(entry.name)
        full = Path(entry.path)
        try:
            info = os.lstat(full)
        except FileNotFoundError:
            continue  # vanished between listing and stat: it is simply not in this run
        except OSError as exc:
            raise SourceUnreadableError(f"cannot read {full}: {exc.strerror}") from None
        yield relative, full, info
        if stat.S_ISDIR(info.st_mode):
            yield from _walk_folder(relative + b"/", full)


def _link_stays_inside(relative: bytes, target: str) -> bool:
    if not target or os.path.isabs(target) or target.startswith("\\"):
        return False
    parent = os.path.dirname(os.fsdecode(relative))
    joined = os.path.normpath(os.path.join(parent, target))
    return joined != ".." and not joined.startswith("../") and not os.path.isabs(joined)


def _tar_header(info: tarfile.TarInfo) -> bytes:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


def _tar_chunks(root: Path, skipped: list[tuple[str, str]]) -> Iterator[bytes]:
    top = root.name or "folder"
    written = 0

    def entry(
        name: str, kind: bytes, mode: int, mtime: int, size: int = 0, link: str = ""
    ) -> bytes:
        info = tarfile.TarInfo(name)
        info.type = kind
        info.mode = mode
        info.mtime = mtime
        info.size = size
        info.linkname = link
        return _tar_header(info)

    header = entry(top, tarfile.DIRTYPE, 0o700, TAR_MTIME)
    written += len(header)
    yield header
    for relative, full, info in _walk(root):
        name = top + "/" + os.fsdecode(relative)
        shown = os.fsdecode(relative)
        mode = info.st_mode
        # The data filter's modes (group/other never write), whole seconds.
        kept, mtime = stat.S_IMODE(mode) & 0o755, max(0, int(info.st_mtime))
        if stat.S_ISDIR(mode):
            block = entry(name, tarfile.DIRTYPE, kept | 0o700, mtime)
        elif stat.S_ISLNK(mode):
            try:
                target = os.readlink(full)
            except OSError as exc:
                raise SourceUnreadableError(f"cannot read {full}: {exc.strerror}") from None
            if not _link_stays_inside(relative, target):
                skipped.append((shown, "link leaves the folder"))
                continue
            block = entry(name, tarfile.SYMTYPE, 0o777, TAR_MTIME, link=target)
        elif stat.S_ISREG(mode):
            if not kept & stat.S_IXUSR:
                kept &= ~0o111  # as the data filter: executable only if the owner's is
            block = entry(name, tarfile.REGTYPE, kept | 0o600, mtime, info.st_size)
            written += len(block)
            yield block
            for chunk in _exact_chunks(full, info.st_size):
                written += len(chunk)
                yield chunk
            padding = (-info.st_size) % _BLOCK
            if padding:
                written += padding
                yield b"\0" * padding
            continue
        else:
            skipped.append((shown, "not a file, folder or link"))
            continue
        written += len(block)
        yield block
    end = b"\0" * (2 * _BLOCK)
    written += len(end)
    tail = (-written) % _RECORD
    yield end + b"\0" * tail


def _exact_chunks(path: Path, size: int) -> Iterator[bytes]:
    """Exactly ``size`` bytes of ``path``; :class:`SourceChangedError` if it is not that long."""
    try:
        handle = _open_regular(path)
    except FileNotFoundError:
        raise SourceChangedError(f"{path} vanished while the folder was read") from None
    with handle:
        remaining = size
        try:
            while remaining:
                chunk = handle.read(min(CHUNK_SIZE, remaining))
                if not chunk:
                    raise SourceChangedError(f"{path} shrank while the folder was read")
                remaining -= len(chunk)
                yield chunk
            if handle.read(1):
                raise SourceChangedError(f"{path} grew while the folder was read")
        except OSError as exc:
            raise SourceUnreadableError(f"cannot read {path}: {exc.strerror}") from None
