"""The payload pipeline: reader thread, crypto pool and in-order writer.

Multi-block inputs (one block is 16 chunks, 1 MiB of plaintext) at the block boundaries,
errors raised by the input, by the output or by a damaged chunk in the middle of a file:
each reaches the caller unchanged, the output holds only what verified before it, and
the reader thread stops.
"""

from __future__ import annotations

import io
import os
import threading
import time

import pytest

from keyvault.crypto import X25519Identity, decrypt_stream, encrypt_bytes, encrypt_stream
from keyvault.errors import PayloadError

IDENTITY = X25519Identity.generate()
MIB = 1024 * 1024
CHUNK = 65536


def _reader_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "keyvault-age-reader"]


def _reader_stops() -> bool:
    """Whether every reader thread ends within a generous bound (they stop at their next
    block; this is no timing assertion)."""
    deadline = time.monotonic() + 30
    while _reader_threads() and time.monotonic() < deadline:
        time.sleep(0.01)
    return not _reader_threads()


@pytest.mark.parametrize("size", [MIB - 1, MIB, MIB + 1, 2 * MIB, 3 * MIB + CHUNK, 5 * MIB + 7])
def test_round_trip_at_block_boundaries(size: int) -> None:
    data = os.urandom(size)
    encrypted = io.BytesIO()
    assert encrypt_stream(io.BytesIO(data), encrypted, [IDENTITY.recipient]) == size
    out = io.BytesIO()
    assert decrypt_stream(io.BytesIO(encrypted.getvalue()), out, [IDENTITY]) == size
    assert out.getvalue() == data
    assert _reader_stops()


class _FailingInput(io.RawIOBase):
    """A readable input that raises ``OSError`` once ``limit`` bytes were read."""

    def __init__(self, data: bytes, limit: int) -> None:
        self._data = io.BytesIO(data)
        self._limit = limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._data.tell() >= self._limit:
            raise OSError(5, "input/output error")
        return self._data.readinto(buffer)


def test_an_input_error_reaches_the_caller_unchanged() -> None:
    data = os.urandom(6 * MIB)
    with pytest.raises(OSError, match="input/output error"):
        encrypt_stream(_FailingInput(data, 3 * MIB), io.BytesIO(), [IDENTITY.recipient])  # type: ignore[arg-type]
    encrypted = encrypt_bytes(data, [IDENTITY.recipient])
    out = io.BytesIO()
    with pytest.raises(OSError, match="input/output error"):
        decrypt_stream(_FailingInput(encrypted, 3 * MIB), out, [IDENTITY])  # type: ignore[arg-type]
    assert data.startswith(out.getvalue())
    assert _reader_stops()


class _FailingOutput:
    """An output that takes ``limit`` bytes and then raises ``OSError`` (a full disk)."""

    def __init__(self, limit: int) -> None:
        self.taken = 0
        self._limit = limit

    def write(self, data: bytes | memoryview, /) -> int:
        if self.taken >= self._limit:
            raise OSError(28, "no space left on device")
        self.taken += len(data)
        return len(data)


def test_an_output_error_stops_the_reader() -> None:
    data = os.urandom(12 * MIB)
    output = _FailingOutput(2 * MIB)
    with pytest.raises(OSError, match="no space left"):
        encrypt_stream(io.BytesIO(data), output, [IDENTITY.recipient])
    assert output.taken < 4 * MIB
    assert _reader_stops()


def test_a_damaged_chunk_mid_file_writes_only_what_verified_before_it() -> None:
    data = os.urandom(4 * MIB + 100)
    encrypted = bytearray(encrypt_bytes(data, [IDENTITY.recipient]))
    payload = encrypted.index(b"\n---") + 48 + 16  # after the header line and the nonce
    bad_chunk = 16 * 2 + 5  # in the third block
    encrypted[payload + bad_chunk * (CHUNK + 16) + 100] ^= 1
    out = io.BytesIO()
    with pytest.raises(PayloadError):
        decrypt_stream(io.BytesIO(bytes(encrypted)), out, [IDENTITY])
    assert out.getvalue() == data[: bad_chunk * CHUNK]
    assert _reader_stops()
