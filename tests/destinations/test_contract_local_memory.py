"""The destination contract, run against the in-memory and the local-folder destinations."""

from __future__ import annotations

from pathlib import Path

import pytest

from keyvault.destinations.base import Destination
from keyvault.destinations.local import LocalDestination, create_marker
from keyvault.destinations.memory import MemoryDestination

from .contract import DestinationContract


class TestMemoryContract(DestinationContract):
    @pytest.fixture
    def destination(self) -> Destination:
        return MemoryDestination()


class TestImmutableMemoryContract(DestinationContract):
    LARGE_SIZE = 1024 * 1024 + 3

    @pytest.fixture
    def destination(self) -> Destination:
        return MemoryDestination("locked", media="cloud", offsite=True, immutable=True)


# --- the memory destination's test knobs (other tests rely on them) --------------------


def test_memory_unavailable_raises_typed_error() -> None:
    from keyvault.errors import DestinationUnavailableError

    dest = MemoryDestination()
    dest.available = False
    with pytest.raises(DestinationUnavailableError):
        dest.check_available()
    with pytest.raises(DestinationUnavailableError):
        dest.stat("x")


def test_memory_capacity_and_queued_faults() -> None:
    import io

    from keyvault.errors import DestinationFullError, RetryableDestinationError

    dest = MemoryDestination(capacity=10)
    dest.put("a", io.BytesIO(b"12345678"), 8)
    with pytest.raises(DestinationFullError):
        dest.put("b", io.BytesIO(b"123"), 3)
    dest.put("a", io.BytesIO(b"1234567890"), 10)  # replacing frees the old bytes
    assert dest.used_bytes() == 10
    dest.fail_next("stat", RetryableDestinationError("timeout"))
    with pytest.raises(RetryableDestinationError):
        dest.stat("a")
    assert dest.stat("a").size == 10


def test_memory_corrupt_flips_one_bit() -> None:
    import io

    dest = MemoryDestination()
    dest.put("a", io.BytesIO(b"\x00\x00\x00"), 3)
    dest.corrupt("a", 1)
    sink = io.BytesIO()
    dest.get("a", sink)
    assert sink.getvalue() == b"\x00\x01\x00"


class TestLocalContract(DestinationContract):
    @pytest.fixture
    def destination(self, tmp_path: Path) -> Destination:
        root = tmp_path / "drive"
        root.mkdir()
        create_marker(root, "vault-1", "2026-01-01T00:00:00Z")
        return LocalDestination("usb", root, vault_id="vault-1", media="external")
