"""What a wallet file is, from its bytes: its format and whether the wallet encrypts it.

Read-only and bounded: a format is told from the first 4 KiB (:func:`detect_format`,
:func:`format_of`); an encryption reader looks at one record or field (Bitcoin Core's
``mkey`` record, Electrum's ``use_encryption``, Wasabi's ``EncryptedSecret``) and opens
SQLite with ``immutable=1``, so that a wallet its program holds locked is not disturbed.
JSON documents over 64 MiB are not parsed. An unreadable file is
:attr:`FileFormat.UNKNOWN` / :attr:`Encryption.UNKNOWN`, never an exception.

Where the facts come from: shared/notes/backup-anchors-and-wallets.md (Bitcoin Core
walletdb.cpp, electrum storage.py, Sparrow DbPersistence.java, go-ethereum keystore, ...).
"""

from __future__ import annotations

import base64
import binascii
import json
import sqlite3
from enum import Enum
from pathlib import Path
from typing import Any

__all__ = [
    "BDB_MAGIC",
    "Encryption",
    "FileFormat",
    "core_encryption",
    "detect_format",
    "electrum_encryption",
    "format_of",
    "is_geth_document",
    "is_geth_key",
    "read_json",
    "sparrow_encryption",
    "wasabi_encryption",
]

SQLITE_MAGIC = b"SQLite format 3\x00"
#: Berkeley DB btree magic (0x00053162) at byte offset 12, in either byte order.
BDB_MAGIC = (b"\x62\x31\x05\x00", b"\x00\x05\x31\x62")
H2_ENCRYPT_HEADER = b"H2encrypt\n"
H2_PLAIN_HEADER = b"H:2,"
#: Bitcoin Core's master-key record key: CompactSize(4) + "mkey" (walletdb.cpp DBKeys::MASTER_KEY).
_MKEY_RECORD = b"\x04mkey"
_SCAN_CHUNK = 1 << 20
_MAX_JSON_BYTES = 64 << 20


class Encryption(str, Enum):
    """Whether the wallet software encrypts the file itself."""

    #: The whole file is encrypted (Electrum with a password, Exodus, geth, Monero .keys).
    FILE = "file"
    #: Private keys are encrypted; addresses, labels and transactions stay readable.
    KEYS = "keys"
    #: Nothing is encrypted: whoever reads the file can spend.
    NONE = "none"
    #: Not detectable from the file (or the file could not be read).
    UNKNOWN = "unknown"


class FileFormat(str, Enum):
    """The on-disk format, as far as the first bytes tell."""

    SQLITE = "sqlite"
    BDB = "bdb"
    JSON = "json"
    ELECTRUM_ENCRYPTED = "electrum-encrypted"
    H2 = "h2"
    H2_ENCRYPTED = "h2-encrypted"
    SECO = "seco"
    MONERO_KEYS = "monero-keys"
    FOLDER = "folder"
    UNKNOWN = "unknown"


def _head(path: Path, size: int = 4096) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(size)
    except OSError:
        return b""


def _file_contains(path: Path, needle: bytes) -> bool | None:
    """Stream ``path`` looking for ``needle``; None when it cannot be read."""
    overlap = len(needle) - 1
    tail = b""
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_SCAN_CHUNK):
                if needle in tail + chunk:
                    return True
                tail = chunk[-overlap:] if overlap else b""
    except OSError:
        return None
    return False


def read_json(path: Path) -> Any:
    """The parsed JSON document, or None when it is not JSON (or unreadable, or huge)."""
    try:
        if path.stat().st_size > _MAX_JSON_BYTES:
            return None
        return json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None


def _electrum_magic(head: bytes) -> bytes | None:
    """``BIE1``/``BIE2`` when ``head`` starts Electrum's base64 encrypted storage."""
    head = head[:64].strip()
    if not head or head[:1] in (b"{", b"["):
        return None
    try:
        magic = base64.b64decode(head[:8], validate=True)[:4]
    except (binascii.Error, ValueError):
        return None
    return magic if magic in (b"BIE1", b"BIE2") else None


def detect_format(path: Path) -> FileFormat:
    """The file's format from its first bytes (never more than 4 KiB is read)."""
    if path.is_dir():
        return FileFormat.FOLDER
    return format_of(_head(path), path.suffix)


def format_of(head: bytes, suffix: str = "") -> FileFormat:
    """The format that a file's first bytes (4 KiB is enough) and name suffix show."""
    if head.startswith(SQLITE_MAGIC):
        return FileFormat.SQLITE
    if head[12:16] in BDB_MAGIC:
        return FileFormat.BDB
    if head.startswith(H2_ENCRYPT_HEADER):
        return FileFormat.H2_ENCRYPTED
    if head.startswith(H2_PLAIN_HEADER):
        return FileFormat.H2
    if head.lstrip()[:1] in (b"{", b"["):
        return FileFormat.JSON
    if _electrum_magic(head) is not None:
        return FileFormat.ELECTRUM_ENCRYPTED
    if suffix == ".seco":
        return FileFormat.SECO
    if suffix == ".keys":
        return FileFormat.MONERO_KEYS
    return FileFormat.UNKNOWN


# --- encryption, as each wallet records it ------------------------------------------------


def _sqlite_has_master_key(path: Path) -> bool | None:
    """Whether a descriptor (SQLite) wallet holds an ``mkey`` record; None when unreadable.

    ``immutable=1`` reads without taking any lock, so a wallet that Bitcoin Core holds
    with ``locking_mode=exclusive`` can still be inspected, and nothing is written.
    """
    uri = f"{path.absolute().as_uri()}?mode=ro&immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True)
    except sqlite3.Error:
        return None
    try:
        row = conn.execute(
            "SELECT 1 FROM main WHERE substr(key, 1, 5) = ? LIMIT 1", (_MKEY_RECORD,)
        ).fetchone()
        return row is not None
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def core_encryption(path: Path, file_format: FileFormat) -> Encryption:
    """Bitcoin Core (and forks): KEYS when the wallet holds a master-key record."""
    if file_format is FileFormat.SQLITE:
        found = _sqlite_has_master_key(path)
    elif file_format is FileFormat.BDB:
        found = _file_contains(path, _MKEY_RECORD)
    else:
        found = None
    if found is None:
        return Encryption.UNKNOWN
    return Encryption.KEYS if found else Encryption.NONE


def electrum_encryption(path: Path, file_format: FileFormat) -> Encryption:
    """Electrum: FILE for encrypted storage, else its ``use_encryption`` flag."""
    if file_format is FileFormat.ELECTRUM_ENCRYPTED:
        return Encryption.FILE
    document = read_json(path)
    if not isinstance(document, dict):
        return Encryption.UNKNOWN
    return Encryption.KEYS if document.get("use_encryption") else Encryption.NONE


def sparrow_encryption(path: Path, file_format: FileFormat) -> Encryption:
    """Sparrow: an encrypted H2 database or Electrum-style encrypted JSON is FILE."""
    del path  # the format says it all
    if file_format in (FileFormat.H2_ENCRYPTED, FileFormat.ELECTRUM_ENCRYPTED):
        return Encryption.FILE
    if file_format is FileFormat.H2:
        return Encryption.NONE
    return Encryption.UNKNOWN


def wasabi_encryption(path: Path, file_format: FileFormat) -> Encryption:
    """Wasabi: KEYS when the wallet holds an ``EncryptedSecret``; watch-only ones hold none."""
    del file_format  # always JSON
    document = read_json(path)
    if not isinstance(document, dict):
        return Encryption.UNKNOWN
    return Encryption.KEYS if document.get("EncryptedSecret") else Encryption.NONE


def is_geth_key(path: Path) -> bool:
    """Whether ``path`` is an Ethereum v3 keystore file (always encrypted with its password)."""
    return is_geth_document(read_json(path))


def is_geth_document(document: Any) -> bool:
    """Whether a parsed JSON document is an Ethereum v3 keystore entry."""
    return (
        isinstance(document, dict)
        and document.get("version") == 3
        and isinstance(document.get("crypto", document.get("Crypto")), dict)
    )
