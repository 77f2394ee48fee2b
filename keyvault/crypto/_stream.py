"""The age payload: STREAM of 64 KiB ChaCha20-Poly1305 chunks, sealed on several cores.

Chunk ``i`` is sealed under the payload key with the nonce ``i`` (11 bytes, big-endian)
followed by a flag byte, 1 for the last chunk and 0 otherwise.

Speed and memory: the calling thread reads blocks of ``_BATCH`` chunks with ``readinto``
into a small ring of preallocated buffers and writes finished blocks in order; a thread
pool seals or opens the chunks of each block with ``encrypt_into``/``decrypt_into``
(``cryptography`` >= 50 releases the GIL there), so reading, writing and the crypto of
several blocks overlap on all cores. No per-chunk allocation happens, and memory is
constant: ``_RING`` blocks of about 1 MiB in and out, whatever the file size.

Decryption rules (C2SP age "Payload", pinned down by the CCTV vectors): a short chunk must
open as the last one; a full chunk is tried as not-last, then as last; a last chunk must
be followed by end of file; end of file without a last chunk is truncation; an empty last
chunk is allowed only as the only chunk. Verified plaintext is written out block by block
as soon as it and everything before it verified, and a block is written up to the first
bad chunk before the error is raised, so a caller must treat output written before an
error as void (the file functions write to a temp file and delete it on error).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from keyvault.errors import PayloadError

from ._primitives import hkdf_sha256

__all__ = [
    "CHUNK_SIZE",
    "ENCRYPTED_CHUNK_SIZE",
    "NONCE_SIZE",
    "decrypt_payload",
    "encrypt_payload",
    "payload_key",
]

CHUNK_SIZE = 64 * 1024
TAG_SIZE = 16
ENCRYPTED_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE
NONCE_SIZE = 16
_BATCH = 16  # chunks per block: 1 MiB
_IN_FLIGHT = 4  # blocks being sealed or opened at once
_RING = _IN_FLIGHT + 2  # + the block being read ahead + the one being written

Progress = Callable[[int], None]


class ReadInto(Protocol):
    """Fills a buffer as far as the input allows (fewer bytes only at end of input)."""

    def readinto_full(self, buffer: memoryview) -> int: ...


def _worker_count() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def payload_key(file_key: bytes, nonce: bytes) -> bytes:
    """HKDF-SHA-256(file key, salt = payload nonce, info = "payload")."""
    return hkdf_sha256(file_key, nonce, b"payload")


def _chunk_nonce(index: int, last: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


# A job: (first chunk index, bytes in the input block, whether the input ends with it).
_Job = tuple[int, int, bool]
# Its result: (bytes of output ready in the output block, error after them or None).
_Result = tuple[int, PayloadError | None]
_Work = Callable[[memoryview, memoryview, _Job], _Result]


def _pipeline(
    source: ReadInto,
    write: Callable[[memoryview], object],
    in_block: int,
    out_block: int,
    work: _Work,
    progress: Progress | None,
    count: Callable[[int, int], int],
) -> int:
    """Read blocks, run ``work`` on them in a pool, write the outputs in order.

    ``count(job_bytes_in, bytes_out)`` gives the plaintext size a finished block stands for.
    """
    ring = [(memoryview(bytearray(in_block)), memoryview(bytearray(out_block)))]
    free: deque[tuple[memoryview, memoryview]] = deque(ring)
    total = 0
    index = 0

    def emit(buffers: tuple[memoryview, memoryview], job: _Job, result: _Result) -> None:
        nonlocal total
        size, error = result
        if size:
            write(buffers[1][:size])
        total += count(job[1], size)
        if progress is not None and size:
            progress(total)
        if error is not None:
            raise error
        free.append(buffers)

    current = free.popleft()
    filled = source.readinto_full(current[0])
    if filled < in_block:  # a small payload: one block, no thread pool
        emit(current, (0, filled, True), work(current[0], current[1], (0, filled, True)))
        return total
    while len(ring) < _RING:
        ring.append((memoryview(bytearray(in_block)), memoryview(bytearray(out_block))))
        free.append(ring[-1])
    pending: deque[tuple[tuple[memoryview, memoryview], _Job, Future[_Result]]] = deque()
    with ThreadPoolExecutor(_worker_count(), thread_name_prefix="keyvault-age") as pool:
        try:
            while True:
                while not free:
                    emit(*_result(pending.popleft()))
                following = free.popleft()
                next_filled = source.readinto_full(following[0]) if filled == in_block else 0
                job = (index, filled, next_filled == 0)
                pending.append((current, job, pool.submit(work, current[0], current[1], job)))
                index += _BATCH  # every block but the last holds exactly _BATCH chunks
                if next_filled == 0:
                    free.appendleft(following)
                    break
                current, filled = following, next_filled
                while len(pending) > _IN_FLIGHT:
                    emit(*_result(pending.popleft()))
            while pending:
                emit(*_result(pending.popleft()))
        finally:
            for _, _, future in pending:
                future.cancel()
    return total


def _result(
    entry: tuple[tuple[memoryview, memoryview], _Job, Future[_Result]],
) -> tuple[tuple[memoryview, memoryview], _Job, _Result]:
    buffers, job, future = entry
    return buffers, job, future.result()


def _split(data: memoryview, job: _Job, chunk_size: int) -> Iterator[tuple[int, memoryview, bool]]:
    """The chunks of one batch as (chunk index in the file, its bytes, whether it must be
    the file's last chunk); a batch of size 0 is one empty chunk."""
    first, size, ends = job
    chunks = max(1, -(-size // chunk_size))
    for offset in range(chunks):
        start = offset * chunk_size
        yield (
            first + offset,
            data[start : min(size, start + chunk_size)],
            ends and offset == chunks - 1,
        )


def encrypt_payload(
    source: ReadInto,
    write: Callable[[memoryview], object],
    file_key: bytes,
    nonce: bytes,
    progress: Progress | None = None,
) -> int:
    """Seal all of ``source`` as STREAM chunks into ``write``; returns the plaintext size.

    The caller has already written ``nonce`` after the header.
    """
    aead = ChaCha20Poly1305(payload_key(file_key, nonce))

    def seal(data: memoryview, out: memoryview, job: _Job) -> _Result:
        position = 0
        for index, piece, last in _split(data, job, CHUNK_SIZE):
            end = position + len(piece) + TAG_SIZE
            aead.encrypt_into(_chunk_nonce(index, last), piece, None, out[position:end])
            position = end
        return position, None

    return _pipeline(
        source,
        write,
        _BATCH * CHUNK_SIZE,
        _BATCH * ENCRYPTED_CHUNK_SIZE,
        seal,
        progress,
        lambda size_in, _out: size_in,
    )


def _open_chunk(
    aead: ChaCha20Poly1305, index: int, data: memoryview, out: memoryview
) -> tuple[int, bool]:
    """Open one chunk into ``out``: (plaintext size, whether it is the last chunk)."""
    if len(data) < TAG_SIZE:
        raise PayloadError("the encrypted file is truncated")
    size = len(data) - TAG_SIZE
    target = out[:size]
    if len(data) < ENCRYPTED_CHUNK_SIZE:
        try:
            aead.decrypt_into(_chunk_nonce(index, True), data, None, target)
        except InvalidTag:
            raise PayloadError() from None
        if size == 0 and index > 0:
            raise PayloadError("the encrypted file ends with an invalid empty chunk")
        return size, True
    try:
        aead.decrypt_into(_chunk_nonce(index, False), data, None, target)
        return size, False
    except InvalidTag:
        pass
    try:
        aead.decrypt_into(_chunk_nonce(index, True), data, None, target)
    except InvalidTag:
        raise PayloadError() from None
    return size, True


def decrypt_payload(
    source: ReadInto,
    write: Callable[[memoryview], object],
    file_key: bytes,
    nonce: bytes,
    progress: Progress | None = None,
) -> int:
    """Open the STREAM chunks of ``source`` (after the nonce) into ``write``.

    Returns the plaintext size, or raises :class:`PayloadError` after writing every chunk
    that verified before the fault.
    """
    aead = ChaCha20Poly1305(payload_key(file_key, nonce))

    def open_block(data: memoryview, out: memoryview, job: _Job) -> _Result:
        position = 0
        for index, piece, at_end in _split(data, job, ENCRYPTED_CHUNK_SIZE):
            try:
                opened, is_last = _open_chunk(aead, index, piece, out[position:])
            except PayloadError as error:
                return position, error
            position += opened
            if is_last and not at_end:
                return position, PayloadError("the encrypted file has data after its end")
            if at_end and not is_last:
                return position, PayloadError("the encrypted file is truncated")
        return position, None

    return _pipeline(
        source,
        write,
        _BATCH * ENCRYPTED_CHUNK_SIZE,
        _BATCH * CHUNK_SIZE,
        open_block,
        progress,
        lambda _in, size_out: size_out,
    )
