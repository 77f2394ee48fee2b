"""Behaviour that wraps any destination instead of being copied into each one.

- :class:`RetryingDestination`: retries :class:`~keyvault.errors.RetryableDestinationError`
  with exponential back-off (as restic's ``backend/retry``); other errors pass at once.
- :func:`put_verified`: put, read back, compare sha256 and size (principle 3: a copy
  counts only when verified).
- :func:`hash_object`: download and hash one object (``verify``'s "intact" check).
- :class:`DryRunDestination`: reads pass through, writes are only recorded.
"""

from __future__ import annotations

import hashlib
import io
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, TypeVar, cast

from keyvault.errors import ReadBackMismatchError, RetryableDestinationError

from .base import Destination, MediaKind, ObjectInfo, ProgressCallback, check_key

__all__ = [
    "DryRunDestination",
    "RetryingDestination",
    "VerifiedPut",
    "hash_object",
    "put_verified",
]

T = TypeVar("T")

#: Called before each retry with (operation, attempt number that failed, delay, error).
RetryCallback = Callable[[str, int, float, RetryableDestinationError], None]

_CHUNK = 1 << 20


class RetryingDestination:
    """A destination that retries temporary failures of ``inner`` with back-off.

    A put is retried only when ``source`` can seek back to where it started, a get only
    when ``sink`` can be rewound and truncated; otherwise the first error is raised.
    """

    def __init__(
        self,
        inner: Destination,
        *,
        attempts: int = 4,
        base_delay: float = 0.5,
        max_delay: float = 8.0,
        jitter: bool = True,
        sleep: Callable[[float], None] = time.sleep,
        on_retry: RetryCallback | None = None,
    ) -> None:
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self._inner = inner
        self._attempts = attempts
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._jitter = jitter
        self._sleep = sleep
        self._on_retry = on_retry

    def __repr__(self) -> str:
        return f"RetryingDestination({self._inner!r})"

    @property
    def inner(self) -> Destination:
        """The wrapped destination."""
        return self._inner

    @property
    def name(self) -> str:
        return self._inner.name

    @property
    def media(self) -> MediaKind:
        return self._inner.media

    @property
    def offsite(self) -> bool:
        return self._inner.offsite

    @property
    def offline(self) -> bool:
        return self._inner.offline

    @property
    def immutable(self) -> bool:
        return self._inner.immutable

    def delay(self, attempt: int) -> float:
        """The pause after failed attempt number ``attempt`` (1-based)."""
        delay = min(self._max_delay, self._base_delay * 2 ** (attempt - 1))
        # Full jitter keeps many clients from retrying in step.
        return random.uniform(delay / 2, delay) if self._jitter else delay

    def _call(
        self, operation: str, call: Callable[[], T], rewind: Callable[[], bool] | None = None
    ) -> T:
        attempt = 1
        while True:
            try:
                return call()
            except RetryableDestinationError as error:
                if attempt >= self._attempts or (rewind is not None and not rewind()):
                    raise
                pause = self.delay(attempt)
                if self._on_retry is not None:
                    self._on_retry(operation, attempt, pause, error)
                self._sleep(pause)
                attempt += 1

    def location_id(self) -> str:
        return self._call("location_id", self._inner.location_id)

    def check_available(self) -> None:
        self._call("check_available", self._inner.check_available)

    def put(
        self, key: str, source: BinaryIO, size: int, progress: ProgressCallback | None = None
    ) -> ObjectInfo:
        start = source.tell() if source.seekable() else None

        def rewind() -> bool:
            if start is None:
                return False
            source.seek(start)
            return True

        return self._call("put", lambda: self._inner.put(key, source, size, progress), rewind)

    def get(self, key: str, sink: BinaryIO, progress: ProgressCallback | None = None) -> ObjectInfo:
        start = sink.tell() if sink.seekable() else None

        def rewind() -> bool:
            if start is None:
                return False
            sink.seek(start)
            sink.truncate()
            return True

        return self._call("get", lambda: self._inner.get(key, sink, progress), rewind)

    def stat(self, key: str) -> ObjectInfo:
        return self._call("stat", lambda: self._inner.stat(key))

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        # Materialized, so that a failure halfway through is retried as a whole.
        return iter(self._call("list", lambda: [*self._inner.list(prefix)]))

    def delete(self, key: str) -> None:
        self._call("delete", lambda: self._inner.delete(key))


# --- hashing helpers ----------------------------------------------------------------------


class _HashingSink(io.RawIOBase):
    """A write-only stream that keeps only a sha256 and a byte count."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self.digest.update(data)
        self.size += len(data)
        return len(data)


class _HashingSource(io.RawIOBase):
    """Reads from ``source`` and hashes what was read (for sources that cannot seek)."""

    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self._source.read(len(buffer))
        buffer[: len(chunk)] = chunk
        self.digest.update(chunk)
        return len(chunk)


def hash_object(
    destination: Destination, key: str, progress: ProgressCallback | None = None
) -> tuple[str, int]:
    """Download ``key`` and return (sha256 hex, size) without keeping the bytes."""
    sink = _HashingSink()
    destination.get(key, cast(BinaryIO, sink), progress)
    return sink.digest.hexdigest(), sink.size


def _hash_seekable(source: BinaryIO, size: int) -> str:
    start = source.tell()
    digest = hashlib.sha256()
    remaining = size
    while remaining > 0:
        chunk = source.read(min(_CHUNK, remaining))
        if not chunk:
            break
        digest.update(chunk)
        remaining -= len(chunk)
    source.seek(start)
    return digest.hexdigest()


@dataclass(frozen=True)
class VerifiedPut:
    """An object that was written and read back intact."""

    info: ObjectInfo
    #: sha256 of the stored bytes, lowercase hex.
    sha256: str


def put_verified(
    destination: Destination,
    key: str,
    source: BinaryIO,
    size: int,
    *,
    expected_sha256: str | None = None,
    progress: ProgressCallback | None = None,
) -> VerifiedPut:
    """Put ``size`` bytes of ``source`` under ``key``, read them back and compare sha256.

    ``expected_sha256`` (when the caller already hashed the bytes) is what the read-back
    must match; otherwise the source is hashed on the way. Raises
    :class:`~keyvault.errors.ReadBackMismatchError` when the stored copy differs; the bad
    object is left for the caller to delete or overwrite.
    """
    check_key(key)
    if expected_sha256 is not None:
        expected = expected_sha256.lower()
        info = destination.put(key, source, size, progress)
    elif source.seekable():
        expected = _hash_seekable(source, size)
        info = destination.put(key, source, size, progress)
    else:
        hashing = _HashingSource(source)
        info = destination.put(key, io.BufferedReader(hashing, _CHUNK), size, progress)
        expected = hashing.digest.hexdigest()
    actual, stored_size = hash_object(destination, key)
    if stored_size != size or actual != expected:
        raise ReadBackMismatchError(
            f"{key} at {destination.name!r}: read back {stored_size} bytes with another "
            f"sha256 than the {size} bytes written"
        )
    return VerifiedPut(info, actual)


# --- dry run ------------------------------------------------------------------------------


@dataclass
class DryRunDestination:
    """Reads go to ``inner``; puts and deletes are recorded in ``planned``, never done."""

    inner: Destination
    planned: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def media(self) -> MediaKind:
        return self.inner.media

    @property
    def offsite(self) -> bool:
        return self.inner.offsite

    @property
    def offline(self) -> bool:
        return self.inner.offline

    @property
    def immutable(self) -> bool:
        return self.inner.immutable

    def location_id(self) -> str:
        return self.inner.location_id()

    def check_available(self) -> None:
        self.inner.check_available()

    def put(
        self, key: str, source: BinaryIO, size: int, progress: ProgressCallback | None = None
    ) -> ObjectInfo:
        check_key(key)
        self.planned.append(("put", key, size))
        return ObjectInfo(key, size, None)

    def get(self, key: str, sink: BinaryIO, progress: ProgressCallback | None = None) -> ObjectInfo:
        return self.inner.get(key, sink, progress)

    def stat(self, key: str) -> ObjectInfo:
        return self.inner.stat(key)

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        return self.inner.list(prefix)

    def delete(self, key: str) -> None:
        check_key(key)
        self.planned.append(("delete", key, 0))
