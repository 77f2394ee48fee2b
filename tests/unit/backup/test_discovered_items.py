"""Discovered wallets as items, and safe snapshots of wallets that are unsafe to read live.

A fake Linux home holds a Bitcoin Core descriptor wallet (SQLite) and an Electrum wallet
(JSON). The fake bitcoind from ``tests/unit/wallets/test_copy.py`` holds the Core wallet
with an exclusive SQLite lock, as a running node does, and answers ``backupwallet``.
"""

from __future__ import annotations

import json
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from keyvault.backup import engine
from keyvault.backup.originals import open_original
from keyvault.backup.run import RunContext
from keyvault.crypto import X25519Identity
from keyvault.destinations.memory import MemoryDestination
from keyvault.vault.config import ItemConfig, load_config, save_config
from keyvault.vault.items import add_path_item
from keyvault.vault.state import open_state
from keyvault.wallets.copy import copy_wallet
from keyvault.wallets.discover import discover, propose_items

from ..wallets.test_copy import FakeNode
from ..wallets.test_discover import GETH_KEY, make_sqlite_wallet, write
from .wallet_helpers import spool_entries, wallet_rows

ELECTRUM_WALLET = {
    "seed_version": 59,
    "use_encryption": False,
    "wallet_type": "standard",
    "keystore": {"type": "bip32", "xpub": "zpub6r...", "xprv": "zprv..."},
    "addresses": {"receiving": ["bc1q..."], "change": []},
}


@pytest.fixture
def user_home(tmp_path: Path) -> Path:
    """A Linux home with a Bitcoin Core wallet and an Electrum wallet at their defaults."""
    home = tmp_path / "user"
    make_sqlite_wallet(home / ".bitcoin" / "wallets" / "savings" / "wallet.dat", encrypted=True)
    write(home / ".electrum" / "wallets" / "default_wallet", json.dumps(ELECTRUM_WALLET, indent=4))
    return home


@pytest.fixture
def node(user_home: Path) -> Iterator[FakeNode]:
    """The fake bitcoind, running, with the savings wallet loaded (and locked)."""
    wallet = user_home / ".bitcoin" / "wallets" / "savings" / "wallet.dat"
    running = FakeNode(user_home / ".bitcoin", {"savings": wallet})
    yield running
    running.stop()


def _dests() -> list[MemoryDestination]:
    return [MemoryDestination("usb", "external"), MemoryDestination("away", "cloud", offsite=True)]


def _add_discovered(home: Path, user_home: Path) -> dict[str, Path]:
    finds = discover(home=user_home, platform="linux", env={})
    added: dict[str, Path] = {}
    for proposal in propose_items(finds):
        item = add_path_item(
            home,
            proposal.path,
            proposal.name,
            wallet=proposal.find.wallet,
            live_copy_safe=proposal.find.live_copy_safe,
        )
        added[item.name] = proposal.path
    return added


def _restore(
    home: Path, identity: X25519Identity, name: str, out: Path, dests: list[MemoryDestination]
) -> bytes:
    engine.restore(home, name, out, identities=[identity], destinations=dests)
    return out.read_bytes()


def test_discovered_wallets_are_recorded_and_round_trip(
    vault: tuple[Path, X25519Identity], user_home: Path, tmp_path: Path
) -> None:
    home, identity = vault
    added = _add_discovered(home, user_home)
    assert set(added) == {"bitcoin-core-savings", "electrum-default_wallet"}
    items = {i.name: i for i in load_config(home).items}
    assert items["bitcoin-core-savings"].wallet == "bitcoin-core"
    assert items["bitcoin-core-savings"].live_copy_safe is False
    assert items["electrum-default_wallet"].wallet == "electrum"

    dests = _dests()
    report = engine.backup(home, destinations=dests)
    assert [(r.name, r.action) for r in report.items] == [
        ("bitcoin-core-savings", "new-version"),
        ("electrum-default_wallet", "new-version"),
    ]
    assert spool_entries(home) == []

    core = added["bitcoin-core-savings"]
    electrum = added["electrum-default_wallet"]
    restored_electrum = _restore(home, identity, "electrum-default_wallet", tmp_path / "e", dests)
    assert restored_electrum == electrum.read_bytes()
    # No node runs, so the Core wallet was copied with SQLite's online backup: the
    # restored file is byte for byte what a consistent copy of the wallet is.
    restored_core = _restore(home, identity, "bitcoin-core-savings", tmp_path / "c.dat", dests)
    expected = copy_wallet(core, tmp_path / "expected.dat")
    assert expected.method == "sqlite-backup"
    assert restored_core == (tmp_path / "expected.dat").read_bytes()
    assert wallet_rows(tmp_path / "c.dat") == wallet_rows(core)

    again = engine.backup(home, destinations=dests)
    assert {r.action for r in again.items} == {"unchanged"}
    assert spool_entries(home) == []


def test_locked_core_wallet_goes_through_backupwallet(
    vault: tuple[Path, X25519Identity], user_home: Path, node: FakeNode, tmp_path: Path
) -> None:
    home, identity = vault
    added = _add_discovered(home, user_home)
    core = added["bitcoin-core-savings"]
    # The node holds the lock: reading the database from outside fails.
    with pytest.raises(sqlite3.OperationalError):
        sqlite3.connect(core, timeout=0).execute("SELECT * FROM main").fetchall()

    dests = _dests()
    report = engine.backup(home, destinations=dests)
    assert {r.name: r.action for r in report.items}["bitcoin-core-savings"] == "new-version"
    # One copy, hashed while it is encrypted (read once); the status at the end of the
    # run reuses that hash instead of asking for another.
    assert len(node.calls) == 1, node.calls
    for url, method, params in node.calls:
        assert (url, method) == ("/wallet/savings", "backupwallet")
        # The node wrote its copy into keyvault's private spool, nowhere else.
        assert Path(params[0]).is_relative_to(home / "spool")
    assert spool_entries(home) == []

    restored = _restore(home, identity, "bitcoin-core-savings", tmp_path / "c.dat", dests)
    copy_wallet(core, tmp_path / "expected.dat")
    assert restored == (tmp_path / "expected.dat").read_bytes()
    assert wallet_rows(tmp_path / "c.dat") == wallet_rows(core)


def test_failed_node_copy_leaves_no_plaintext_and_others_go_on(
    vault: tuple[Path, X25519Identity], user_home: Path, node: FakeNode
) -> None:
    home, _identity = vault
    _add_discovered(home, user_home)
    node.fail_with = {"code": -4, "message": "Error: Wallet backup failed!"}
    report = engine.backup(home, destinations=_dests())
    results = {r.name: r for r in report.items}
    assert results["bitcoin-core-savings"].action == "failed"
    assert "backupwallet failed" in (results["bitcoin-core-savings"].message or "")
    assert results["electrum-default_wallet"].action == "new-version"
    assert node.calls
    assert spool_entries(home) == []
    # status judges the other copies and says why the original did not count.
    verdict = next(v for v in report.verdicts if v.item == "bitcoin-core-savings")
    assert any("backupwallet failed" in n.reason for n in verdict.not_counted)


def test_plaintext_copy_is_private_and_removed_on_error(
    vault: tuple[Path, X25519Identity], user_home: Path
) -> None:
    home, _identity = vault
    _add_discovered(home, user_home)
    config = load_config(home)
    core = next(i for i in config.items if i.wallet == "bitcoin-core")
    with open_state(home) as state:
        v = RunContext(home, state, destinations=[], progress=None, now=None)
        with pytest.raises(RuntimeError, match="encryption broke"):
            with open_original(v, core) as stream:
                assert stream.root_name == "wallet.dat"
                assert stream.read(16) == b"SQLite format 3\x00"
                (copy,) = [p for p in spool_entries(home) if p.is_file()]
                assert stat.S_IMODE(copy.stat().st_mode) == 0o600
                assert stat.S_IMODE(copy.parent.stat().st_mode) == 0o700
                raise RuntimeError("encryption broke")
        assert spool_entries(home) == []
        # A vanished wallet is a missing original, and nothing is left behind either.
        missing = ItemConfig(
            "gone", "file", "2026-01-01T00:00:00Z", str(home / "nope"), wallet="bitcoin-core"
        )
        with pytest.raises(FileNotFoundError):
            with open_original(v, missing):
                pass
        assert spool_entries(home) == []


def test_other_files_are_read_in_place(
    vault: tuple[Path, X25519Identity], user_home: Path, tmp_path: Path
) -> None:
    home, _identity = vault
    key = write(tmp_path / "keystore" / "UTC--key", json.dumps(GETH_KEY))
    plain = write(tmp_path / "notes.txt", b"plain file")
    items = [
        ItemConfig("geth", "file", "t", str(key), wallet="geth", live_copy_safe=True),
        ItemConfig("notes", "file", "t", str(plain)),
        ItemConfig("folder", "folder", "t", str(user_home / ".electrum"), wallet="electrum"),
    ]
    with open_state(home) as state:
        v = RunContext(home, state, destinations=[], progress=None, now=None)
        for item in items:
            with open_original(v, item) as stream:
                stream.read(1)
                assert spool_entries(home) == [], item.name


def test_config_without_wallet_fields_still_loads(vault: tuple[Path, X25519Identity]) -> None:
    home, _identity = vault
    config = load_config(home)
    config.items.append(ItemConfig("old", "file", "2026-01-01T00:00:00Z", "/old/file"))
    save_config(home, config)
    text = (home / "config.toml").read_text()
    assert "wallet" not in text and "live_copy_safe" not in text
    (item,) = load_config(home).items
    assert item.wallet is None and item.live_copy_safe is None
