"""age ASCII armor: strict PEM with the label ``AGE ENCRYPTED FILE``, streamed both ways.

Encoding writes padded standard base64 in 64-column lines between the BEGIN and END
lines, LF line ends, as the age CLI does. Decoding is strict (RFC 7468 "strict" form, as
age and the CCTV vectors require): no PEM headers, no empty lines, every line but the last
exactly 64 columns, canonical padding only on the last line, no whitespace inside.
Allowed: LF or CRLF line ends, whitespace (space, tab, CR, LF) before BEGIN and after END,
and no newline after END. Any violation raises :class:`~keyvault.errors.ArmorError`.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Protocol

from keyvault.errors import ArmorError

from ._source import Readable, Source

__all__ = [
    "BEGIN_LINE",
    "END_LINE",
    "ArmorReader",
    "ArmorWriter",
    "dearmor_source",
    "looks_armored",
]

BEGIN_LINE = b"-----BEGIN AGE ENCRYPTED FILE-----"
END_LINE = b"-----END AGE ENCRYPTED FILE-----"
_COLUMNS = 64
_GROUP = 48  # bytes per full line
_WHITESPACE = b" \t\r\n"
#: Whitespace tolerated around the armor, as the Go reference bounds it.
_MAX_WHITESPACE = 1024
_LINE_CHARS = re.compile(rb"[A-Za-z0-9+/]+={0,2}")
#: A run of complete, full-width body lines: decoded in bulk (the common case).
_FULL_LINES = re.compile(rb"(?:[A-Za-z0-9+/]{64}\r?\n)+")
_BULK = 66 * 1024


class _Writable(Protocol):
    def write(self, data: bytes | memoryview, /) -> object: ...


def looks_armored(source: Source) -> bool:
    """True when, after optional leading whitespace, the input starts like a PEM BEGIN line."""
    head = source.peek(_MAX_WHITESPACE + len(BEGIN_LINE))
    return head.lstrip(_WHITESPACE).startswith(b"-----BEGIN")


def _wrap_lines(text: bytes) -> bytes:
    """``text`` cut into 64-column lines, each ended by LF."""
    lines = [text[i : i + _COLUMNS] for i in range(0, len(text), _COLUMNS)]
    return b"\n".join(lines) + b"\n"


class ArmorWriter:
    """Wraps a binary sink; bytes written to it come out armored. Call :meth:`close`."""

    def __init__(self, sink: _Writable) -> None:
        self._sink = sink
        self._pending = bytearray()
        self._closed = False
        sink.write(BEGIN_LINE + b"\n")

    def _emit(self, data: bytes) -> None:
        self._sink.write(_wrap_lines(base64.b64encode(data)))

    def write(self, data: bytes | memoryview) -> int:
        """Buffer ``data`` and write out every complete group of lines."""
        if self._closed:
            raise ValueError("write to a closed ArmorWriter")
        self._pending += data
        if len(self._pending) >= 1024 * _GROUP:
            whole = len(self._pending) - len(self._pending) % _GROUP
            self._emit(bytes(self._pending[:whole]))
            del self._pending[:whole]
        return len(data)

    def close(self) -> None:
        """Write the last (padded) line and the END line. Does not close the sink."""
        if self._closed:
            return
        self._closed = True
        if self._pending:
            self._emit(bytes(self._pending))
        self._pending = bytearray()
        self._sink.write(END_LINE + b"\n")


class ArmorReader:
    """A readable stream of the binary bytes inside strict age armor."""

    def __init__(self, source: Source) -> None:
        self._source = source
        self._decoded = bytearray()
        self._started = False
        self._finished = False
        self._expect_end = False

    def _start(self) -> None:
        self._started = True
        head = self._source.peek(_MAX_WHITESPACE + 1)
        skip = len(head) - len(head.lstrip(_WHITESPACE))
        if skip > _MAX_WHITESPACE:
            raise ArmorError("too much whitespace before the armor")
        self._source.read(skip)
        line = self._source.readline(len(BEGIN_LINE) + 2)
        if line not in (BEGIN_LINE + b"\n", BEGIN_LINE + b"\r\n"):
            raise ArmorError("the armored file does not start with the age BEGIN line")

    def _finish(self) -> None:
        self._finished = True
        rest = self._source.read(_MAX_WHITESPACE + 1)
        if len(rest) > _MAX_WHITESPACE or rest.strip(_WHITESPACE):
            raise ArmorError("the armored file has data after its END line")

    def _next_lines(self) -> None:
        """Decode the next run of full-width lines at once, or else a single line."""
        if not self._expect_end:
            block = self._source.peek(_BULK)
            match = _FULL_LINES.match(block)
            if match:
                text = self._source.read(match.end()).translate(None, b"\r\n")
                # Full lines hold whole 4-character groups without padding: always canonical.
                self._decoded += binascii.a2b_base64(text, strict_mode=True)
                return
        self._next_line()

    def _next_line(self) -> None:
        line = self._source.readline(_COLUMNS + 2)
        if line.endswith(b"\r\n"):
            content = line[:-2]
        elif line.endswith(b"\n"):
            content = line[:-1]
        else:
            content = line
        if content == END_LINE:
            self._finish()
            return
        if not line.endswith(b"\n"):
            if len(line) > _COLUMNS:
                raise ArmorError("the armored file has a line longer than 64 columns")
            raise ArmorError("the armored file has no END line")
        if self._expect_end:
            raise ArmorError("the armored file has a short line before its end")
        if not content:
            raise ArmorError("the armored file has an empty line")
        if len(content) > _COLUMNS:
            raise ArmorError("the armored file has a line longer than 64 columns")
        if not _LINE_CHARS.fullmatch(content) or len(content) % 4:
            raise ArmorError("the armored file has characters that are not base64")
        try:
            data = binascii.a2b_base64(content, strict_mode=True)
        except binascii.Error:
            raise ArmorError("the armored file's base64 is invalid") from None
        if base64.b64encode(data) != content:
            raise ArmorError("the armored file's base64 is not canonical")
        if len(content) < _COLUMNS or content.endswith(b"="):
            self._expect_end = True
        self._decoded += data

    def read(self, size: int = -1, /) -> bytes:
        """Up to ``size`` decoded bytes (all remaining for -1); ``b""`` at the end."""
        if not self._started:
            self._start()
        while not self._finished and (size < 0 or len(self._decoded) < size):
            self._next_lines()
        if size < 0:
            size = len(self._decoded)
        out = bytes(self._decoded[:size])
        del self._decoded[:size]
        return out


def dearmor_source(source: Source) -> Source:
    """A :class:`Source` over the decoded content of the armor in ``source``."""
    reader: Readable = ArmorReader(source)
    return Source(reader)
