"""A read cut halfway during restore and deep verification is resumed, inside the budget.

Restore and ``verify --deep`` stream a stored object straight into the decryptor through
a pipe, which cannot be rewound. A read that fails halfway (B2's connection closed after
half the body; a drive that times out after N bytes) is retried by the wrappers' one
retry loop, at most 4 attempts an operation: the output is whole, no byte arrives twice
and none is skipped; a read that keeps failing ends in the typed error, with no output.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from keyvault.backup import engine
from keyvault.crypto import X25519Identity
from keyvault.destinations import local
from keyvault.destinations.b2 import B2Destination, B2Settings, cache_path_for
from keyvault.destinations.b2.credentials import B2Credentials
from keyvault.destinations.local import LocalDestination, create_marker
from keyvault.errors import DestinationError
from keyvault.secret import Secret
from keyvault.vault.config import load_config
from keyvault.vault.items import add_path_item
from keyvault.vault.keystore import create_vault

from .b2_server import FAST, B2TestServer, KeyvaultSimulator, create_account

#: Three 1 MB parts and a bit at B2; four 1 MiB chunks at a local folder.
DATA = os.urandom(3 * 1024 * 1024 + 17)
DOWNLOAD = "b2_download_file_by_name"


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.sleep", lambda _seconds: None)


@pytest.fixture
def vault(kv_home: Path, tmp_path: Path) -> tuple[Path, X25519Identity, str]:
    """(home, vault identity, item name) of a vault holding one 3 MiB file item."""
    _, identity = create_vault(kv_home, Secret("streamed reads, not a secret"), work_factor=16)
    item = tmp_path / "wallet.dat"
    item.write_bytes(DATA)
    add_path_item(kv_home, item)
    return kv_home, identity, load_config(kv_home).items[0].name


@pytest.fixture
def server() -> Iterator[B2TestServer]:
    with B2TestServer(KeyvaultSimulator(part_size=1_000_000)) as srv:
        yield srv


def _b2(home: Path, server: B2TestServer) -> B2Destination:
    key = create_account(server.sim, "kv-bucket")
    return B2Destination(
        name="offsite",
        bucket="kv-bucket",
        prefix="laptop",
        credentials=B2Credentials(key[0], Secret(key[1]), "env"),
        cache_path=cache_path_for(home, "offsite"),
        realm=server.realm_url,
        settings=B2Settings(**FAST),  # type: ignore[arg-type]
    )


def _intact(report: engine.VerifyReport) -> bool:
    """Every copy was checked, down to its plaintext, and found whole."""
    return bool(report.checks) and not report.copies_missing and all(c.ok for c in report.checks)


def _downloads(server: B2TestServer) -> int:
    return server.endpoints().count(DOWNLOAD)


def _backed_up_to_b2(
    vault: tuple[Path, X25519Identity, str], server: B2TestServer, tmp_path: Path
) -> tuple[B2Destination, int]:
    """The item backed up to B2, and how many downloads a clean restore of it makes (the
    last one is the object's)."""
    home, identity, name = vault
    b2 = _b2(home, server)
    assert not engine.backup(home, destinations=[b2]).failed
    server.reset_calls()
    engine.restore(home, name, tmp_path / "clean", identities=[identity], destinations=[b2])
    downloads = _downloads(server)
    server.reset_calls()
    return b2, downloads


def test_a_b2_download_cut_halfway_is_read_again_by_restore_and_deep_verify(
    vault: tuple[Path, X25519Identity, str], server: B2TestServer, tmp_path: Path
) -> None:
    home, identity, name = vault
    b2, before = _backed_up_to_b2(vault, server, tmp_path)
    cut = server.inject("truncate", endpoint=DOWNLOAD, nth=before - 1)
    out = tmp_path / "restored"
    engine.restore(home, name, out, identities=[identity], destinations=[b2])
    assert cut.hits == 1 and _downloads(server) == before + 1
    assert out.read_bytes() == DATA

    server.reset_calls()
    assert _intact(engine.verify(home, deep=True, identities=[identity], destinations=[b2]))
    before = _downloads(server)
    server.reset_calls()
    cut = server.inject("truncate", endpoint=DOWNLOAD, nth=before - 1)
    report = engine.verify(home, deep=True, identities=[identity], destinations=[b2])
    assert cut.hits == 1 and _downloads(server) == before + 1
    assert _intact(report), report


def test_a_b2_download_cut_every_time_fails_typed_after_four_attempts(
    vault: tuple[Path, X25519Identity, str], server: B2TestServer, tmp_path: Path
) -> None:
    home, identity, name = vault
    b2, before = _backed_up_to_b2(vault, server, tmp_path)
    server.inject("truncate", endpoint=DOWNLOAD, nth=before - 1, times=10**6)
    out = tmp_path / "restored"
    with pytest.raises(DestinationError):
        engine.restore(home, name, out, identities=[identity], destinations=[b2])
    assert _downloads(server) == before - 1 + 4  # the wrapper's 4 attempts, one request each
    assert not out.exists()


class _CutOnce:
    """An object file that gives ``after`` bytes, then times out (a failing drive)."""

    def __init__(self, handle: BinaryIO, after: int) -> None:
        self._handle = handle
        self._left = after

    def __enter__(self) -> _CutOnce:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()

    def fileno(self) -> int:
        return self._handle.fileno()

    def read(self, size: int) -> bytes:
        if self._left <= 0:
            raise OSError(errno.ETIMEDOUT, "Connection timed out")
        chunk = self._handle.read(min(size, self._left))
        self._left -= len(chunk)
        return chunk


@pytest.mark.parametrize("after", [1, (1 << 20) + 123, len(DATA) - 1])
def test_a_local_read_cut_halfway_is_resumed_by_restore_and_deep_verify(
    vault: tuple[Path, X25519Identity, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    after: int,
) -> None:
    home, identity, name = vault
    folder = tmp_path / "usb"
    folder.mkdir()
    vault_id = load_config(home).require_vault()
    create_marker(folder, vault_id.id, vault_id.created)
    usb = LocalDestination("usb", folder, vault_id=vault_id.id)
    assert not engine.backup(home, destinations=[usb]).failed
    opened: list[int] = []

    def cut_objects(fd: int, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        handle = open(fd, mode, *args, **kwargs)
        if "/objects/" not in os.readlink(f"/proc/self/fd/{fd}"):
            return handle
        opened.append(fd)
        # Every other read of an object is cut: each first attempt, not its retry.
        return _CutOnce(handle, after) if len(opened) % 2 else handle

    monkeypatch.setattr(local, "open", cut_objects, raising=False)
    out = tmp_path / "restored"
    engine.restore(home, name, out, identities=[identity], destinations=[usb])
    assert out.read_bytes() == DATA
    report = engine.verify(home, deep=True, identities=[identity], destinations=[usb])
    assert _intact(report), report
    # Restore and verification each read the object twice: cut, then resumed.
    assert len(opened) == 4
