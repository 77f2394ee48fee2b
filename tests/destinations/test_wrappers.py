"""Retry, read-back verification and dry run, wrapped around real destinations."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path
from typing import BinaryIO

import pytest

from keyvault.destinations.base import Destination, ObjectInfo, ProgressCallback
from keyvault.destinations.local import LocalDestination, create_marker
from keyvault.destinations.memory import MemoryDestination
from keyvault.destinations.wrappers import (
    AttemptBudget,
    CheckedDestination,
    DryRunDestination,
    RetryingDestination,
)
from keyvault.errors import (
    DestinationFullError,
    DestinationRetriesExhaustedError,
    ReadBackMismatchError,
    RetryableDestinationError,
)

from .contract import DestinationContract


class TestRetryingContract(DestinationContract):
    LARGE_SIZE = 2 * 1024 * 1024 + 1

    @pytest.fixture
    def destination(self) -> Destination:
        return RetryingDestination(MemoryDestination(), sleep=lambda _: None)


class NonSeekable(io.RawIOBase):
    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def _retrying(inner: Destination, sleeps: list[float], **kwargs: object) -> RetryingDestination:
    return RetryingDestination(inner, jitter=False, sleep=sleeps.append, **kwargs)  # type: ignore[arg-type]


def test_put_is_retried_with_backoff_and_the_source_rewound() -> None:
    inner = MemoryDestination()
    inner.fail_next("put", RetryableDestinationError("503"))
    inner.fail_next("put", RetryableDestinationError("timeout"))
    sleeps: list[float] = []
    seen: list[tuple[str, int]] = []
    dest = _retrying(inner, sleeps, on_retry=lambda op, n, delay, err: seen.append((op, n)))
    source = io.BytesIO(b"prefix:payload")
    source.seek(7)
    dest.put("k", source, 7)
    assert sleeps == [0.5, 1.0]
    assert seen == [("put", 1), ("put", 2)]
    sink = io.BytesIO()
    inner.get("k", sink)
    assert sink.getvalue() == b"payload"


def test_retries_stop_after_the_last_attempt() -> None:
    inner = MemoryDestination()
    for _ in range(5):
        inner.fail_next("stat", RetryableDestinationError("503"))
    sleeps: list[float] = []
    with pytest.raises(RetryableDestinationError):
        _retrying(inner, sleeps, attempts=3).stat("k")
    assert sleeps == [0.5, 1.0]


def test_delay_is_capped_and_jittered() -> None:
    dest = RetryingDestination(MemoryDestination(), base_delay=1, max_delay=4)
    assert all(0.5 <= dest.delay(1) <= 1 for _ in range(20))
    assert all(2 <= dest.delay(10) <= 4 for _ in range(20))
    with pytest.raises(ValueError):
        RetryingDestination(MemoryDestination(), attempts=0)


def test_permanent_errors_are_not_retried() -> None:
    inner = MemoryDestination()
    inner.fail_next("put", DestinationFullError("full"))
    sleeps: list[float] = []
    with pytest.raises(DestinationFullError):
        _retrying(inner, sleeps).put("k", io.BytesIO(b"x"), 1)
    assert sleeps == []


def test_put_from_a_stream_that_cannot_rewind_is_not_retried() -> None:
    inner = MemoryDestination()
    inner.fail_next("put", RetryableDestinationError("503"))
    sleeps: list[float] = []
    with pytest.raises(RetryableDestinationError):
        _retrying(inner, sleeps).put("k", io.BufferedReader(NonSeekable(b"abc")), 3)
    assert sleeps == []


class FlakyGet(MemoryDestination):
    """Writes half of the object into the sink, then fails once."""

    failed = False

    def get(
        self,
        key: str,
        sink: BinaryIO,
        progress: ProgressCallback | None = None,
        *,
        limit: int | None = None,
    ) -> ObjectInfo:
        if not self.failed:
            self.failed = True
            sink.write(b"partial garbage")
            raise RetryableDestinationError("connection reset")
        return super().get(key, sink, progress, limit=limit)


def test_get_retry_rewinds_and_truncates_the_sink() -> None:
    inner = FlakyGet()
    inner.put("k", io.BytesIO(b"the object"), 10)
    sink = io.BytesIO(b"head:")
    sink.seek(5)
    _retrying(inner, []).get("k", sink)
    assert sink.getvalue() == b"head:the object"


def test_list_is_retried_as_a_whole() -> None:
    inner = MemoryDestination()
    inner.put("a", io.BytesIO(b"1"), 1)
    inner.fail_next("list", RetryableDestinationError("503"))
    assert [i.key for i in _retrying(inner, []).list("")] == ["a"]


def _checked(inner: Destination) -> CheckedDestination:
    return CheckedDestination(RetryingDestination(inner, sleep=lambda _: None))


def test_put_verified_reads_back_and_compares(tmp_path: Path) -> None:
    create_marker(tmp_path, "v", "2026-01-01T00:00:00Z")
    dest = _checked(LocalDestination("disk", tmp_path, vault_id="v"))
    data = bytes(range(256)) * 5000
    sha = hashlib.sha256(data).hexdigest()
    info = dest.put_verified("keyvault/v/objects/a.age", io.BytesIO(data), len(data), sha.upper())
    assert info.size == len(data)
    back = dest.read_into("keyvault/v/objects/a.age", None, len(data) + 1)
    assert (back.sha256, back.size) == (sha, len(data))


class BitRot(MemoryDestination):
    """Stores what it is given, then flips a bit: a faulty drive."""

    def put(
        self,
        key: str,
        source: BinaryIO,
        size: int,
        progress: ProgressCallback | None = None,
        *,
        sha256: str | None = None,
    ) -> ObjectInfo:
        info = super().put(key, source, size, progress)
        self.corrupt(key, 3)
        return info


def test_put_verified_detects_a_bad_copy_and_removes_it() -> None:
    data = b"important bytes"
    inner = BitRot()
    with pytest.raises(ReadBackMismatchError):
        _checked(inner).put_verified("k", io.BytesIO(data), 15, hashlib.sha256(data).hexdigest())
    assert [*inner.list("")] == []


def test_put_verified_detects_a_source_other_than_expected() -> None:
    with pytest.raises(ReadBackMismatchError):
        _checked(MemoryDestination()).put_verified("k", io.BytesIO(b"abc"), 3, "00" * 32)


class _Pipe(io.RawIOBase):
    """A sink that cannot be rewound (as the pipe into the decryptor is)."""

    def __init__(self) -> None:
        self.received = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.received += data
        return len(data)


@pytest.mark.parametrize("cut", [1, 3 << 19, (1 << 21) - 1])
def test_a_get_cut_halfway_into_a_pipe_resumes_without_a_byte_twice(cut: int) -> None:
    inner = MemoryDestination()
    data = os.urandom(2 << 20)
    inner.put("k", io.BytesIO(data), len(data))
    inner.fail_next("get", RetryableDestinationError("connection reset"), after=cut)
    inner.fail_next("get", RetryableDestinationError("connection reset"), after=cut // 2)
    sleeps: list[float] = []
    pipe = _Pipe()
    seen: list[int] = []
    _retrying(inner, sleeps).get("k", pipe, lambda done, total: seen.append(done))  # type: ignore[arg-type]
    assert bytes(pipe.received) == data
    assert len(sleeps) == 2
    assert seen == sorted(set(seen)) and seen[-1] == len(data)  # never back, to the end


def test_a_cut_get_into_a_pipe_counts_against_the_attempts_and_the_budget() -> None:
    inner = MemoryDestination()
    inner.put("k", io.BytesIO(b"0123456789"), 10)
    for after in (1, 2, 3, 4, 1, 2):
        inner.fail_next("get", RetryableDestinationError("connection reset"), after=after)
    pipe = _Pipe()
    with pytest.raises(RetryableDestinationError):
        _retrying(inner, []).get("k", pipe)  # type: ignore[arg-type]
    assert bytes(pipe.received) == b"0123"  # 4 attempts, each one byte further
    budget = AttemptBudget(1)  # then a second get: its one retry is the budget's last
    pipe = _Pipe()
    with pytest.raises(DestinationRetriesExhaustedError):
        _retrying(inner, [], budget=budget).get("k", pipe)  # type: ignore[arg-type]
    assert bytes(pipe.received) == b"01"


def test_dry_run_records_and_writes_nothing() -> None:
    inner = MemoryDestination()
    inner.put("old", io.BytesIO(b"x"), 1)
    dry = DryRunDestination(inner)
    dry.put("new", io.BytesIO(b"abc"), 3)
    dry.delete("old")
    assert dry.planned == [("put", "new", 3), ("delete", "old", 0)]
    assert [i.key for i in inner.list("")] == ["old"]
    assert [i.key for i in dry.list("")] == ["old"]
    assert (dry.name, dry.media) == (inner.name, inner.media)
