"""A small read-ahead buffer over any readable binary stream.

The header parser reads bounded lines, armor detection peeks, and the payload reader
then continues exactly where the header ended, even on a pipe that cannot seek.
"""

from __future__ import annotations

import io
from typing import Protocol

__all__ = ["Readable", "Source"]

_READ_SIZE = 64 * 1024


class Readable(Protocol):
    """Anything with ``read(n)`` returning bytes (files, pipes, BytesIO, the armor reader)."""

    def read(self, size: int = -1, /) -> bytes: ...


class Source:
    """Buffered reader with ``peek``, bounded ``readline`` and full-length ``read``."""

    def __init__(self, raw: Readable) -> None:
        self._raw = raw
        self._buffer = bytearray()
        self._eof = False
        self._use_readinto = hasattr(raw, "readinto")

    def _fill(self, size: int) -> None:
        while len(self._buffer) < size and not self._eof:
            data = self._raw.read(max(size - len(self._buffer), _READ_SIZE))
            if not data:
                self._eof = True
            else:
                self._buffer += data

    def peek(self, size: int) -> bytes:
        """Up to ``size`` upcoming bytes without consuming them (fewer only at end of file)."""
        self._fill(size)
        return bytes(self._buffer[:size])

    def read(self, size: int) -> bytes:
        """Exactly ``size`` bytes, or fewer only at end of file."""
        if not self._buffer:
            # Fast path for the payload: no copy through the buffer.
            parts: list[bytes] = []
            missing = size
            while missing > 0 and not self._eof:
                data = self._raw.read(missing)
                if not data:
                    self._eof = True
                    break
                parts.append(data)
                missing -= len(data)
            return parts[0] if len(parts) == 1 else b"".join(parts)
        self._fill(size)
        out = bytes(self._buffer[:size])
        del self._buffer[:size]
        return out

    def readline(self, limit: int) -> bytes:
        """One line including its ``\\n``; at most ``limit`` bytes.

        The result lacks the final ``\\n`` when the line is longer than ``limit`` or the
        stream ended first; callers treat that as an error.
        """
        start = 0
        while True:
            index = self._buffer.find(b"\n", start, limit)
            if index >= 0:
                out = bytes(self._buffer[: index + 1])
                del self._buffer[: index + 1]
                return out
            if len(self._buffer) >= limit or self._eof:
                out = bytes(self._buffer[:limit])
                del self._buffer[:limit]
                return out
            start = len(self._buffer)
            self._fill(len(self._buffer) + 1)

    def readinto_full(self, buffer: memoryview) -> int:
        """Fill ``buffer`` completely, or as far as the input goes; returns the byte count.

        Uses the stream's own ``readinto`` when it has one, so large payload reads land
        straight in the caller's buffer without an intermediate copy.
        """
        filled = 0
        if self._buffer:
            filled = min(len(self._buffer), len(buffer))
            buffer[:filled] = self._buffer[:filled]
            del self._buffer[:filled]
        while filled < len(buffer) and not self._eof:
            count = self._readinto(buffer[filled:])
            if not count:
                self._eof = True
            filled += count
        return filled

    def _readinto(self, target: memoryview) -> int:
        if self._use_readinto:
            try:
                count = self._raw.readinto(target)  # type: ignore[attr-defined]
            except (AttributeError, NotImplementedError, io.UnsupportedOperation):
                self._use_readinto = False
            else:
                return int(count or 0)
        data = self._raw.read(len(target))
        target[: len(data)] = data
        return len(data)

    def at_eof(self) -> bool:
        """True when no byte is left."""
        self._fill(1)
        return not self._buffer
