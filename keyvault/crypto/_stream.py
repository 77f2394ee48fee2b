"""The age payload: STREAM of 64 KiB ChaCha20-Poly1305 chunks, encrypted on several cores.

Chunk ``i`` is sealed under the payload key with the nonce ``i`` (11 bytes, big-endian)
followed by a flag byte, 1 for the last chunk and 0 otherwise. Chunks are independent, so
batches of them are sealed or opened in a small thread pool (``cryptography`` releases
the GIL inside the AEAD) while the calling thread reads and writes in order. Memory stays
constant: at most ``_IN_FLIGHT`` batches of ``_BATCH_CHUNKS`` chunks exist at once.

Decryption rules (C2SP age "Payload", pinned down by the CCTV vectors): a short chunk must
open as the last one; a full chunk is tried as not-last, then as last; a last chunk must
be followed by end of file; end of file without a last chunk is truncation; an empty last
chunk is allowed only as the only chunk. Each verified chunk is written out as soon as it
and every chunk before it are verified, so a caller must treat output written before an
error as void (the file functions write to a temp file and delete it on error).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from keyvault.errors import PayloadError

from ._primitives import hkdf_sha256

__all__ = ["CHUNK_SIZE", "ENCRYPTED_CHUNK_SIZE", "decrypt_payload", "encrypt_payload"]

CHUNK_SIZE = 64 * 1024
TAG_SIZE = 16
ENCRYPTED_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE
NONCE_SIZE = 16
_BATCH_CHUNKS = 16
_IN_FLIGHT = 4

Progress = Callable[[int], None]


def _worker_count() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def payload_key(file_key: bytes, nonce: bytes) -> bytes:
    """HKDF-SHA-256(file key, salt = payload nonce, info = "payload")."""
    return hkdf_sha256(file_key, nonce, b"payload")


def _chunk_nonce(index: int, last: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def _pieces(read: Callable[[int], bytes], size: int) -> Iterator[tuple[bytes, bool]]:
    """(piece, nothing follows it) for consecutive ``size``-byte reads, one read ahead."""
    current = read(size)
    while True:
        if len(current) < size:
            yield current, True
            return
        following = read(size)
        if not following:
            yield current, True
            return
        yield current, False
        current = following


_Batch = list[tuple[int, bytes, bool]]
_Result = tuple[list[bytes], PayloadError | None]


def _batches(pieces: Iterator[tuple[bytes, bool]]) -> Iterator[_Batch]:
    batch: _Batch = []
    for index, (piece, at_end) in enumerate(pieces):
        batch.append((index, piece, at_end))
        if len(batch) == _BATCH_CHUNKS:
            yield batch
            batch = []
    if batch:
        yield batch


def _run_ordered(
    batches: Iterator[_Batch],
    work: Callable[[_Batch], _Result],
    write: Callable[[bytes], object],
    progress: Progress | None,
    count: Callable[[bytes], int],
) -> int:
    """Run ``work`` on batches (in a pool after the first) and write results in order."""
    total = 0

    def emit(result: _Result) -> None:
        nonlocal total
        outputs, error = result
        for data in outputs:
            write(data)
            total += count(data)
        if progress is not None and outputs:
            progress(total)
        if error is not None:
            raise error

    first = next(batches)
    second = next(batches, None)
    if second is None:  # a small payload: no thread pool
        emit(work(first))
        return total
    with ThreadPoolExecutor(_worker_count(), thread_name_prefix="keyvault-age") as pool:
        pending: deque[Future[_Result]] = deque()
        try:
            pending.append(pool.submit(work, first))
            pending.append(pool.submit(work, second))
            for batch in batches:
                while len(pending) >= _IN_FLIGHT:
                    emit(pending.popleft().result())
                pending.append(pool.submit(work, batch))
            while pending:
                emit(pending.popleft().result())
        finally:
            for future in pending:
                future.cancel()
    return total


def encrypt_payload(
    read: Callable[[int], bytes],
    write: Callable[[bytes], object],
    file_key: bytes,
    nonce: bytes,
    progress: Progress | None = None,
) -> int:
    """Seal everything ``read`` yields, writing ciphertext chunks; returns plaintext size.

    ``read(n)`` must return exactly ``n`` bytes except at end of input. The caller has
    already written ``nonce`` after the header.
    """
    aead = ChaCha20Poly1305(payload_key(file_key, nonce))

    def seal(batch: _Batch) -> _Result:
        return [aead.encrypt(_chunk_nonce(i, last), data, None) for i, data, last in batch], None

    return _run_ordered(
        _batches(_pieces(read, CHUNK_SIZE)), seal, write, progress, lambda c: len(c) - TAG_SIZE
    )


def _open_chunk(aead: ChaCha20Poly1305, index: int, data: bytes) -> tuple[bytes, bool]:
    """(plaintext, whether it is the last chunk) for one chunk, or PayloadError.

    Trailing data and truncation after a chunk that verified are reported by the caller
    after releasing that chunk, as the reference implementations do.
    """
    if len(data) < TAG_SIZE:
        raise PayloadError("the encrypted file is truncated")
    if len(data) < ENCRYPTED_CHUNK_SIZE:
        try:
            plaintext = aead.decrypt(_chunk_nonce(index, True), data, None)
        except InvalidTag:
            raise PayloadError() from None
        if not plaintext and index > 0:
            raise PayloadError("the encrypted file ends with an invalid empty chunk")
        return plaintext, True
    try:
        return aead.decrypt(_chunk_nonce(index, False), data, None), False
    except InvalidTag:
        pass
    try:
        return aead.decrypt(_chunk_nonce(index, True), data, None), True
    except InvalidTag:
        raise PayloadError() from None


def decrypt_payload(
    read: Callable[[int], bytes],
    write: Callable[[bytes], object],
    file_key: bytes,
    nonce: bytes,
    progress: Progress | None = None,
) -> int:
    """Open the chunks ``read`` yields (after the nonce), writing verified plaintext.

    Returns the plaintext size, or raises :class:`PayloadError` after writing every chunk
    that verified before the fault.
    """
    aead = ChaCha20Poly1305(payload_key(file_key, nonce))

    def open_batch(batch: _Batch) -> _Result:
        outputs: list[bytes] = []
        for index, data, at_end in batch:
            try:
                plaintext, is_last = _open_chunk(aead, index, data)
            except PayloadError as error:
                return outputs, error
            outputs.append(plaintext)
            if is_last and not at_end:
                return outputs, PayloadError("the encrypted file has data after its end")
            if at_end and not is_last:
                return outputs, PayloadError("the encrypted file is truncated")
        return outputs, None

    return _run_ordered(
        _batches(_pieces(read, ENCRYPTED_CHUNK_SIZE)), open_batch, write, progress, len
    )
