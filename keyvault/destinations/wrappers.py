"""Behaviour that wraps any destination instead of being copied into each one.

:func:`wrap` applies the one stack every engine run talks through (``open_destinations``
calls it once per destination; nothing else retries, re-reads or bounds)::

    CheckedDestination        bounded reads, put + read-back verification
      RetryingDestination     retry with back-off, one attempt budget per destination
        DryRunDestination     (dry runs only) writes recorded, never done
          the backend         local folder, B2, memory: moves bytes, maps errors

- :class:`RetryingDestination`: retries :class:`~keyvault.errors.RetryableDestinationError`
  with exponential back-off (as restic's ``backend/retry``); other errors pass at once.
  A get that fails halfway into a sink that cannot be rewound (a pipe: restore and deep
  verification stream the object into the decryptor) is resumed: the next attempt's
  bytes the sink already has are dropped, so each byte reaches it once, in order.
  With an :class:`AttemptBudget` every retry of the run draws from one total, so an
  operation that fails every time costs at most :data:`DEFAULT_ATTEMPTS` attempts and a
  flaky destination at most ``budget`` retries in a run, then
  :class:`~keyvault.errors.DestinationRetriesExhaustedError` (that destination fails,
  the others go on).
- :class:`CheckedDestination`: reads bounded by what the caller expects (the recorded
  size + 1, or :data:`SMALL_OBJECT_CAP` for markers, manifests and ``key.age``), and
  :meth:`CheckedDestination.put_verified`: put, read back, compare sha256 and size
  (principle 3: a copy counts only when verified).
- :class:`DryRunDestination`: reads pass through, writes are only recorded.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import random
import time
from collections.abc import Callable, Iterator
from typing import BinaryIO, TypeVar, cast

from keyvault.errors import (
    DamagedObjectError,
    DestinationError,
    DestinationRetriesExhaustedError,
    ReadBackMismatchError,
    RetryableDestinationError,
)

from .base import (
    Destination,
    MediaKind,
    ObjectInfo,
    ProgressCallback,
    check_key,
    refuse_larger,
)

__all__ = [
    "DEFAULT_ATTEMPTS",
    "DEFAULT_BUDGET",
    "SMALL_OBJECT_CAP",
    "AttemptBudget",
    "CheckedDestination",
    "DryRunDestination",
    "HashingSink",
    "RetryingDestination",
    "wrap",
]

T = TypeVar("T")

#: Called before each retry with (operation, attempt number that failed, delay, error).
RetryCallback = Callable[[str, int, float, RetryableDestinationError], None]

#: Attempts of one operation (the first try included).
DEFAULT_ATTEMPTS = 4
#: Retries, across every operation, that one destination may use up in one run.
DEFAULT_BUDGET = 10
#: The most a marker, a manifest or ``key.age`` may hold; anything larger is damaged.
SMALL_OBJECT_CAP = 64 << 20


class AttemptBudget:
    """A total of retries shared by every operation on one destination during one run
    (first tries are free: a healthy destination never draws on it)."""

    def __init__(self, total: int = DEFAULT_BUDGET) -> None:
        if total < 0:
            raise ValueError("a budget cannot be negative")
        self.total = total
        self.used = 0

    def take(self) -> bool:
        """Use one retry; ``False`` when none is left."""
        if self.used >= self.total:
            return False
        self.used += 1
        return True


class _InnerTraits:
    """The protocol's descriptive properties, read from ``self._inner``."""

    _inner: Destination

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


class RetryingDestination(_InnerTraits):
    """A destination that retries temporary failures of ``inner`` with back-off.

    A put is retried only when ``source`` can seek back to where it started; otherwise
    the first error is raised. A get into a sink that can be rewound and truncated starts
    over there; into any other sink it resumes after the bytes the sink already has
    (:class:`_Resuming`). Either way the caller's sha256 check covers the result.
    """

    def __init__(
        self,
        inner: Destination,
        *,
        attempts: int = DEFAULT_ATTEMPTS,
        base_delay: float = 0.5,
        max_delay: float = 8.0,
        jitter: bool = True,
        sleep: Callable[[float], None] | None = None,
        on_retry: RetryCallback | None = None,
        budget: AttemptBudget | None = None,
    ) -> None:
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self._budget = budget
        self._inner = inner
        self._attempts = attempts
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._jitter = jitter
        # Looked up at call time, so a patched ``time.sleep`` (benchmarks) applies.
        self._sleep = sleep if sleep is not None else lambda pause: time.sleep(pause)
        self._on_retry = on_retry

    def __repr__(self) -> str:
        return f"RetryingDestination({self._inner!r})"

    @property
    def inner(self) -> Destination:
        """The wrapped destination."""
        return self._inner

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
                if self._budget is not None and not self._budget.take():
                    raise DestinationRetriesExhaustedError(
                        f"destination {self.name!r} kept failing: gave up after "
                        f"{self._budget.total} retries in this run ({error.message})"
                    ) from None
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
        self,
        key: str,
        source: BinaryIO,
        size: int,
        progress: ProgressCallback | None = None,
        *,
        sha256: str | None = None,
    ) -> ObjectInfo:
        start = source.tell() if source.seekable() else None

        def rewind() -> bool:
            if start is None:
                return False
            source.seek(start)
            return True

        return self._call(
            "put", lambda: self._inner.put(key, source, size, progress, sha256=sha256), rewind
        )

    def get(
        self,
        key: str,
        sink: BinaryIO,
        progress: ProgressCallback | None = None,
        *,
        limit: int | None = None,
    ) -> ObjectInfo:
        if sink.seekable():
            start = sink.tell()

            def rewind() -> bool:
                sink.seek(start)
                sink.truncate()
                return True

            return self._call(
                "get", lambda: self._inner.get(key, sink, progress, limit=limit), rewind
            )
        resuming = _Resuming(sink, progress)
        target = cast(BinaryIO, resuming)
        return self._call(
            "get",
            lambda: self._inner.get(key, target, resuming.progress, limit=limit),
            resuming.restart,
        )

    def stat(self, key: str) -> ObjectInfo:
        return self._call("stat", lambda: self._inner.stat(key))

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        # Materialized, so that a failure halfway through is retried as a whole.
        return iter(self._call("list", lambda: [*self._inner.list(prefix)]))

    def delete(self, key: str) -> None:
        self._call("delete", lambda: self._inner.delete(key))


class _Resuming(io.RawIOBase):
    """A get's sink that cannot be rewound (a pipe), seen across attempts of one get.

    Each attempt writes the object from its first byte; what ``sink`` already received
    (:attr:`delivered` bytes) is dropped, the rest passed on. So a read cut after N bytes
    resumes at byte N: nothing reaches ``sink`` twice, nothing is skipped. (Were the
    object replaced between attempts, the caller's sha256 check of what ``sink`` got
    fails: it never passes as a copy.)
    """

    def __init__(self, sink: BinaryIO, progress: ProgressCallback | None) -> None:
        super().__init__()
        self._sink = sink
        self._progress = progress
        self.delivered = 0
        self._position = 0
        self._reported = -1

    def progress(self, done: int, total: int | None) -> None:
        """The inner get's progress, passed on only past what was reported before (so a
        resumed read does not seem to go back)."""
        if self._progress is not None and done > self._reported:
            self._reported = done
            self._progress(done, total)

    def writable(self) -> bool:
        return True

    def restart(self) -> bool:
        """Get ready for the next attempt (which starts again at the object's first byte)."""
        self._position = 0
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(data).cast("B")
        known = min(len(view), max(0, self.delivered - self._position))
        if known < len(view):
            self._sink.write(view[known:])
            self.delivered += len(view) - known
        self._position += len(view)
        return len(view)


# --- hashing ------------------------------------------------------------------------------


class HashingSink(io.RawIOBase):
    """A writable stream that hashes (sha256) and counts, then passes bytes on to
    ``target`` (or drops them), refusing more than ``limit`` bytes.

    It can be rewound to its start (``seek(0)`` + ``truncate()``, as a retried get does)
    when ``target`` can, and then forgets what it hashed.
    """

    def __init__(self, target: BinaryIO | None = None, limit: int | None = None) -> None:
        super().__init__()
        self._target = target
        self._start = target.tell() if target is not None and target.seekable() else None
        self._limit = limit
        self._hash = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._target is None or self._start is not None

    def tell(self) -> int:
        return self.size

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if offset != 0 or whence != io.SEEK_SET or not self.seekable():
            raise io.UnsupportedOperation("a hashing sink rewinds only to its start")
        if self._target is not None and self._start is not None:
            self._target.seek(self._start)
        self._hash = hashlib.sha256()
        self.size = 0
        return 0

    def truncate(self, size: int | None = None) -> int:
        if self._target is not None:
            self._target.truncate()
        return self.size

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(data).cast("B")
        refuse_larger(self.size + len(view), self._limit)
        self._hash.update(view)
        self.size += len(view)
        if self._target is not None:
            self._target.write(view)
        return len(view)

    @property
    def sha256(self) -> str:
        """The sha256 (hex) of everything written."""
        return self._hash.hexdigest()


class CheckedDestination(_InnerTraits):
    """The engine's view of a destination: every protocol operation of ``inner``, plus
    reads bounded by what the caller expects and a put verified by reading it back.

    ``inner`` is normally a :class:`RetryingDestination`, so each operation here is
    retried as a whole (a read-back that fails is read again, not re-uploaded).
    """

    def __init__(self, inner: Destination) -> None:
        self._inner = inner

    def __repr__(self) -> str:
        return f"CheckedDestination({self._inner!r})"

    @property
    def inner(self) -> Destination:
        """The wrapped destination."""
        return self._inner

    def location_id(self) -> str:
        return self._inner.location_id()

    def check_available(self) -> None:
        self._inner.check_available()

    def put(
        self,
        key: str,
        source: BinaryIO,
        size: int,
        progress: ProgressCallback | None = None,
        *,
        sha256: str | None = None,
    ) -> ObjectInfo:
        return self._inner.put(key, source, size, progress, sha256=sha256)

    def get(
        self,
        key: str,
        sink: BinaryIO,
        progress: ProgressCallback | None = None,
        *,
        limit: int | None = None,
    ) -> ObjectInfo:
        return self._inner.get(key, sink, progress, limit=limit)

    def stat(self, key: str) -> ObjectInfo:
        return self._inner.stat(key)

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        return self._inner.list(prefix)

    def delete(self, key: str) -> None:
        self._inner.delete(key)

    def read_into(
        self,
        key: str,
        target: BinaryIO | None,
        limit: int,
        progress: ProgressCallback | None = None,
    ) -> HashingSink:
        """Read at most ``limit`` bytes of ``key`` into ``target`` (or nowhere), hashing
        them; a larger object raises :class:`~keyvault.errors.DamagedObjectError` as
        soon as it passes the limit. Returns the sink (its ``sha256`` and ``size``)."""
        sink = HashingSink(target, limit)
        self._inner.get(key, cast(BinaryIO, sink), progress, limit=limit)
        return sink

    def read_small(self, key: str, cap: int = SMALL_OBJECT_CAP) -> bytes:
        """The whole of a marker, manifest or ``key.age`` (at most ``cap`` bytes)."""
        buffer = io.BytesIO()
        self.read_into(key, buffer, cap)
        return buffer.getvalue()

    def put_verified(
        self,
        key: str,
        source: BinaryIO,
        size: int,
        sha256: str,
        progress: ProgressCallback | None = None,
        verify_progress: ProgressCallback | None = None,
    ) -> ObjectInfo:
        """Put ``size`` bytes of ``source`` (seekable, at 0: see ``base``) whose sha256 is
        ``sha256`` (handed to the backend, which need not hash them again), read them back
        and compare sha256 and size. On a mismatch the bad object is deleted and
        :class:`~keyvault.errors.ReadBackMismatchError` raised."""
        sha256 = sha256.lower()
        info = self._inner.put(key, source, size, progress, sha256=sha256)
        try:
            back = self.read_into(key, None, size + 1, verify_progress)
            matches = back.size == size and back.sha256 == sha256
        except DamagedObjectError:
            matches = False
        if not matches:
            with contextlib.suppress(DestinationError):
                self._inner.delete(key)
            raise ReadBackMismatchError(
                f"the copy of {key.rsplit('/', 1)[-1]} read back from {self.name!r} does not match"
            )
        return info


def wrap(
    destination: Destination,
    *,
    dry_run: bool = False,
    budget: int = DEFAULT_BUDGET,
    sleep: Callable[[float], None] | None = None,
) -> CheckedDestination:
    """``destination`` in the one wrapper stack (see the module docstring); a destination
    already wrapped is returned as it is."""
    if isinstance(destination, CheckedDestination):
        return destination
    inner: Destination = DryRunDestination(destination) if dry_run else destination
    retrying = RetryingDestination(inner, budget=AttemptBudget(budget), sleep=sleep)
    return CheckedDestination(retrying)


# --- dry run ------------------------------------------------------------------------------


class DryRunDestination(_InnerTraits):
    """Reads go to ``inner``; puts and deletes are recorded in :attr:`planned`, never done."""

    def __init__(self, inner: Destination) -> None:
        self._inner = inner
        #: (operation, key, size) of every write asked for, in order.
        self.planned: list[tuple[str, str, int]] = []

    def __repr__(self) -> str:
        return f"DryRunDestination({self._inner!r})"

    @property
    def inner(self) -> Destination:
        """The wrapped destination."""
        return self._inner

    def location_id(self) -> str:
        return self._inner.location_id()

    def check_available(self) -> None:
        self._inner.check_available()

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
        self.planned.append(("put", key, size))
        return ObjectInfo(key, size, None)

    def get(
        self,
        key: str,
        sink: BinaryIO,
        progress: ProgressCallback | None = None,
        *,
        limit: int | None = None,
    ) -> ObjectInfo:
        return self._inner.get(key, sink, progress, limit=limit)

    def stat(self, key: str) -> ObjectInfo:
        return self._inner.stat(key)

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        return self._inner.list(prefix)

    def delete(self, key: str) -> None:
        check_key(key)
        self.planned.append(("delete", key, 0))
