"""A put's source as B2 reads it: hashed once, then sent in windows that report progress.

:func:`digest_source` is the one pass over the bytes before an upload starts: the SHA-1
B2 needs (of the whole object and, for a large file, of each part: both are sent ahead
of the bytes) and the sha256 recorded as file info ``kv_sha256``, all from the same
chunks. :class:`SourceWindow` then lets b2sdk read one request's bytes straight from the
caller's seekable source (no copy), and reports progress as they go. No b2sdk import.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import BinaryIO

from ..base import ProgressCallback

__all__ = ["Digests", "Progress", "SourceWindow", "digest_source"]

_CHUNK = 1 << 20


class Progress:
    """Turns byte counts into monotonic ``(done, total)`` progress calls."""

    def __init__(self, callback: ProgressCallback | None, total: int | None) -> None:
        self._callback = callback
        self.total = total
        self._done = -1

    def report(self, done: int) -> None:
        if self._callback is not None and done > self._done:
            self._done = done
            self._callback(done, self.total)


@dataclass(frozen=True)
class Digests:
    """Hashes of a put's bytes, lowercase hex."""

    sha1: str
    sha256: str
    #: SHA-1 of each part, when the object goes up as a large file; else empty.
    part_sha1s: tuple[str, ...] = ()


def digest_source(source: BinaryIO, size: int, part_size: int) -> Digests:
    """Hash ``size`` bytes of ``source`` from where it is, then seek back there (when it
    can: the caller refuses a source that cannot).

    Part SHA-1s are computed only when ``size`` exceeds ``part_size`` (a large file).
    A source that ends early is a caller mistake: ``ValueError``.
    """
    start = source.tell() if source.seekable() else None
    whole_sha1 = hashlib.sha1()  # noqa: S324 - B2's checksum
    whole_sha256 = hashlib.sha256()
    large = size > part_size
    parts: list[str] = []
    done = 0
    while done < size:
        part = hashlib.sha1() if large else None  # noqa: S324 - B2's checksum
        part_end = min(size, done + part_size)
        while done < part_end:
            chunk = source.read(min(_CHUNK, part_end - done))
            if not chunk:
                raise ValueError(f"the source ended after {done} of {size} bytes")
            whole_sha1.update(chunk)
            whole_sha256.update(chunk)
            if part is not None:
                part.update(chunk)
            done += len(chunk)
        if part is not None:
            parts.append(part.hexdigest())
    if start is not None:
        source.seek(start)
    return Digests(whole_sha1.hexdigest(), whole_sha256.hexdigest(), tuple(parts))


class SourceWindow(io.RawIOBase):
    """``length`` bytes of ``source`` from ``offset``, readable (and rewindable: b2sdk
    seeks to 0 before it sends) as a stream of their own.

    Reading reports ``base`` + the bytes read so far to ``progress`` (``base`` is the
    window's place in the whole object).
    """

    def __init__(
        self, source: BinaryIO, offset: int, length: int, base: int, progress: Progress
    ) -> None:
        super().__init__()
        self._source = source
        self._offset = offset
        self._length = length
        self._base = base
        self._progress = progress
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        anchor = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._length}
        self._position = max(0, min(self._length, anchor[whence] + offset))
        return self._position

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        wanted = min(len(buffer), self._length - self._position)
        if wanted <= 0:
            return 0
        self._source.seek(self._offset + self._position)
        chunk = self._source.read(wanted)
        buffer[: len(chunk)] = chunk
        self._position += len(chunk)
        self._progress.report(self._base + self._position)
        return len(chunk)
