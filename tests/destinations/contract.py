"""The one contract every Destination implementation must keep (keyvault.destinations.base).

Use it by subclassing :class:`DestinationContract` in a ``test_*.py`` module and defining
the ``destination`` fixture, which returns a fresh, available destination that holds
nothing but, at most, its ``keyvault/<vault-id>/vault.json`` marker::

    class TestB2Contract(DestinationContract):
        @pytest.fixture
        def destination(self, ...) -> Destination:
            return open_b2_destination(...)

Keys follow :func:`keyvault.destinations.base.check_key`; as in a folder, no key is used
both as an object and as the folder of another key. Class attributes tune sizes for slow
back ends (``LARGE_SIZE``). Every test here is a real round trip through the
implementation; nothing is mocked.
"""

from __future__ import annotations

import hashlib
import io
import os
from typing import BinaryIO, ClassVar

import pytest

from keyvault.destinations.base import MEDIA_KINDS, Destination, ObjectInfo
from keyvault.errors import (
    DamagedObjectError,
    DestinationError,
    DestinationPermissionError,
    ObjectNotFoundError,
)

__all__ = ["DestinationContract", "SourceBrokeError", "put_bytes"]


class SourceBrokeError(Exception):
    """Raised by a test source that fails in the middle of a put."""


class BreakingSource(io.RawIOBase):
    """A seekable stream that yields ``good`` bytes, then raises :class:`SourceBrokeError`
    (a spool file on a failing disk)."""

    def __init__(self, good: bytes) -> None:
        self._data = io.BytesIO(good)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._data.seek(offset, whence)

    def tell(self) -> int:
        return self._data.tell()

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self._data.read(min(len(buffer), 4096))
        if not chunk:
            raise SourceBrokeError("the source broke")
        buffer[: len(chunk)] = chunk
        return len(chunk)


def put_bytes(destination: Destination, key: str, data: bytes) -> ObjectInfo:
    """Put ``data`` under ``key``."""
    return destination.put(key, io.BytesIO(data), len(data))


def get_bytes(destination: Destination, key: str) -> bytes:
    """The bytes stored under ``key``."""
    sink = io.BytesIO()
    destination.get(key, sink)
    return sink.getvalue()


def is_marker(key: str) -> bool:
    """True for a destination marker key, ``keyvault/<vault-id>/vault.json``."""
    parts = key.split("/")
    return len(parts) == 3 and parts[0] == "keyvault" and parts[2] == "vault.json"


def keys(destination: Destination, prefix: str = "") -> list[str]:
    """The keys listed under ``prefix`` in the destination's order, markers left out."""
    return [info.key for info in destination.list(prefix) if not is_marker(info.key)]


class DestinationContract:
    """Subclass in a test module and provide a ``destination`` fixture (fresh and empty)."""

    #: Size of the "large object" test; larger than every chunk and buffer size in use.
    LARGE_SIZE: ClassVar[int] = 8 * 1024 * 1024 + 7

    @pytest.fixture
    def destination(self) -> Destination:
        raise NotImplementedError("define a 'destination' fixture returning a fresh destination")

    # --- identity and properties -----------------------------------------------------

    def test_is_a_destination_with_policy_properties(self, destination: Destination) -> None:
        assert isinstance(destination, Destination)
        assert isinstance(destination.name, str) and destination.name
        assert destination.media in MEDIA_KINDS
        for flag in (destination.offsite, destination.offline, destination.immutable):
            assert isinstance(flag, bool)
        destination.check_available()
        location = destination.location_id()
        assert isinstance(location, str) and location
        assert destination.location_id() == location

    def test_fresh_destination_is_empty(self, destination: Destination) -> None:
        assert keys(destination) == []
        for info in destination.list(""):
            assert is_marker(info.key)

    # --- put / get / stat ------------------------------------------------------------

    def test_put_then_get_and_stat(self, destination: Destination) -> None:
        data = b"ciphertext \x00\x01 bytes"
        info = put_bytes(destination, "keyvault/v1/objects/a.age", data)
        assert info.key == "keyvault/v1/objects/a.age"
        assert info.size == len(data)
        assert get_bytes(destination, "keyvault/v1/objects/a.age") == data
        stat = destination.stat("keyvault/v1/objects/a.age")
        assert (stat.key, stat.size) == ("keyvault/v1/objects/a.age", len(data))
        assert stat.modified is None or stat.modified > 0

    def test_get_returns_info(self, destination: Destination) -> None:
        put_bytes(destination, "k", b"12345")
        info = destination.get("k", io.BytesIO())
        assert (info.key, info.size) == ("k", 5)

    def test_get_refuses_an_object_larger_than_its_limit_before_reading_it(
        self, destination: Destination
    ) -> None:
        put_bytes(destination, "k", b"x" * 1000)
        sink = io.BytesIO()
        with pytest.raises(DamagedObjectError, match="larger than the 999 bytes expected"):
            destination.get("k", sink, limit=999)
        assert sink.getvalue() == b""
        assert destination.get("k", sink, limit=1000).size == 1000
        assert sink.getvalue() == b"x" * 1000

    def test_every_byte_value_survives(self, destination: Destination) -> None:
        data = bytes(range(256)) * 17 + b"\r\n\n\r\x00\xff"
        put_bytes(destination, "binary", data)
        assert get_bytes(destination, "binary") == data

    def test_empty_object(self, destination: Destination) -> None:
        put_bytes(destination, "empty", b"")
        assert get_bytes(destination, "empty") == b""
        assert destination.stat("empty").size == 0

    def test_large_object_with_progress(self, destination: Destination) -> None:
        data = os.urandom(self.LARGE_SIZE)
        seen: list[tuple[int, int | None]] = []
        destination.put(
            "large", io.BytesIO(data), len(data), lambda done, total: seen.append((done, total))
        )
        assert seen, "put reported no progress"
        assert seen[-1][0] == len(data)
        assert [done for done, _ in seen] == sorted(done for done, _ in seen)
        got: list[int] = []
        sink = io.BytesIO()
        destination.get("large", sink, lambda done, total: got.append(done))
        assert hashlib.sha256(sink.getvalue()).digest() == hashlib.sha256(data).digest()
        assert got and got[-1] == len(data)
        assert destination.stat("large").size == len(data)

    def test_put_reads_only_size_bytes(self, destination: Destination) -> None:
        source = io.BytesIO(b"0123456789")
        destination.put("partial", source, 4)
        assert get_bytes(destination, "partial") == b"0123"

    def test_put_short_source_stores_nothing(self, destination: Destination) -> None:
        with pytest.raises(ValueError):
            destination.put("short", io.BytesIO(b"abc"), 10)
        with pytest.raises(ObjectNotFoundError):
            destination.stat("short")
        assert keys(destination) == []

    def test_overwrite_replaces_content(self, destination: Destination) -> None:
        put_bytes(destination, "same", b"first version, longer")
        put_bytes(destination, "same", b"second")
        assert get_bytes(destination, "same") == b"second"
        assert destination.stat("same").size == len(b"second")
        assert keys(destination) == ["same"]

    def test_put_atomic_when_source_fails(self, destination: Destination) -> None:
        put_bytes(destination, "obj", b"old complete version")
        size = 3 * 1024 * 1024
        # With the sha256 promised, a backend that records it starts the upload at once:
        # the source breaks halfway through it.
        with pytest.raises((SourceBrokeError, DestinationError)):
            destination.put("obj", BreakingSource(b"x" * (size // 2)), size, sha256="0" * 64)
        assert get_bytes(destination, "obj") == b"old complete version"
        with pytest.raises((SourceBrokeError, DestinationError)):
            destination.put("new", BreakingSource(b"y" * 1000), size)
        with pytest.raises(ObjectNotFoundError):
            destination.stat("new")
        assert keys(destination) == ["obj"]

    # --- missing keys ----------------------------------------------------------------

    def test_missing_key(self, destination: Destination) -> None:
        sink = io.BytesIO()
        with pytest.raises(ObjectNotFoundError):
            destination.get("no/such/key", sink)
        assert sink.getvalue() == b""
        with pytest.raises(ObjectNotFoundError):
            destination.stat("no/such/key")

    def test_a_prefix_is_not_an_object(self, destination: Destination) -> None:
        put_bytes(destination, "dir/file", b"x")
        with pytest.raises(ObjectNotFoundError):
            destination.stat("dir")
        with pytest.raises(ObjectNotFoundError):
            destination.get("dir", io.BytesIO())

    # --- list ------------------------------------------------------------------------

    def test_list_in_key_order_with_prefix(self, destination: Destination) -> None:
        # A folder cannot hold a file "a" and a folder "a": no key is another key's folder.
        names = ["b/2", "a/1", "ab", "a/3/x", "a0", "c", "a/2", "a.b"]
        for index, name in enumerate(names):
            put_bytes(destination, name, bytes(index + 1))
        assert keys(destination) == ["a.b", "a/1", "a/2", "a/3/x", "a0", "ab", "b/2", "c"]
        assert keys(destination, "a/") == ["a/1", "a/2", "a/3/x"]
        assert keys(destination, "a") == ["a.b", "a/1", "a/2", "a/3/x", "a0", "ab"]
        assert keys(destination, "a/3/") == ["a/3/x"]
        assert keys(destination, "zzz") == []
        sizes = {info.key: info.size for info in destination.list("") if not is_marker(info.key)}
        assert sizes == {name: index + 1 for index, name in enumerate(names)}

    def test_list_prefix_inside_a_name(self, destination: Destination) -> None:
        put_bytes(destination, "objects/abc.age", b"1")
        put_bytes(destination, "objects/abd.age", b"2")
        put_bytes(destination, "objects/b.age", b"3")
        assert keys(destination, "objects/ab") == ["objects/abc.age", "objects/abd.age"]

    # --- delete ----------------------------------------------------------------------

    def test_delete_is_idempotent(self, destination: Destination) -> None:
        put_bytes(destination, "gone", b"data")
        put_bytes(destination, "kept", b"data")
        if destination.immutable:
            with pytest.raises(DestinationPermissionError):
                destination.delete("gone")
            return
        destination.delete("gone")
        with pytest.raises(ObjectNotFoundError):
            destination.stat("gone")
        destination.delete("gone")
        destination.delete("never/existed")
        assert keys(destination) == ["kept"]

    def test_a_source_shorter_than_its_size_is_a_caller_mistake(
        self, destination: Destination
    ) -> None:
        with pytest.raises(ValueError, match="ended after 3 of 10 bytes"):
            destination.put("short", io.BytesIO(b"abc"), 10)
        with pytest.raises(ObjectNotFoundError):
            destination.stat("short")

    # --- keys ------------------------------------------------------------------------

    @pytest.mark.parametrize(
        "bad", ["", "/abs", "a/../b", "..", "a//b", "./a", "a/", "a\\b", "nul\x00"]
    )
    def test_invalid_keys_are_caller_mistakes(self, destination: Destination, bad: str) -> None:
        source: BinaryIO = io.BytesIO(b"x")
        with pytest.raises(ValueError):
            destination.put(bad, source, 1)
        with pytest.raises(ValueError):
            destination.get(bad, io.BytesIO())
        with pytest.raises(ValueError):
            destination.stat(bad)
        with pytest.raises(ValueError):
            destination.delete(bad)
