"""An in-memory destination, for tests of everything that sits above the protocol.

It keeps the full :class:`~keyvault.destinations.base.Destination` contract (atomic put,
key order, idempotent delete, typed errors) and adds knobs that real storage offers only
by accident: make it unavailable, give it a capacity, queue an error for the next call of
an operation (for a get, optionally after a part of the object: a read cut halfway), or
flip a byte of a stored object.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import BinaryIO, Literal

from keyvault.errors import (
    DestinationError,
    DestinationFullError,
    DestinationPermissionError,
    DestinationUnavailableError,
    ObjectNotFoundError,
)

from .base import (
    DestinationTraits,
    MediaKind,
    ObjectInfo,
    ProgressCallback,
    TraitProperties,
    check_key,
    read_exactly,
    refuse_larger,
)

__all__ = ["CHUNK_SIZE", "MemoryDestination", "Operation"]

CHUNK_SIZE = 1 << 20

Operation = Literal["put", "get", "stat", "list", "delete", "location_id", "check_available"]

_counter = itertools.count(1)


class MemoryDestination(TraitProperties):
    """A destination whose objects live in a dict (lost when the process ends)."""

    def __init__(
        self,
        name: str = "mem",
        media: MediaKind = "internal",
        offsite: bool = False,
        *,
        offline: bool = False,
        immutable: bool = False,
        location: str | None = None,
        capacity: int | None = None,
    ) -> None:
        """``location`` names the physical place (two destinations sharing it count once);
        by default every instance is a place of its own. ``capacity`` limits the total
        stored bytes (a put beyond it raises :class:`DestinationFullError`)."""
        self._traits = DestinationTraits(name, media, offsite, offline)
        self._immutable = immutable
        self._location = location or f"memory:{next(_counter)}"
        self.capacity = capacity
        self.available = True
        self._objects: dict[str, tuple[bytes, float]] = {}
        #: operation -> queued (error, bytes a get writes before it raises it)
        self._faults: dict[str, deque[tuple[DestinationError, int]]] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MemoryDestination(name={self.name!r}, objects={len(self._objects)})"

    # --- properties -----------------------------------------------------------------

    @property
    def immutable(self) -> bool:
        return self._immutable

    # --- test knobs -----------------------------------------------------------------

    def fail_next(self, operation: Operation, error: DestinationError, *, after: int = 0) -> None:
        """Raise ``error`` from the next call of ``operation`` (queued, one per call); a
        get first writes the object's first ``after`` bytes to its sink (a cut read)."""
        if after and operation != "get":
            raise ValueError("only a get can fail after some bytes")
        self._faults.setdefault(operation, deque()).append((error, after))

    def corrupt(self, key: str, offset: int = 0) -> None:
        """Flip one bit of a stored object, as bit rot would (the size stays the same)."""
        data, modified = self._objects[check_key(key)]
        if not data:
            raise ValueError("cannot corrupt an empty object")
        changed = bytearray(data)
        changed[offset % len(changed)] ^= 0x01
        self._objects[key] = (bytes(changed), modified)

    def used_bytes(self) -> int:
        """The total size of the stored objects."""
        return sum(len(data) for data, _ in self._objects.values())

    # --- the protocol ---------------------------------------------------------------

    def _enter(self, operation: Operation) -> int | None:
        """Raise the queued fault of ``operation``, or return how many bytes a get writes
        before raising it (None: no fault, a whole get)."""
        queue = self._faults.get(operation)
        if queue and not queue[0][1]:
            raise queue.popleft()[0]
        if not self.available:
            raise DestinationUnavailableError(f"destination {self.name!r} is not available")
        return queue[0][1] if queue else None

    def location_id(self) -> str:
        self._enter("location_id")
        return self._location

    def check_available(self) -> None:
        self._enter("check_available")

    def put(
        self,
        key: str,
        source: BinaryIO,
        size: int,
        progress: ProgressCallback | None = None,
        *,
        sha256: str | None = None,
    ) -> ObjectInfo:
        check_key(key)
        if size < 0:
            raise ValueError("size must not be negative")
        self._enter("put")
        data = b"".join(read_exactly(source.read, size, progress, CHUNK_SIZE))
        with self._lock:
            # An immutable store (B2 Object Lock) accepts a new version of a name; only
            # deleting is refused, so overwriting is allowed here too.
            old = self._objects.get(key)
            if self.capacity is not None:
                in_use = self.used_bytes() - (len(old[0]) if old else 0)
                if in_use + len(data) > self.capacity:
                    raise DestinationFullError(f"destination {self.name!r} is full")
            modified = time.time()
            self._objects[key] = (data, modified)
        return ObjectInfo(key, len(data), modified)

    def get(
        self,
        key: str,
        sink: BinaryIO,
        progress: ProgressCallback | None = None,
        *,
        limit: int | None = None,
    ) -> ObjectInfo:
        check_key(key)
        cut = self._enter("get")
        try:
            data, modified = self._objects[key]
        except KeyError:
            raise ObjectNotFoundError(f"object {key} is missing at {self.name!r}") from None
        refuse_larger(len(data), limit)
        if cut is not None:
            sink.write(data[:cut])
            if progress is not None:
                progress(min(cut, len(data)), len(data))
            raise self._faults["get"].popleft()[0]
        for start in range(0, len(data), CHUNK_SIZE):
            sink.write(data[start : start + CHUNK_SIZE])
            if progress is not None:
                progress(min(start + CHUNK_SIZE, len(data)), len(data))
        if progress is not None and not data:
            progress(0, 0)
        return ObjectInfo(key, len(data), modified)

    def stat(self, key: str) -> ObjectInfo:
        check_key(key)
        self._enter("stat")
        try:
            data, modified = self._objects[key]
        except KeyError:
            raise ObjectNotFoundError(f"object {key} is missing at {self.name!r}") from None
        return ObjectInfo(key, len(data), modified)

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        self._enter("list")
        with self._lock:
            found = [
                ObjectInfo(key, len(data), modified)
                for key, (data, modified) in self._objects.items()
                if key.startswith(prefix)
            ]
        return iter(sorted(found, key=lambda info: info.key))

    def delete(self, key: str) -> None:
        check_key(key)
        self._enter("delete")
        with self._lock:
            if self._immutable and key in self._objects:
                raise DestinationPermissionError(f"object {key} is immutable at {self.name!r}")
            self._objects.pop(key, None)
