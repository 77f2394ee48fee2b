"""The scanner declarations: complete for every platform, and what one scan reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from keyvault.wallets.formats import Encryption, FileFormat
from keyvault.wallets.locations import base_folders
from keyvault.wallets.scanners import SCANNERS

from .test_discover import GETH_KEY, GETH_NAME, make_bdb_wallet, write

BY_ID = {scanner.wallet: scanner for scanner in SCANNERS}


@pytest.mark.parametrize("platform", ["linux", "darwin", "windows"])
def test_every_scanner_has_places_on_every_platform(tmp_path: Path, platform: str) -> None:
    assert len(BY_ID) == len(SCANNERS), "a wallet declared twice"
    folders = base_folders(platform, tmp_path, {})  # type: ignore[arg-type]
    for scanner in SCANNERS:
        places = scanner.places(platform, folders, {})  # type: ignore[arg-type]
        assert places and all(place.is_relative_to(tmp_path) for place in places)


def test_an_env_variable_replaces_the_first_place(tmp_path: Path) -> None:
    electrum = BY_ID["electrum"]
    folders = base_folders("windows", tmp_path, {})
    places = electrum.places("windows", folders, {"ELECTRUMDIR": "/e"})
    assert places == [Path("/e"), tmp_path / "AppData" / "Local" / "Electrum"]


def test_format_notes_and_fixed_formats(tmp_path: Path) -> None:
    (legacy,) = BY_ID["bitcoin-core"].scan(
        make_bdb_wallet(tmp_path / "btc" / "wallet.dat", encrypted=True).parent
    )
    assert legacy.notes[-1].startswith("legacy berkeley db wallet")
    assert (legacy.format, legacy.encryption, legacy.data_dir) == (
        FileFormat.BDB,
        Encryption.KEYS,
        tmp_path / "btc",
    )
    # A Monero .keys file is told by its name: bytes that happen to look like JSON do not
    # hide it.
    xmr = tmp_path / "xmr"
    write(xmr / "w.keys", b" {" + bytes(200))
    (keys,) = BY_ID["monero"].scan(xmr)
    assert (keys.format, keys.name, keys.kind) == (FileFormat.MONERO_KEYS, "w", "file")


def test_keystore_named_directly_and_hidden_files_skipped(tmp_path: Path) -> None:
    keystore = tmp_path / "keys"
    write(keystore / GETH_NAME, json.dumps(GETH_KEY))
    write(keystore / f".{GETH_NAME}.tmp", json.dumps(GETH_KEY))
    (key,) = BY_ID["geth"].scan(keystore)
    assert (key.name, key.data_dir, key.live_copy_safe) == (GETH_NAME, keystore, True)


def test_exodus_folder_is_the_wallet_from_its_parent_or_itself(tmp_path: Path) -> None:
    exodus = tmp_path / "Exodus" / "exodus.wallet"
    write(exodus / "seed.seco", b"SECO")
    for place in (exodus, exodus.parent):
        (find,) = BY_ID["exodus"].scan(place)
        assert (find.path, find.kind, find.data_dir) == (exodus, "folder", exodus.parent)
    assert BY_ID["exodus"].scan(tmp_path) == []
