"""The age payload: STREAM of 64 KiB ChaCha20-Poly1305 chunks, sealed on several cores.

Chunk ``i`` is sealed under the payload key with the nonce ``i`` (11 bytes, big-endian)
followed by a flag byte, 1 for the last chunk and 0 otherwise.

Speed and memory: three stages overlap on all cores. A reader thread fills blocks of
``_BATCH`` chunks with ``readinto`` from a small ring of preallocated buffers; a thread
pool seals or opens the chunks of each block with ``encrypt_into``/``decrypt_into``
(``cryptography`` >= 50 releases the GIL there); the calling thread writes finished blocks
in order. Reading and writing (kernel copies) each take about as long as the crypto, so
each has its own thread. No per-chunk allocation happens, and memory is constant:
``_RING`` blocks of about 1 MiB in and out, whatever the file size.

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
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from queue import SimpleQueue
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
_RING = 6  # blocks in memory: being read, read ahead, in the pool, being written

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


# A block's input and output buffers.
_Buffers = tuple[memoryview, memoryview]
# A job: (first chunk index, bytes in the input block, whether the input ends with it).
_Job = tuple[int, int, bool]
# Its result: (bytes of output ready in the output block, error after them or None).
_Result = tuple[int, PayloadError | None]
_Work = Callable[[memoryview, memoryview, _Job], _Result]
# What the reader hands the writer: a block in the works, the end (None), or its error.
_Ready = tuple[_Buffers, _Job, Future[_Result]] | BaseException | None


def _new_buffers(in_block: int, out_block: int) -> _Buffers:
    return memoryview(bytearray(in_block)), memoryview(bytearray(out_block))


def _read_blocks(
    source: ReadInto,
    current: _Buffers,
    filled: int,
    free: SimpleQueue[_Buffers | None],
    ready: SimpleQueue[_Ready],
    submit: Callable[[_Buffers, _Job], Future[_Result]],
) -> None:
    """The reader thread: fill free blocks in order and hand each to the pool and the writer.

    A block is known to be the last one when the next read finds end of input, so one
    block is always read ahead. Stops at end of input, at a ``None`` in ``free`` (the
    writer gave up) or at an error, which it passes to the writer.
    """
    try:
        index = 0
        while True:
            following = free.get()
            if following is None:
                return
            next_filled = source.readinto_full(following[0]) if filled == len(current[0]) else 0
            job = (index, filled, next_filled == 0)
            ready.put((current, job, submit(current, job)))
            if next_filled == 0:
                ready.put(None)
                return
            index += _BATCH  # every block but the last holds exactly _BATCH chunks
            current, filled = following, next_filled
    except BaseException as error:  # handed to the writer, which raises it
        ready.put(error)


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

    Three stages overlap: a reader thread fills input blocks (:func:`_read_blocks`), the
    pool seals or opens them, and the calling thread writes the finished blocks in order,
    reports progress and raises the first error. ``count(job_bytes_in, bytes_out)`` gives
    the plaintext size a finished block stands for.

    On an error the reader is told to stop but not waited for: it may be blocked reading
    a pipe, and it stops at its next block (its buffers are its own).
    """
    total = 0

    def emit(buffers: _Buffers, job: _Job, result: _Result) -> None:
        nonlocal total
        size, error = result
        if size:
            write(buffers[1][:size])
        total += count(job[1], size)
        if progress is not None and size:
            progress(total)
        if error is not None:
            raise error

    first = _new_buffers(in_block, out_block)
    filled = source.readinto_full(first[0])
    if filled < in_block:  # a small payload: one block, no threads
        job = (0, filled, True)
        emit(first, job, work(first[0], first[1], job))
        return total
    free: SimpleQueue[_Buffers | None] = SimpleQueue()
    for _ in range(_RING - 1):
        free.put(_new_buffers(in_block, out_block))
    ready: SimpleQueue[_Ready] = SimpleQueue()
    with ThreadPoolExecutor(_worker_count(), thread_name_prefix="keyvault-age") as pool:

        def submit(buffers: _Buffers, job: _Job) -> Future[_Result]:
            return pool.submit(work, buffers[0], buffers[1], job)

        reader = threading.Thread(
            target=_read_blocks,
            args=(source, first, filled, free, ready, submit),
            name="keyvault-age-reader",
            daemon=True,
        )
        reader.start()
        try:
            while (item := ready.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                buffers, job, future = item
                emit(buffers, job, future.result())
                free.put(buffers)
        except BaseException:
            free.put(None)
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    reader.join()
    return total


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
