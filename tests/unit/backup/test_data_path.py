"""The engine's data path: one wrapper stack (retry budget, bounded reads, read-back),
items read once, state and manifests touched once per run, drilled copies fetched and
hashed once."""

from __future__ import annotations

import collections
import hashlib
import io
import os
from pathlib import Path
from typing import BinaryIO

import pytest

from keyvault.backup import engine
from keyvault.backup.drill import drill
from keyvault.crypto import X25519Identity
from keyvault.destinations.base import ObjectInfo, ProgressCallback
from keyvault.destinations.memory import MemoryDestination
from keyvault.destinations.wrappers import DEFAULT_ATTEMPTS, CheckedDestination, wrap
from keyvault.errors import (
    DamagedObjectError,
    DestinationRetriesExhaustedError,
    RetryableDestinationError,
)
from keyvault.layout import marker_key, parse_marker
from keyvault.vault.items import add_path_item


class AlwaysFailingPuts(MemoryDestination):
    """A destination whose every put of an object fails temporarily (a 503 that stays)."""

    def __init__(self, name: str) -> None:
        super().__init__(name, "cloud", offsite=True)
        self.put_attempts = 0

    def put(
        self,
        key: str,
        source: BinaryIO,
        size: int,
        progress: ProgressCallback | None = None,
        *,
        sha256: str | None = None,
    ) -> ObjectInfo:
        if "/objects/" in key:
            self.put_attempts += 1
            raise RetryableDestinationError("503 service unavailable (injected)")
        return super().put(key, source, size, progress)


class CountingGets(MemoryDestination):
    """A destination that counts the gets of each key."""

    def __init__(self, name: str) -> None:
        super().__init__(name, "external")
        self.gets: collections.Counter[str] = collections.Counter()

    def get(
        self,
        key: str,
        sink: BinaryIO,
        progress: ProgressCallback | None = None,
        *,
        limit: int | None = None,
    ) -> ObjectInfo:
        self.gets[key] += 1
        return super().get(key, sink, progress, limit=limit)


_SHA256 = hashlib.sha256


class _RecordedHash:
    """A sha256 that remembers how many bytes it hashed (see :func:`hashes`)."""

    def __init__(self, made: list[_RecordedHash], data: bytes = b"", **kwargs: bool) -> None:
        self.real = _SHA256(data, **kwargs)
        self.size = len(data)
        made.append(self)

    def update(self, data: bytes | bytearray | memoryview) -> None:
        self.real.update(data)
        self.size += memoryview(data).nbytes

    def hexdigest(self) -> str:
        return self.real.hexdigest()

    def __getattr__(self, name: str) -> object:  # digest_size, copy, ... for hmac
        return getattr(self.real, name)


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> list[_RecordedHash]:
    """Every sha256 made from now on, each with the number of bytes it hashed."""
    made: list[_RecordedHash] = []

    def sha256(data: bytes = b"", **kwargs: bool) -> _RecordedHash:
        return _RecordedHash(made, data, **kwargs)

    monkeypatch.setattr(hashlib, "sha256", sha256)
    return made


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    pauses: list[float] = []
    monkeypatch.setattr("time.sleep", pauses.append)
    return pauses


def _item(home: Path, tmp_path: Path, size: int = 5000) -> Path:
    path = tmp_path / "wallet.dat"
    path.write_bytes(os.urandom(size))
    add_path_item(home, path)
    return path


def test_an_upload_that_always_fails_costs_a_bounded_number_of_attempts(
    vault: tuple[Path, X25519Identity], tmp_path: Path, no_waiting: list[float]
) -> None:
    home, _ = vault
    _item(home, tmp_path)
    failing, good = AlwaysFailingPuts("b2"), MemoryDestination("usb", "external")
    report = engine.backup(home, destinations=[failing, good])
    results = {d.name: d for d in report.destinations}
    assert 1 <= failing.put_attempts <= 10
    assert failing.put_attempts == DEFAULT_ATTEMPTS
    assert results["b2"].state == "failed" and results["b2"].message
    # The other destination still got its copy, and nothing waited for real.
    assert (results["usb"].state, results["usb"].uploaded) == ("ok", 1)
    assert len(no_waiting) >= DEFAULT_ATTEMPTS - 1


def test_the_retry_budget_is_shared_by_every_operation_of_a_destination() -> None:
    failing = AlwaysFailingPuts("b2")
    dest = wrap(failing, budget=5)
    with pytest.raises(RetryableDestinationError):
        dest.put("keyvault/v/objects/0.age", io.BytesIO(b"abc"), 3)
    for n in (1, 2):
        with pytest.raises(DestinationRetriesExhaustedError):
            dest.put(f"keyvault/v/objects/{n}.age", io.BytesIO(b"abc"), 3)
    # The first put: 4 attempts (3 retries); the second: the budget's last 2 retries;
    # the third: its first try only.
    assert failing.put_attempts == DEFAULT_ATTEMPTS + 3 + 1


def test_reads_are_bounded_by_what_the_caller_expects() -> None:
    inner = MemoryDestination("usb", "external")
    inner.put("keyvault/v/objects/a.age", io.BytesIO(b"x" * 1000), 1000)
    dest = wrap(inner)
    assert isinstance(dest, CheckedDestination)
    with pytest.raises(DamagedObjectError):
        dest.read_into("keyvault/v/objects/a.age", None, 100)
    sink = dest.read_into("keyvault/v/objects/a.age", None, 1001)
    assert sink.size == 1000


def test_a_grown_object_is_reported_damaged_by_verify(
    vault: tuple[Path, X25519Identity], tmp_path: Path
) -> None:
    home, identity = vault
    _item(home, tmp_path)
    dest = MemoryDestination("usb", "external")
    engine.backup(home, destinations=[dest])
    key = next(i.key for i in dest.list("") if "/objects/" in i.key)
    dest.put(key, io.BytesIO(b"y" * 200_000), 200_000)
    for deep in (False, True):
        report = engine.verify(
            home, destinations=[dest], deep=deep, identities=[identity] if deep else None
        )
        damaged = [c for c in report.problems if c.what == "object"]
        assert [c.result for c in damaged] == ["damaged"], deep


def test_a_changed_item_is_read_once_and_an_unchanged_touch_writes_nothing(
    vault: tuple[Path, X25519Identity], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, _ = vault
    path = _item(home, tmp_path, 300_000)
    dest = MemoryDestination("usb", "external")
    engine.backup(home, destinations=[dest])
    opened: list[str] = []
    real_open = open

    def counting_open(file: object, *args: object, **kwargs: object) -> object:
        if str(file) == str(path):
            opened.append(str(file))
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", counting_open)
    path.write_bytes(os.urandom(300_000))
    report = engine.backup(home, destinations=[dest])
    assert [i.action for i in report.items] == ["new-version"]
    assert len(opened) == 1  # hashed while it was encrypted, not read a second time
    opened.clear()
    os.utime(path)  # touched, content the same: read once, nothing written
    again = engine.backup(home, destinations=[dest])
    assert [i.action for i in again.items] == ["unchanged"]
    assert again.writes == 0 and len(opened) == 1


def test_a_marker_that_is_deeply_nested_json_is_not_a_marker() -> None:
    with pytest.raises(ValueError):
        parse_marker(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(ValueError):
        parse_marker(b'{"a": ' * 50 + b"1" + b"}" * 50)
    assert marker_key("v1") == "keyvault/v1/vault.json"


def test_the_next_restore_removes_what_a_killed_restore_left(
    vault: tuple[Path, X25519Identity], tmp_path: Path
) -> None:
    """Issue 12: a restore killed with SIGKILL leaves its temp names (plaintext, 0600) in
    the output folder; the next restore into that folder removes them."""
    home, identity = vault
    path = _item(home, tmp_path)
    dest = MemoryDestination("usb", "external")
    engine.backup(home, destinations=[dest])
    out = tmp_path / "restored"
    out.mkdir()
    (out / ".kv-tmp-wallet.dat.0123456789abcdef").write_bytes(b"half a wallet")
    (out / ".kv-restore-abcdef").mkdir()
    (out / ".kv-restore-abcdef" / "key").write_bytes(b"half a folder")
    (out / "mine.txt").write_bytes(b"the user's own file")
    engine.restore(home, path.name, out / "wallet.dat", identities=[identity], destinations=[dest])
    assert sorted(p.name for p in out.iterdir()) == ["mine.txt", "wallet.dat"]
    assert (out / "wallet.dat").read_bytes() == path.read_bytes()


def test_a_full_destination_prunes_older_versions_to_keep_the_newest(
    vault: tuple[Path, X25519Identity], tmp_path: Path
) -> None:
    """Issue 12: each version is a whole copy; a destination that fills up must still
    take the newest one, pruning older versions (oldest first) and saying so."""
    home, identity = vault
    path = _item(home, tmp_path, 20_000)
    dest = MemoryDestination("usb", "external", capacity=75_000)
    pruned_notes: list[str] = []
    for run in range(8):
        path.write_bytes(os.urandom(20_000))
        report = engine.backup(home, destinations=[dest])
        result = report.destinations[0]
        assert (result.state, result.uploaded) == ("ok", 1), (run, result)
        pruned_notes += [n for n in result.notes if "pruned" in n]
        out = tmp_path / f"restored-{run}"
        engine.restore(home, path.name, out, identities=[identity], destinations=[dest])
        assert out.read_bytes() == path.read_bytes()
    assert pruned_notes and all("was full" in n for n in pruned_notes)
    assert dest.used_bytes() <= 75_000


def test_a_full_destination_with_nothing_older_fails_as_before(
    vault: tuple[Path, X25519Identity], tmp_path: Path
) -> None:
    home, _ = vault
    _item(home, tmp_path, 50_000)
    dest = MemoryDestination("usb", "external", capacity=30_000)
    report = engine.backup(home, destinations=[dest])
    assert report.destinations[0].state == "full"


def test_a_drilled_copy_is_fetched_once_and_its_plaintext_hashed_once(
    vault: tuple[Path, X25519Identity], tmp_path: Path, hashes: list[_RecordedHash]
) -> None:
    home, identity = vault
    plain = _item(home, tmp_path, 300_000).read_bytes()  # no public identity: its sha256
    dest = CountingGets("usb")
    engine.backup(home, destinations=[dest])
    [key] = [info.key for info in dest.list("") if "/objects/" in info.key]
    sink = io.BytesIO()
    dest.get(key, sink)
    stored = sink.getvalue()
    dest.gets.clear()
    hashes.clear()

    report = drill(home, identities=[identity], destinations=[dest])

    assert [c.result for c in report.copies] == ["proven"]
    assert report.bytes_downloaded == len(stored)
    assert dest.gets[key] == 1
    # The ciphertext is hashed as it is read, the plaintext as it is decrypted; the
    # identity is rebuilt from the restored copy without hashing it again.
    of = collections.Counter(
        (h.size, h.hexdigest()) for h in hashes if h.size in (len(plain), len(stored))
    )
    assert of == {
        (len(stored), _SHA256(stored).hexdigest()): 1,
        (len(plain), _SHA256(plain).hexdigest()): 1,
    }
