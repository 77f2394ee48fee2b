"""A wallet file's format from its first bytes, and each wallet's record of encryption."""

from __future__ import annotations

import json
import os
import sqlite3
import struct
from pathlib import Path

from keyvault.wallets.formats import (
    Encryption,
    FileFormat,
    core_encryption,
    detect_format,
    electrum_encryption,
    is_geth_key,
    sparrow_encryption,
    wasabi_encryption,
)

from .test_discover import (
    GETH_KEY,
    electrum_encrypted_blob,
    make_bdb_wallet,
    make_sqlite_wallet,
    write,
)


def test_detect_format(tmp_path: Path) -> None:
    assert detect_format(make_sqlite_wallet(tmp_path / "a", encrypted=False)) is FileFormat.SQLITE
    assert detect_format(make_bdb_wallet(tmp_path / "b", encrypted=False)) is FileFormat.BDB
    big_endian = bytearray(make_bdb_wallet(tmp_path / "c", encrypted=False).read_bytes())
    big_endian[12:16] = struct.pack(">I", 0x00053162)
    assert detect_format(write(tmp_path / "c", bytes(big_endian))) is FileFormat.BDB
    assert detect_format(write(tmp_path / "d.seco", b"SECO")) is FileFormat.SECO
    assert detect_format(write(tmp_path / "e", electrum_encrypted_blob())) is (
        FileFormat.ELECTRUM_ENCRYPTED
    )
    assert detect_format(write(tmp_path / "f", b"QklFMwxx")) is FileFormat.UNKNOWN  # "BIE3"
    assert detect_format(tmp_path) is FileFormat.FOLDER


def test_core_encryption_reads_the_master_key_record(tmp_path: Path) -> None:
    for encrypted, expected in ((True, Encryption.KEYS), (False, Encryption.NONE)):
        sqlite = make_sqlite_wallet(tmp_path / f"s{encrypted}", encrypted=encrypted)
        assert core_encryption(sqlite, FileFormat.SQLITE) is expected
        bdb = make_bdb_wallet(tmp_path / f"b{encrypted}", encrypted=encrypted)
        assert core_encryption(bdb, FileFormat.BDB) is expected
    # A database without Core's table, and a file of another format, tell nothing.
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t(x)")
    conn.commit()
    conn.close()
    assert core_encryption(other, FileFormat.SQLITE) is Encryption.UNKNOWN
    assert core_encryption(write(tmp_path / "j", "{}"), FileFormat.JSON) is Encryption.UNKNOWN


def test_electrum_wasabi_and_sparrow_encryption(tmp_path: Path) -> None:
    blob = write(tmp_path / "enc", electrum_encrypted_blob())
    assert electrum_encryption(blob, FileFormat.ELECTRUM_ENCRYPTED) is Encryption.FILE
    keys = write(tmp_path / "k", json.dumps({"use_encryption": True}))
    assert electrum_encryption(keys, FileFormat.JSON) is Encryption.KEYS
    plain = write(tmp_path / "p", json.dumps({"use_encryption": False}))
    assert electrum_encryption(plain, FileFormat.JSON) is Encryption.NONE
    assert electrum_encryption(write(tmp_path / "l", "[1]"), FileFormat.JSON) is (
        Encryption.UNKNOWN
    )
    main = write(tmp_path / "Main.json", json.dumps({"EncryptedSecret": "6PY..."}))
    assert wasabi_encryption(main, FileFormat.JSON) is Encryption.KEYS
    watch = write(tmp_path / "Watch.json", json.dumps({"EncryptedSecret": None}))
    assert wasabi_encryption(watch, FileFormat.JSON) is Encryption.NONE
    assert wasabi_encryption(write(tmp_path / "bad.json", "{"), FileFormat.JSON) is (
        Encryption.UNKNOWN
    )
    sparrow = {
        FileFormat.H2: Encryption.NONE,
        FileFormat.H2_ENCRYPTED: Encryption.FILE,
        FileFormat.ELECTRUM_ENCRYPTED: Encryption.FILE,
        FileFormat.JSON: Encryption.UNKNOWN,
    }
    for file_format, expected in sparrow.items():
        assert sparrow_encryption(tmp_path / "any", file_format) is expected


def test_geth_keys_are_recognised_by_content(tmp_path: Path) -> None:
    assert is_geth_key(write(tmp_path / "a", json.dumps(GETH_KEY)))
    upper = {**{k: v for k, v in GETH_KEY.items() if k != "crypto"}, "Crypto": GETH_KEY["crypto"]}
    assert is_geth_key(write(tmp_path / "b", json.dumps(upper)))
    assert not is_geth_key(write(tmp_path / "c", json.dumps({"version": 1})))
    assert not is_geth_key(write(tmp_path / "d", os.urandom(64)))
    assert not is_geth_key(tmp_path / "missing")
