"""Wallet discovery over fake home folders laid out as on Linux, macOS and Windows."""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import struct
from pathlib import Path

import pytest

from keyvault.wallets.discover import WalletFind, discover, propose_items, scan_data_dir
from keyvault.wallets.formats import Encryption, FileFormat

GETH_KEY = {
    "address": "008aeeda4d805471df9b2a5b0f38a0c3bcba786b",
    "crypto": {
        "cipher": "aes-128-ctr",
        "cipherparams": {"iv": "83dbcc02d8ccb40e466191a123791e0e"},
        "ciphertext": "d172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c",
        "kdf": "scrypt",
        "kdfparams": {
            "dklen": 32,
            "n": 262144,
            "p": 8,
            "r": 1,
            "salt": "ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19",
        },
        "mac": "2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097",
    },
    "id": "3198bc9c-6672-5ab3-d995-4942343ae5b6",
    "version": 3,
}
GETH_NAME = "UTC--2024-01-02T03-04-05.000000000Z--008aeeda4d805471df9b2a5b0f38a0c3bcba786b"


# --- builders for real-format wallet files (shared with wallets/test_copy) -----------------


def make_sqlite_wallet(path: Path, *, encrypted: bool) -> Path:
    """A descriptor-wallet-shaped SQLite file: table ``main(key, value)`` as Bitcoin Core's."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE main(key BLOB PRIMARY KEY NOT NULL, value BLOB NOT NULL)")
    rows = [
        (b"\x07version", struct.pack("<I", 270000)),
        (b"\x0eminversion", struct.pack("<I", 169900)),
        (b"\x0bwalletdescriptor" + os.urandom(32), b"wpkh([d34db33f/84h/0h/0h]xpub...)#x"),
    ]
    if encrypted:
        rows.append((b"\x04mkey" + struct.pack("<I", 1), os.urandom(64)))
    conn.executemany("INSERT INTO main VALUES (?, ?)", rows)
    conn.commit()
    conn.close()
    return path


def make_bdb_wallet(path: Path, *, encrypted: bool, pages: int = 3) -> Path:
    """A file with a Berkeley DB btree meta page (magic 0x00053162, 4096-byte pages)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = bytearray(4096)
    meta[12:16] = struct.pack("<I", 0x00053162)
    meta[16:20] = struct.pack("<I", 9)
    meta[20:24] = struct.pack("<I", 4096)
    body = bytearray(4096 * (pages - 1))
    body[100:108] = b"\x07version"
    if encrypted:
        body[5000:5009] = b"\x04mkey\x01\x00\x00\x00"
    path.write_bytes(bytes(meta) + bytes(body))
    return path


def electrum_encrypted_blob(magic: bytes = b"BIE1") -> bytes:
    return base64.b64encode(magic + os.urandom(33) + os.urandom(64) + os.urandom(32))


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def build_wallets(root: Path, places: dict[str, Path]) -> dict[Path, tuple[str, Encryption]]:
    """Lay out one of each wallet under ``places`` (scanner -> dir); return expected finds."""
    expected: dict[Path, tuple[str, Encryption]] = {}

    def expect(path: Path, wallet: str, enc: Encryption) -> None:
        expected[path] = (wallet, enc)

    btc = places["bitcoin-core"]
    expect(
        make_sqlite_wallet(btc / "wallets" / "savings" / "wallet.dat", encrypted=True),
        "bitcoin-core",
        Encryption.KEYS,
    )
    expect(
        make_sqlite_wallet(btc / "wallets" / "spending" / "wallet.dat", encrypted=False),
        "bitcoin-core",
        Encryption.NONE,
    )
    expect(make_bdb_wallet(btc / "wallet.dat", encrypted=True), "bitcoin-core", Encryption.KEYS)
    expect(
        make_sqlite_wallet(btc / "signet" / "wallets" / "test" / "wallet.dat", encrypted=False),
        "bitcoin-core",
        Encryption.NONE,
    )
    write(btc / "wallets" / "savings" / "wallet.dat-journal", b"journal")
    write(btc / "wallets" / "db.log", b"log")
    write(btc / "wallets" / "notes.txt", b"not a wallet")

    ltc = places["litecoin-core"]
    expect(
        make_bdb_wallet(ltc / "wallets" / "wallet.dat", encrypted=False),
        "litecoin-core",
        Encryption.NONE,
    )
    doge = places["dogecoin-core"]
    expect(make_bdb_wallet(doge / "wallet.dat", encrypted=True), "dogecoin-core", Encryption.KEYS)

    ele = places["electrum"]
    expect(
        write(
            ele / "wallets" / "default_wallet",
            json.dumps({"use_encryption": False, "seed_version": 59}),
        ),
        "electrum",
        Encryption.NONE,
    )
    expect(
        write(ele / "wallets" / "cold", json.dumps({"use_encryption": True})),
        "electrum",
        Encryption.KEYS,
    )
    expect(
        write(ele / "wallets" / "locked", electrum_encrypted_blob()), "electrum", Encryption.FILE
    )
    expect(
        write(ele / "testnet" / "wallets" / "hw", electrum_encrypted_blob(b"BIE2")),
        "electrum",
        Encryption.FILE,
    )
    write(ele / "wallets" / ".default_wallet.tmp", b"{")

    spa = places["sparrow"]
    expect(
        write(
            spa / "wallets" / "hot.mv.db", b"H:2,block:2,blockSize:1000,format:2\n" + b"\0" * 4000
        ),
        "sparrow",
        Encryption.NONE,
    )
    expect(
        write(spa / "wallets" / "cold.mv.db", b"H2encrypt\n" + os.urandom(4086)),
        "sparrow",
        Encryption.FILE,
    )
    write(spa / "wallets" / "backup" / "hot-20240101.mv.db", b"H:2,block:2\n")

    was = places["wasabi"]
    expect(
        write(
            was / "Wallets" / "Main.json",
            json.dumps({"EncryptedSecret": "6PYTvz...", "ExtPubKey": "xpub..."}),
        ),
        "wasabi",
        Encryption.KEYS,
    )
    expect(
        write(
            was / "Wallets" / "TestNet" / "Watch.json",
            json.dumps({"EncryptedSecret": None, "ExtPubKey": "tpub..."}),
        ),
        "wasabi",
        Encryption.NONE,
    )

    exo = places["exodus"]
    write(exo / "seed.seco", b"SECO" + os.urandom(60))
    write(exo / "storage.seco", b"SECO" + os.urandom(60))
    expect(exo, "exodus", Encryption.FILE)

    geth = places["geth"]
    expect(write(geth / "keystore" / GETH_NAME, json.dumps(GETH_KEY)), "geth", Encryption.FILE)
    expect(
        write(geth / "sepolia" / "keystore" / ("UTC--x--" + "1" * 40), json.dumps(GETH_KEY)),
        "geth",
        Encryption.FILE,
    )
    write(geth / "keystore" / f".{GETH_NAME}.tmp123", json.dumps(GETH_KEY))
    write(geth / "keystore" / "README", "not a key")

    xmr = places["monero"]
    expect(write(xmr / "main" / "main.keys", os.urandom(1500)), "monero", Encryption.FILE)
    write(xmr / "main" / "main", os.urandom(3000))
    write(xmr / "main" / "main.address.txt", "4A...")
    return expected


def linux_places(home: Path) -> dict[str, Path]:
    return {
        "bitcoin-core": home / ".bitcoin",
        "litecoin-core": home / ".litecoin",
        "dogecoin-core": home / ".dogecoin",
        "electrum": home / ".electrum",
        "sparrow": home / ".sparrow",
        "wasabi": home / ".walletwasabi" / "client",
        "exodus": home / ".config" / "Exodus" / "exodus.wallet",
        "geth": home / ".ethereum",
        "monero": home / "Monero" / "wallets",
    }


def darwin_places(home: Path) -> dict[str, Path]:
    support = home / "Library" / "Application Support"
    return {
        "bitcoin-core": support / "Bitcoin",
        "litecoin-core": support / "Litecoin",
        "dogecoin-core": support / "Dogecoin",
        "electrum": home / ".electrum",
        "sparrow": home / ".sparrow",
        "wasabi": home / ".walletwasabi" / "client",
        "exodus": support / "Exodus" / "exodus.wallet",
        "geth": home / "Library" / "Ethereum",
        "monero": home / "Monero" / "wallets",
    }


def windows_places(home: Path) -> dict[str, Path]:
    roaming, local = home / "AppData" / "Roaming", home / "AppData" / "Local"
    return {
        "bitcoin-core": local / "Bitcoin",
        "litecoin-core": roaming / "Litecoin",
        "dogecoin-core": roaming / "Dogecoin",
        "electrum": roaming / "Electrum",
        "sparrow": roaming / "Sparrow",
        "wasabi": roaming / "WalletWasabi" / "Client",
        "exodus": roaming / "Exodus" / "exodus.wallet",
        "geth": local / "Ethereum",
        "monero": home / "Documents" / "Monero" / "wallets",
    }


LAYOUTS = {"linux": linux_places, "darwin": darwin_places, "windows": windows_places}

LIVE_SAFE = {"wasabi", "geth"}


def _summary(finds: list[WalletFind]) -> dict[Path, tuple[str, Encryption]]:
    return {f.path: (f.wallet, f.encryption) for f in finds}


@pytest.mark.parametrize("platform", sorted(LAYOUTS))
def test_every_wallet_found_at_its_default_place(tmp_path: Path, platform: str) -> None:
    home = tmp_path / "home"
    expected = build_wallets(home, LAYOUTS[platform](home))
    finds = discover(home=home, platform=platform, env={})  # type: ignore[arg-type]
    assert _summary(finds) == expected
    for find in finds:
        assert find.live_copy_safe is (find.wallet in LIVE_SAFE)
        assert find.size == (
            sum(p.stat().st_size for p in find.path.rglob("*"))
            if find.kind == "folder"
            else find.path.stat().st_size
        )
        assert find.to_dict()["path"] == str(find.path)
        json.dumps(find.to_dict())


def test_layouts_of_other_platforms_are_not_mixed_up(tmp_path: Path) -> None:
    home = tmp_path / "home"
    build_wallets(home, windows_places(home))
    finds = discover(home=home, platform="linux", env={})
    # Linux looks in none of the Windows folders.
    assert finds == []


def test_finds_carry_network_name_and_format(tmp_path: Path) -> None:
    home = tmp_path / "home"
    build_wallets(home, linux_places(home))
    by_path = {f.path: f for f in discover(home=home, platform="linux", env={})}
    signet = by_path[home / ".bitcoin" / "signet" / "wallets" / "test" / "wallet.dat"]
    assert (signet.network, signet.name, signet.format) == ("signet", "test", FileFormat.SQLITE)
    assert signet.data_dir == home / ".bitcoin" / "signet"
    legacy = by_path[home / ".bitcoin" / "wallet.dat"]
    assert (legacy.name, legacy.format, legacy.encrypted) == ("", FileFormat.BDB, True)
    assert any("berkeley db" in note for note in legacy.notes)
    hw = by_path[home / ".electrum" / "testnet" / "wallets" / "hw"]
    assert (hw.network, hw.format) == ("testnet", FileFormat.ELECTRUM_ENCRYPTED)
    exodus = by_path[home / ".config" / "Exodus" / "exodus.wallet"]
    assert exodus.kind == "folder"
    watch = by_path[home / ".walletwasabi" / "client" / "Wallets" / "TestNet" / "Watch.json"]
    assert (watch.network, watch.encrypted) == ("testnet", False)


def test_windows_env_overrides_and_old_appdata_bitcoin(tmp_path: Path) -> None:
    home = tmp_path / "home"
    appdata, local = tmp_path / "roam", tmp_path / "loc"
    old = make_sqlite_wallet(
        appdata / "Bitcoin" / "wallets" / "old" / "wallet.dat", encrypted=False
    )
    new = make_sqlite_wallet(local / "Bitcoin" / "wallets" / "new" / "wallet.dat", encrypted=True)
    key = write(appdata / "Ethereum" / "keystore" / GETH_NAME, json.dumps(GETH_KEY))
    env = {"APPDATA": str(appdata), "LOCALAPPDATA": str(local)}
    finds = discover(home=home, platform="windows", env=env)
    assert {f.path for f in finds} == {old, new, key}


def test_xdg_and_electrumdir_overrides(tmp_path: Path) -> None:
    home = tmp_path / "home"
    custom = tmp_path / "elec"
    wallet = write(custom / "wallets" / "w1", json.dumps({"use_encryption": False}))
    exo = tmp_path / "cfg" / "Exodus" / "exodus.wallet"
    write(exo / "seed.seco", b"SECO")
    sparrow = write(tmp_path / "data" / "sparrow" / "wallets" / "x.mv.db", b"H:2,block:2\n")
    env = {
        "ELECTRUMDIR": str(custom),
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    finds = discover(home=home, platform="linux", env=env)
    assert {f.path for f in finds} == {wallet, exo, sparrow}


def test_bitcoin_conf_walletdir_and_datadir(tmp_path: Path) -> None:
    home = tmp_path / "home"
    elsewhere = tmp_path / "disk" / "wallets"
    moved = make_sqlite_wallet(elsewhere / "cold" / "wallet.dat", encrypted=True)
    write(home / ".bitcoin" / "bitcoin.conf", f"# mine\nwalletdir={elsewhere}\nserver=1\n")
    finds = discover(home=home, platform="linux", env={})
    assert [(f.path, f.name, f.encryption) for f in finds] == [(moved, "cold", Encryption.KEYS)]

    # datadir= in the default conf moves the whole data directory.
    other = tmp_path / "big" / "bitcoin"
    moved2 = make_sqlite_wallet(other / "wallets" / "w" / "wallet.dat", encrypted=False)
    write(home / ".bitcoin" / "bitcoin.conf", f"datadir={other}\n")
    assert [f.path for f in discover(home=home, platform="linux", env={})] == [moved2]


def test_user_named_data_dirs(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    ltc = tmp_path / "ltc-data"
    write(ltc / "litecoin.conf", "server=1\n")
    ltc_wallet = make_sqlite_wallet(ltc / "wallets" / "w" / "wallet.dat", encrypted=False)
    cli_dir = tmp_path / "where-i-ran-monero-cli"
    keys = write(cli_dir / "mine.keys", os.urandom(100))
    write(cli_dir / "mine", os.urandom(100))
    keystore = tmp_path / "keystore-copy"
    key = write(keystore / GETH_NAME, json.dumps(GETH_KEY))
    finds = discover(home=home, platform="linux", env={}, data_dirs=[ltc, cli_dir, keystore])
    summary = {(f.path, f.wallet) for f in finds}
    assert summary == {(ltc_wallet, "litecoin-core"), (keys, "monero"), (key, "geth")}


def test_named_dir_that_is_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a directory"):
        scan_data_dir(tmp_path / "missing")
    with pytest.raises(ValueError, match="not a directory"):
        discover(home=tmp_path, platform="linux", env={}, data_dirs=[write(tmp_path / "f", "x")])


def test_unknown_platform_is_a_caller_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown platform"):
        discover(home=tmp_path, platform="plan9", env={})  # type: ignore[arg-type]


def test_garbage_and_truncated_files_are_not_reported(tmp_path: Path) -> None:
    home = tmp_path / "home"
    write(home / ".bitcoin" / "wallets" / "wallet.dat", b"garbage, not a database")
    write(home / ".bitcoin" / "wallets" / "x" / "wallet.dat", b"")
    write(home / ".ethereum" / "keystore" / GETH_NAME, '{"version": 3, "crypto": ')
    write(home / ".ethereum" / "keystore" / "UTC--v1", json.dumps({"version": 1}))
    write(home / ".sparrow" / "wallets" / "broken.mv.db", b"not h2")
    write(home / ".electrum" / "wallets" / "notes", b"\x00\x01binary")
    assert discover(home=home, platform="linux", env={}) == []


def test_locked_sqlite_wallet_is_inspected_without_touching_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    path = make_sqlite_wallet(home / ".bitcoin" / "wallets" / "w" / "wallet.dat", encrypted=True)
    holder = sqlite3.connect(path)
    holder.execute("PRAGMA locking_mode=exclusive")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO main VALUES (?, ?)", (b"\x03key" + os.urandom(8), b"v"))
    before = sorted(os.listdir(path.parent)), path.stat().st_mtime_ns
    try:
        (find,) = discover(home=home, platform="linux", env={})
        assert find.encryption is Encryption.KEYS
        assert (sorted(os.listdir(path.parent)), path.stat().st_mtime_ns) == before
    finally:
        holder.rollback()
        holder.close()


def test_propose_items_names_are_unique_and_nothing_is_added(tmp_path: Path) -> None:
    home = tmp_path / "home"
    build_wallets(home, linux_places(home))
    finds = discover(home=home, platform="linux", env={})
    proposals = propose_items(finds, existing_names=["electrum-cold"])
    names = [p.name for p in proposals]
    assert len(set(names)) == len(names)
    by_path = {p.path: p for p in proposals}
    assert by_path[home / ".bitcoin" / "wallets" / "savings" / "wallet.dat"].name == (
        "bitcoin-core-savings"
    )
    assert by_path[home / ".bitcoin" / "wallet.dat"].name == "bitcoin-core-default"
    assert by_path[home / ".electrum" / "wallets" / "cold"].name == "electrum-cold-2"
    assert by_path[home / ".config" / "Exodus" / "exodus.wallet"].kind == "folder"
    assert all(p.find.path == p.path for p in proposals)
    # Two wallets that map to the same name get suffixes.
    twice = propose_items([finds[0], finds[0]])
    assert [p.name for p in twice][1] == twice[0].name + "-2"
