"""Bytes to and from a destination for the engine: checked puts (read back by the
destination's wrappers), bounded reads, objects streamed straight into a decryptor,
the marker and ``key.age``, and copies fetched from another destination."""

from __future__ import annotations

import collections
import contextlib
import io
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from keyvault import layout
from keyvault.atomic import atomic_writer
from keyvault.destinations.base import Destination
from keyvault.destinations.wrappers import CheckedDestination
from keyvault.errors import (
    DamagedObjectError,
    DestinationError,
    ObjectNotFoundError,
)
from keyvault.vault.keystore import (
    encrypted_key_bytes,
)
from keyvault.vault.state import VersionRecord

from .reports import DestResult
from .run import CHUNK, HashSink, RunContext, as_binary, sha256

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = [
    "ChunkPipe",
    "delete",
    "download_checked",
    "ensure_key",
    "ensure_marker",
    "fetch_to_spool",
    "get_bytes",
    "get_into",
    "put_checked",
    "stream_object",
]


def get_into(
    dest: CheckedDestination,
    key: str,
    target: BinaryIO | None,
    limit: int,
    progress: Callable[[int, int | None], None] | None = None,
) -> HashSink:
    """Read at most ``limit`` bytes of ``key`` into ``target``, hashing them (retried by
    the destination's wrappers, never here)."""
    return dest.read_into(key, target, limit, progress)


def delete(dest: Destination, key: str) -> None:
    """``dest.delete`` (retried by the destination's wrappers)."""
    dest.delete(key)


def get_bytes(dest: CheckedDestination, key: str) -> bytes:
    """A marker, manifest or ``key.age``, read whole within a fixed cap."""
    return dest.read_small(key)


def put_checked(
    v: RunContext,
    dest: CheckedDestination,
    key: str,
    path: Path | None,
    data: bytes | None,
    sha256: str,
    result: DestResult,
    item: str | None = None,
) -> None:
    """Put a spool file or bytes, read back and compared by the destination's wrappers
    (a mismatch deletes the bad object and raises
    :class:`~keyvault.errors.ReadBackMismatchError`)."""
    size = path.stat().st_size if path is not None else len(data or b"")
    # Whatever local state says so far is durable before the destination changes: the
    # version (so an object orphaned by a crash is known to be ours), the generation.
    v.state.checkpoint()
    upload = v.byte_progress("upload", item, dest.name, size) if path is not None else None
    check = v.byte_progress("verify", item, dest.name, size) if path is not None else None
    with contextlib.ExitStack() as stack:
        # A seekable source at 0 that gives the same bytes after seek(0): the spool file
        # or the bytes in memory (base.py's contract), so no backend re-spools it.
        source: BinaryIO = (
            stack.enter_context(open(path, "rb")) if path is not None else io.BytesIO(data or b"")
        )
        dest.put_verified(key, source, size, sha256, upload, check)
    result.writes += 1
    result.bytes_written += size


def ensure_marker(v: RunContext, dest: CheckedDestination, result: DestResult) -> None:
    key = layout.marker_key(v.vault.id)
    try:
        dest.stat(key)
    except ObjectNotFoundError:
        data = layout.marker_document(v.vault.id, v.vault.created)
        put_checked(v, dest, key, None, data, sha256(data), result)


def ensure_key(
    v: RunContext, dest: CheckedDestination, result: DestResult, force: bool = False
) -> None:
    data = encrypted_key_bytes(v.home)
    sha = sha256(data)
    record = v.state.dest(dest.name)
    if not force and record is not None and record.key_sha256 == sha and record.key_ok:
        return
    if not force and record is not None and record.key_sha256 == sha:
        result.damage.append("its key.age was found missing or damaged; written again")
    put_checked(v, dest, v.key_key, None, data, sha, result)
    v.state.record_key(dest.name, sha, v.now)


def download_checked(
    v: RunContext, dest: CheckedDestination, object_id: str, stored_sha: str, size: int, item: str
) -> Path:
    spool = v.spool_path()
    with atomic_writer(spool) as handle:
        progress = v.byte_progress("download", item, dest.name, size)
        sink = get_into(dest, v.object_key(object_id), handle, size + 1, progress)
        if sink.sha256 != stored_sha:
            raise DamagedObjectError(f"the copy at {dest.name!r} is damaged (sha256 differs)")
    return spool


class ChunkPipe(io.RawIOBase):
    """A pipe between two threads of this process: one writes chunks, the other reads.

    It replaces an OS pipe where a destination's ``get`` (which writes) feeds a decryptor
    (which reads), or a decryptor feeds ``tarfile``: a chunk written as ``bytes`` is
    handed over as it is, anything else is copied once, so a byte costs one copy into
    the reader's buffer instead of a copy into the kernel and one out, and 1 MiB chunks
    cross in one step instead of sixteen 64 KiB pipe-fulls (each a system call and a
    switch between threads). At most ``capacity`` bytes wait in it: the writer blocks
    beyond that. The writer calls :meth:`end` when done; the reader then sees end of
    file. When the reader leaves early (:meth:`abandon`), later writes are dropped, so
    the writer finishes its object (hashing it) without the reader.
    """

    def __init__(self, capacity: int = 4 * CHUNK) -> None:
        super().__init__()
        #: What the writer of :meth:`written_by` raised, if anything.
        self.failure: BaseException | None = None
        self._capacity = capacity
        self._chunks: collections.deque[memoryview] = collections.deque()
        self._buffered = 0
        self._ended = False
        self._abandoned = False
        self._changed = threading.Condition()

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(data).cast("B")
        count = len(view)
        if not count:
            return 0
        if not isinstance(view.obj, bytes):
            view = memoryview(bytes(view))  # the writer may reuse its buffer
        with self._changed:
            while self._buffered >= self._capacity and not self._abandoned:
                self._changed.wait()
            if not self._abandoned:
                self._chunks.append(view)
                self._buffered += count
                self._changed.notify_all()
        return count

    def end(self) -> None:
        """The writer is done: the reader sees end of file after what is buffered."""
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    def abandon(self) -> None:
        """The reader is done: buffered and later chunks are dropped."""
        with self._changed:
            self._abandoned = True
            self._chunks.clear()
            self._buffered = 0
            self._changed.notify_all()

    @contextlib.contextmanager
    def written_by(self, write: Callable[[], object], name: str) -> Iterator[None]:
        """Run ``write`` (which writes into this pipe) in a thread named ``name`` while the
        block reads. The pipe ends when ``write`` returns or raises (kept in
        :attr:`failure` for the reader to report); on leaving the block the reader is done
        (:meth:`abandon`) and the thread joined."""

        def run() -> None:
            try:
                write()
            except BaseException as exc:  # reported by the reader
                self.failure = exc
            finally:
                self.end()

        worker = threading.Thread(target=run, name=name, daemon=True)
        worker.start()
        try:
            yield
        finally:
            self.abandon()
            worker.join()

    def readinto(self, buffer: WriteableBuffer) -> int:
        """Fill ``buffer`` from what is buffered, waiting only while nothing is; 0 at end."""
        target = memoryview(buffer).cast("B")
        with self._changed:
            while not self._chunks and not self._ended and not self._abandoned:
                self._changed.wait()
            filled = 0
            while self._chunks and filled < len(target):
                head = self._chunks[0]
                count = min(len(head), len(target) - filled)
                target[filled : filled + count] = head[:count]
                filled += count
                if count == len(head):
                    self._chunks.popleft()
                else:
                    self._chunks[0] = head[count:]
            self._buffered -= filled
            self._changed.notify_all()
        return filled


@contextlib.contextmanager
def stream_object(
    dest: CheckedDestination,
    key: str,
    size: int,
    stored_sha: str,
    progress: Callable[[int, int | None], None] | None = None,
) -> Iterator[BinaryIO]:
    """The stored object ``key`` as a readable stream, straight from the destination (no
    spool): a thread reads it (at most ``size`` + 1 bytes) into a :class:`ChunkPipe`,
    hashing it.

    On leaving the block the rest of the object is read and hashed (not kept) and the
    thread joined; when the object's sha256 or size differs from ``stored_sha``/``size``,
    :class:`~keyvault.errors.DamagedObjectError` is raised (it replaces an error from the
    block: a damaged object is the cause). So whatever the block wrote atomically is
    committed only when the object was intact. A read cut halfway is resumed by the
    destination's wrappers after the bytes already handed over (a pipe cannot be
    rewound); a read that keeps failing raises the destination's error.
    """
    pipe = ChunkPipe()
    found: list[HashSink] = []
    try:
        with pipe.written_by(
            lambda: found.append(dest.read_into(key, as_binary(pipe), size + 1, progress)),
            "keyvault-object-reader",
        ):
            yield as_binary(pipe)  # the rest is read and hashed, whatever the block did
    finally:
        intact = bool(found) and found[0].size == size and found[0].sha256 == stored_sha
        if pipe.failure is not None and not isinstance(pipe.failure, DamagedObjectError):
            raise pipe.failure
        if not intact:
            raise DamagedObjectError(
                f"the copy at {dest.name!r} is damaged (sha256 differs)"
            ) from None


def fetch_to_spool(
    v: RunContext, record: VersionRecord, sources: Sequence[CheckedDestination], exclude: str
) -> Path | None:
    """Download a good copy of ``record`` from another destination into the spool."""
    good = {c.dest for c in v.state.copies_of(record.object_id) if c.ok}
    for source in sources:
        if source.name == exclude or source.name not in good:
            continue
        try:
            spool = download_checked(
                v, source, record.object_id, record.stored_sha256, record.stored_size, record.item
            )
        except DestinationError as exc:
            v.state.record_check(
                source.name,
                record.object_id,
                v.now,
                level="intact",
                ok=False,
                error=exc.message,
            )
            continue
        return spool
    return None
