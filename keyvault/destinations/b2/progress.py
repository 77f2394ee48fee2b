"""A put's source as B2 reads it: sent in windows that hash it on the way and report progress.

B2 wants a SHA-1 of each request's body (the whole object, or each part of a large
file). :class:`SourceWindow` hashes the bytes as b2sdk sends them and appends the digest
as 40 hex digits after them (B2's ``hex_digits_at_end``), so the upload is the one pass
over the source: no hashing ahead, no copy. The sha256 recorded as ``kv_sha256`` comes
from the caller (the engine hashed the ciphertext as it wrote it); :func:`sha256_of`
hashes the source only for a caller that does not know it. No b2sdk import.
"""

from __future__ import annotations

import hashlib
import io
from typing import BinaryIO

from ..base import ProgressCallback

__all__ = ["SHA1_HEX_LENGTH", "Progress", "SourceWindow", "sha256_of"]

_CHUNK = 1 << 20
#: The bytes a SHA-1 in hex adds at the end of a request body.
SHA1_HEX_LENGTH = 40


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


def sha256_of(source: BinaryIO, size: int) -> str:
    """The sha256 (hex) of ``size`` bytes of the seekable ``source`` from where it is,
    which it is left at. A source that ends early is a caller mistake: ``ValueError``."""
    start = source.tell()
    digest = hashlib.sha256()
    done = 0
    while done < size:
        chunk = source.read(min(_CHUNK, size - done))
        if not chunk:
            raise ValueError(f"the source ended after {done} of {size} bytes")
        digest.update(chunk)
        done += len(chunk)
    source.seek(start)
    return digest.hexdigest()


class SourceWindow(io.RawIOBase):
    """``length`` bytes of ``source`` from ``offset``, then their SHA-1 as 40 hex digits:
    one request's body for B2's ``hex_digits_at_end`` (:attr:`size` bytes in all).

    Readable in order, rewindable to its start (b2sdk seeks to 0 before it sends, and
    ``requests`` to the end and back to learn the size). The SHA-1 is of the bytes as
    they were read; :attr:`sha1` gives it once they all were. Reading reports ``base`` +
    the bytes read so far to ``progress`` (``base`` is the window's place in the object).
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
        self._sha1 = hashlib.sha1()  # noqa: S324 - B2's checksum
        #: How many of the window's first bytes went into ``_sha1``.
        self._hashed = 0
        self._digits: bytes | None = None

    @property
    def size(self) -> int:
        """The body's length: the bytes and the 40 hex digits after them."""
        return self._length + SHA1_HEX_LENGTH

    @property
    def sha1(self) -> str | None:
        """The SHA-1 (hex) of the window's bytes, once every one of them was read."""
        return None if self._digits is None else self._digits.decode("ascii")

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        anchor = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.size}
        self._position = max(0, min(self.size, anchor[whence] + offset))
        if self._position == 0:  # a new send: hash again from the first byte
            self._sha1 = hashlib.sha1()  # noqa: S324 - B2's checksum
            self._hashed = 0
            self._digits = None
        return self._position

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._position < self._length:
            wanted = min(len(buffer), self._length - self._position)
            self._source.seek(self._offset + self._position)
            chunk = self._source.read(wanted)
            if not chunk:
                raise ValueError(f"the source ended {self._length - self._position} bytes early")
            if self._position == self._hashed:  # bytes read again are not hashed again
                self._sha1.update(chunk)
                self._hashed += len(chunk)
            buffer[: len(chunk)] = chunk
            self._position += len(chunk)
            self._progress.report(self._base + self._position)
            return len(chunk)
        if self._digits is None:
            if self._hashed != self._length:
                raise ValueError("a B2 request body must be read in order from its start")
            self._digits = self._sha1.hexdigest().encode("ascii")
        tail = self._digits[self._position - self._length :][: len(buffer)]
        buffer[: len(tail)] = tail
        self._position += len(tail)
        return len(tail)
