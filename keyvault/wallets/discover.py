"""Find wallet files on this machine: read-only, and only when the user asks.

:func:`discover` looks at the default data directories of Bitcoin Core, Litecoin Core,
Dogecoin Core, Electrum, Sparrow, Wasabi, Exodus, the Ethereum (geth) keystore and Monero
for a given platform (``linux``, ``darwin``, ``windows``), home folder and environment,
plus any data directories the user names. It is pure apart from reading: it never writes,
never locks, and opens SQLite files with ``immutable=1`` so that a running wallet is not
disturbed. Tests build fake home folders for each OS layout and pass them in.

Each :class:`WalletFind` says which wallet it is, where, how big, whether the wallet
encrypts the file itself (:class:`Encryption`) and whether copying it while the wallet
runs is safe. ``keyvault add --discovered`` turns the finds the user confirms into items
with :func:`propose_items`; snapshots of a find go through
:func:`keyvault.wallets.copy.copy_wallet`.

Where the facts come from: shared/notes/backup-anchors-and-wallets.md (each wallet's own
sources: Bitcoin Core doc/files.md, electrum storage.py, Sparrow DbPersistence.java,
go-ethereum node/defaults.go, monero-gui main.cpp, ...).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import sqlite3
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "BDB_MAGIC",
    "NODE_WALLETS",
    "Encryption",
    "FileFormat",
    "Platform",
    "ProposedItem",
    "WalletFind",
    "current_platform",
    "detect_format",
    "discover",
    "format_of",
    "node_conf",
    "propose_items",
    "read_node_conf",
    "scan_data_dir",
]

Platform = Literal["linux", "darwin", "windows"]

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


@dataclass(frozen=True)
class WalletFind:
    """One wallet file (or folder) found on this machine. Public facts only."""

    #: Stable id of the wallet software: ``bitcoin-core``, ``electrum``, ``geth``, ...
    wallet: str
    #: Its human name: "Bitcoin Core", "Electrum", ...
    software: str
    path: Path
    #: ``file`` or ``folder`` (Exodus keeps a folder of SECO files).
    kind: Literal["file", "folder"]
    size: int
    format: FileFormat
    encryption: Encryption
    #: True when copying while the wallet runs gives a consistent copy.
    live_copy_safe: bool
    #: The wallet's data directory (for Bitcoin Core: the chain directory holding ``.cookie``).
    data_dir: Path
    #: ``main``, ``testnet3``, ``signet``, ... where the wallet tells.
    network: str = "main"
    #: The wallet's own name (Bitcoin Core wallet name, Electrum file name, ...).
    name: str = ""
    #: What the user should know before backing it up (lowercase, no final period).
    notes: tuple[str, ...] = ()

    @property
    def encrypted(self) -> bool | None:
        """True when the wallet encrypts (at least) its private keys; None when unknown."""
        if self.encryption is Encryption.UNKNOWN:
            return None
        return self.encryption is not Encryption.NONE

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping (paths as strings)."""
        return {
            "wallet": self.wallet,
            "software": self.software,
            "name": self.name,
            "network": self.network,
            "path": str(self.path),
            "kind": self.kind,
            "size": self.size,
            "format": self.format.value,
            "encryption": self.encryption.value,
            "encrypted": self.encrypted,
            "live_copy_safe": self.live_copy_safe,
            "data_dir": str(self.data_dir),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class ProposedItem:
    """What ``keyvault add --discovered`` would add for one find, once the user confirms."""

    name: str
    kind: Literal["file", "folder"]
    path: Path
    find: WalletFind


def current_platform() -> Platform:
    """This machine's platform in discovery's terms."""
    if sys.platform == "win32":
        return "windows"
    if sys.platform == "darwin":
        return "darwin"
    return "linux"


# --- file inspection (read-only) --------------------------------------------------------


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


def _read_json(path: Path) -> Any:
    """The parsed JSON document, or None when it is not JSON (or unreadable, or huge)."""
    try:
        if path.stat().st_size > _MAX_JSON_BYTES:
            return None
        return json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None


def _electrum_encrypted_header(path: Path) -> bytes | None:
    """``BIE1``/``BIE2`` when the file is Electrum's base64 encrypted storage, else None."""
    return _electrum_magic(_head(path, 64))


def _electrum_magic(head: bytes) -> bytes | None:
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


def _core_encryption(path: Path, file_format: FileFormat) -> Encryption:
    if file_format is FileFormat.SQLITE:
        found = _sqlite_has_master_key(path)
    elif file_format is FileFormat.BDB:
        found = _file_contains(path, _MKEY_RECORD)
    else:
        found = None
    if found is None:
        return Encryption.UNKNOWN
    return Encryption.KEYS if found else Encryption.NONE


def _size(path: Path) -> int:
    try:
        if path.is_dir():
            return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        return path.stat().st_size
    except OSError:
        return 0


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:
        return False


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


def _children(directory: Path) -> list[Path]:
    try:
        return sorted(directory.iterdir())
    except OSError:
        return []


# --- Bitcoin Core and its forks ---------------------------------------------------------


@dataclass(frozen=True)
class _Node:
    wallet: str
    software: str
    conf_name: str
    #: chain directory name -> network name; "" is the data dir itself (mainnet).
    chains: tuple[tuple[str, str], ...]
    #: Conf section that applies to each network (bitcoin.conf ``[test]`` etc.).
    sections: Mapping[str, str]
    #: Whether the node serves ``/wallet/<name>`` RPC endpoints (multiwallet).
    multiwallet: bool
    rpc_ports: Mapping[str, int]


NODE_WALLETS: dict[str, _Node] = {
    "bitcoin-core": _Node(
        "bitcoin-core",
        "Bitcoin Core",
        "bitcoin.conf",
        (
            ("", "main"),
            ("testnet3", "testnet3"),
            ("testnet4", "testnet4"),
            ("signet", "signet"),
            ("regtest", "regtest"),
        ),
        {
            "main": "main",
            "testnet3": "test",
            "testnet4": "testnet4",
            "signet": "signet",
            "regtest": "regtest",
        },
        True,
        {"main": 8332, "testnet3": 18332, "testnet4": 48332, "signet": 38332, "regtest": 18443},
    ),
    "litecoin-core": _Node(
        "litecoin-core",
        "Litecoin Core",
        "litecoin.conf",
        (("", "main"), ("testnet4", "testnet4"), ("signet", "signet"), ("regtest", "regtest")),
        {"main": "main", "testnet4": "test", "signet": "signet", "regtest": "regtest"},
        True,
        {"main": 9332, "testnet4": 19332, "signet": 39332, "regtest": 19443},
    ),
    "dogecoin-core": _Node(
        "dogecoin-core",
        "Dogecoin Core",
        "dogecoin.conf",
        (("", "main"), ("testnet3", "testnet3"), ("regtest", "regtest")),
        {"main": "main", "testnet3": "test", "regtest": "regtest"},
        False,
        {"main": 22555, "testnet3": 44555, "regtest": 18332},
    ),
}

_CONF_LINE = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*=\s*(.*?)\s*$")


def read_node_conf(path: Path) -> dict[str, dict[str, str]]:
    """Parse a bitcoin.conf-style file: ``{"": top-level, "test": [test] section, ...}``.

    Later values win; ``#`` comments and unknown lines are ignored; a missing file is empty.
    """
    sections: dict[str, dict[str, str]] = {"": {}}
    current = ""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return sections
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
            sections.setdefault(current, {})
            continue
        match = _CONF_LINE.match(line)
        if match:
            sections[current][match.group(1)] = match.group(2)
    return sections


def node_conf(data_dir: Path, wallet: str, network: str) -> dict[str, str]:
    """The settings that apply to ``network``: top-level, overridden by its own section.

    ``data_dir`` is the node's data directory (not the chain directory).
    """
    node = NODE_WALLETS[wallet]
    conf = read_node_conf(data_dir / node.conf_name)
    merged = dict(conf[""])
    section = node.sections.get(network, network)
    if network != "main" or section in conf:
        merged.update(conf.get(section, {}))
    return merged


def _looks_like_node_wallet(path: Path) -> bool:
    return detect_format(path) in (FileFormat.SQLITE, FileFormat.BDB)


def _node_wallet_files(wallet_dir: Path) -> Iterator[tuple[str, Path]]:
    """(wallet name, wallet file) pairs in a Bitcoin Core ``-walletdir``."""
    for child in _children(wallet_dir):
        if _is_dir(child):
            candidate = child / "wallet.dat"
            if _is_file(candidate) and _looks_like_node_wallet(candidate):
                yield child.name, candidate
        elif child.name == "wallet.dat":
            if _looks_like_node_wallet(child):
                yield "", child
        elif (
            _is_file(child)
            and not child.name.endswith(("-journal", "-wal", "-shm"))
            and child.name not in ("db.log", ".walletlock")
            and _looks_like_node_wallet(child)
        ):
            # Wallets created as plain files in the wallet dir by old releases.
            yield child.name, child


def _scan_node(
    node: _Node, data_dir: Path, *, extra_notes: tuple[str, ...] = ()
) -> list[WalletFind]:
    finds: list[WalletFind] = []
    seen: set[Path] = set()
    top = read_node_conf(data_dir / node.conf_name)
    configured = top[""].get("datadir")
    if configured and _is_dir(Path(configured).expanduser()) and Path(configured) != data_dir:
        # The conf in the default place moves the data elsewhere (bitcoin.conf datadir=).
        data_dir = Path(configured).expanduser()
    for chain_name, network in node.chains:
        chain_dir = data_dir / chain_name if chain_name else data_dir
        if not _is_dir(chain_dir):
            continue
        conf = node_conf(data_dir, node.wallet, network)
        wallet_dirs: list[Path] = []
        if conf.get("walletdir"):
            wallet_dirs.append(Path(conf["walletdir"]).expanduser())
        wallet_dirs.append(chain_dir / "wallets")
        pairs: list[tuple[str, Path]] = []
        for wallet_dir in wallet_dirs:
            if _is_dir(wallet_dir):
                pairs.extend(_node_wallet_files(wallet_dir))
        legacy = chain_dir / "wallet.dat"
        if _is_file(legacy) and _looks_like_node_wallet(legacy):
            pairs.append(("", legacy))
        for name, path in pairs:
            resolved = path.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            file_format = detect_format(path)
            notes = [
                "the wallet holds an exclusive lock while loaded: keyvault copies it through "
                "the node's backupwallet rpc (cookie auth) when the node runs",
            ]
            if file_format is FileFormat.BDB:
                notes.append(
                    "legacy berkeley db wallet: bitcoin core 30 and later can only migrate it"
                )
            finds.append(
                WalletFind(
                    wallet=node.wallet,
                    software=node.software,
                    path=path,
                    kind="file",
                    size=_size(path),
                    format=file_format,
                    encryption=_core_encryption(path, file_format),
                    live_copy_safe=False,
                    data_dir=chain_dir,
                    network=network,
                    name=name,
                    notes=(*notes, *extra_notes),
                )
            )
    return finds


# --- the other wallets ------------------------------------------------------------------


def _wallets_per_network(root: Path) -> list[tuple[str, Path]]:
    """(network, wallets folder) pairs in the layout Electrum and Sparrow share: main's
    wallets in ``root/wallets``, each test network's in ``root/<network>/wallets``."""
    networks = ("testnet", "testnet4", "regtest", "signet")
    return [("main", root / "wallets")] + [(net, root / net / "wallets") for net in networks]


def _electrum_encryption(path: Path) -> Encryption:
    if _electrum_encrypted_header(path) is not None:
        return Encryption.FILE
    document = _read_json(path)
    if not isinstance(document, dict):
        return Encryption.UNKNOWN
    return Encryption.KEYS if document.get("use_encryption") else Encryption.NONE


def _scan_electrum(root: Path) -> list[WalletFind]:
    finds: list[WalletFind] = []
    for network, wallets in _wallets_per_network(root):
        for path in _children(wallets):
            if (
                not _is_file(path)
                or path.name.startswith(".")
                or path.suffix
                in (
                    ".tmp",
                    ".lock",
                )
            ):
                continue
            file_format = detect_format(path)
            if file_format not in (FileFormat.JSON, FileFormat.ELECTRUM_ENCRYPTED):
                continue
            finds.append(
                WalletFind(
                    wallet="electrum",
                    software="Electrum",
                    path=path,
                    kind="file",
                    size=_size(path),
                    format=file_format,
                    encryption=_electrum_encryption(path),
                    live_copy_safe=False,
                    data_dir=root,
                    network=network,
                    name=path.name,
                    notes=(
                        "electrum may append to an open wallet file: keyvault copies it only "
                        "when two reads agree and the copy parses",
                    ),
                )
            )
    return finds


def _sparrow_encryption(path: Path, file_format: FileFormat) -> Encryption:
    if file_format is FileFormat.H2_ENCRYPTED:
        return Encryption.FILE
    if file_format is FileFormat.H2:
        return Encryption.NONE
    if file_format is FileFormat.ELECTRUM_ENCRYPTED:
        return Encryption.FILE
    return Encryption.UNKNOWN


def _scan_sparrow(root: Path) -> list[WalletFind]:
    finds: list[WalletFind] = []
    for network, wallets in _wallets_per_network(root):
        for path in _children(wallets):
            # wallets/backup/ holds Sparrow's own timestamped copies: not originals.
            if not _is_file(path):
                continue
            if not (path.name.endswith(".mv.db") or path.suffix == ".json"):
                continue
            file_format = detect_format(path)
            if path.name.endswith(".mv.db") and file_format not in (
                FileFormat.H2,
                FileFormat.H2_ENCRYPTED,
            ):
                continue
            name = path.name.removesuffix(".mv.db").removesuffix(".json")
            finds.append(
                WalletFind(
                    wallet="sparrow",
                    software="Sparrow",
                    path=path,
                    kind="file",
                    size=_size(path),
                    format=file_format,
                    encryption=_sparrow_encryption(path, file_format),
                    live_copy_safe=False,
                    data_dir=root,
                    network=network,
                    name=name,
                    notes=("close the wallet in sparrow first, or use its wallets/backup copy",),
                )
            )
    return finds


def _wasabi_encryption(path: Path) -> Encryption:
    document = _read_json(path)
    if not isinstance(document, dict):
        return Encryption.UNKNOWN
    # Watch-only wallets have no EncryptedSecret; they hold no private key at all.
    return Encryption.KEYS if document.get("EncryptedSecret") else Encryption.NONE


def _scan_wasabi(root: Path) -> list[WalletFind]:
    finds: list[WalletFind] = []
    wallets = root / "Wallets"
    dirs = [("main", wallets)]
    dirs += [(child.name.lower(), child) for child in _children(wallets) if _is_dir(child)]
    for network, directory in dirs:
        for path in _children(directory):
            if not _is_file(path) or path.suffix != ".json":
                continue
            if detect_format(path) is not FileFormat.JSON:
                continue
            finds.append(
                WalletFind(
                    wallet="wasabi",
                    software="Wasabi Wallet",
                    path=path,
                    kind="file",
                    size=_size(path),
                    format=FileFormat.JSON,
                    encryption=_wasabi_encryption(path),
                    live_copy_safe=True,
                    data_dir=root,
                    network=network,
                    name=path.stem,
                    notes=("xpubs, labels and the chain code are stored in plaintext",),
                )
            )
    return finds


def _scan_exodus(folder: Path) -> list[WalletFind]:
    if not _is_dir(folder) or not any(p.suffix == ".seco" for p in _children(folder)):
        return []
    return [
        WalletFind(
            wallet="exodus",
            software="Exodus",
            path=folder,
            kind="folder",
            size=_size(folder),
            format=FileFormat.FOLDER,
            encryption=Encryption.FILE,
            live_copy_safe=False,
            data_dir=folder.parent,
            name="exodus.wallet",
            notes=(
                "quit exodus before copying",
                "exodus says its 12-word phrase, not this folder, is the backup",
            ),
        )
    ]


def _is_geth_key(path: Path) -> bool:
    document = _read_json(path)
    return (
        isinstance(document, dict)
        and document.get("version") == 3
        and isinstance(document.get("crypto", document.get("Crypto")), dict)
    )


def _keystore_finds(keystore: Path, data_dir: Path, network: str) -> list[WalletFind]:
    finds: list[WalletFind] = []
    for path in _children(keystore):
        # geth writes ".UTC--...tmp" first and renames; those are not keys yet.
        if path.name.startswith(".") or not _is_file(path) or not _is_geth_key(path):
            continue
        finds.append(
            WalletFind(
                wallet="geth",
                software="Ethereum keystore (geth)",
                path=path,
                kind="file",
                size=_size(path),
                format=FileFormat.JSON,
                encryption=Encryption.FILE,
                live_copy_safe=True,
                data_dir=data_dir,
                network=network,
                name=path.name,
            )
        )
    return finds


def _scan_geth(root: Path) -> list[WalletFind]:
    finds = _keystore_finds(root / "keystore", root, "main")
    for network in ("sepolia", "holesky", "hoodi", "goerli"):
        finds += _keystore_finds(root / network / "keystore", root, network)
    return finds


def _scan_monero(root: Path) -> list[WalletFind]:
    finds: list[WalletFind] = []
    for directory in _children(root):
        candidates = [directory] if _is_file(directory) else _children(directory)
        for path in candidates:
            if not _is_file(path) or path.suffix != ".keys":
                continue
            finds.append(
                WalletFind(
                    wallet="monero",
                    software="Monero",
                    path=path,
                    kind="file",
                    size=_size(path),
                    format=FileFormat.MONERO_KEYS,
                    encryption=Encryption.FILE,
                    live_copy_safe=False,
                    data_dir=root,
                    name=path.stem,
                    notes=(
                        "the .keys file holds the keys; the cache beside it is rebuilt by a rescan",
                        "monero-wallet-cli writes wallets wherever it was run: name that folder "
                        "with --data-dir",
                    ),
                )
            )
    return finds


# --- default places per platform --------------------------------------------------------


@dataclass(frozen=True)
class _Location:
    scanner: str
    path: Path


def _default_locations(platform: Platform, home: Path, env: Mapping[str, str]) -> list[_Location]:
    def env_dir(name: str, default: Path) -> Path:
        value = env.get(name)
        return Path(value) if value else default

    locations: list[_Location] = []
    electrum_env = env.get("ELECTRUMDIR")
    if platform == "windows":
        appdata = env_dir("APPDATA", home / "AppData" / "Roaming")
        local = env_dir("LOCALAPPDATA", home / "AppData" / "Local")
        locations += [
            # Bitcoin Core 28+ uses LOCALAPPDATA for new installs; older ones APPDATA.
            _Location("bitcoin-core", local / "Bitcoin"),
            _Location("bitcoin-core", appdata / "Bitcoin"),
            _Location("litecoin-core", appdata / "Litecoin"),
            _Location("dogecoin-core", appdata / "Dogecoin"),
            _Location("electrum", Path(electrum_env) if electrum_env else appdata / "Electrum"),
            _Location("electrum", local / "Electrum"),
            _Location("sparrow", appdata / "Sparrow"),
            _Location("wasabi", appdata / "WalletWasabi" / "Client"),
            _Location("exodus", appdata / "Exodus" / "exodus.wallet"),
            _Location("geth", local / "Ethereum"),
            _Location("geth", appdata / "Ethereum"),
            _Location("monero", home / "Documents" / "Monero" / "wallets"),
        ]
        return locations
    if platform == "darwin":
        support = home / "Library" / "Application Support"
        locations += [
            _Location("bitcoin-core", support / "Bitcoin"),
            _Location("litecoin-core", support / "Litecoin"),
            _Location("dogecoin-core", support / "Dogecoin"),
            _Location("exodus", support / "Exodus" / "exodus.wallet"),
            _Location("geth", home / "Library" / "Ethereum"),
        ]
    else:
        config = env_dir("XDG_CONFIG_HOME", home / ".config")
        data = env_dir("XDG_DATA_HOME", home / ".local" / "share")
        locations += [
            _Location("bitcoin-core", home / ".bitcoin"),
            _Location("litecoin-core", home / ".litecoin"),
            _Location("dogecoin-core", home / ".dogecoin"),
            _Location("sparrow", data / "sparrow"),
            _Location("exodus", config / "Exodus" / "exodus.wallet"),
            _Location("geth", home / ".ethereum"),
            _Location("monero", home / "Persistent" / "Monero" / "wallets"),
        ]
    locations += [
        _Location("electrum", Path(electrum_env) if electrum_env else home / ".electrum"),
        _Location("sparrow", home / ".sparrow"),
        _Location("wasabi", home / ".walletwasabi" / "client"),
        _Location("monero", home / "Monero" / "wallets"),
    ]
    return locations


def _run_scanner(scanner: str, path: Path) -> list[WalletFind]:
    if scanner in NODE_WALLETS:
        return _scan_node(NODE_WALLETS[scanner], path)
    if scanner == "electrum":
        return _scan_electrum(path)
    if scanner == "sparrow":
        return _scan_sparrow(path)
    if scanner == "wasabi":
        return _scan_wasabi(path)
    if scanner == "exodus":
        return _scan_exodus(path)
    if scanner == "geth":
        return _scan_geth(path)
    if scanner == "monero":
        return _scan_monero(path)
    raise ValueError(f"unknown scanner {scanner!r}")


def _node_for_dir(data_dir: Path) -> str:
    for wallet, node in NODE_WALLETS.items():
        if _is_file(data_dir / node.conf_name):
            return wallet
    lowered = data_dir.name.lower()
    for wallet in ("litecoin-core", "dogecoin-core"):
        if wallet.split("-")[0] in lowered:
            return wallet
    return "bitcoin-core"


def scan_data_dir(data_dir: Path) -> list[WalletFind]:
    """Every wallet found in a data directory the user names (any wallet's layout).

    A Bitcoin Core-style directory is attributed by its conf file (``litecoin.conf``, ...)
    or its name, else to Bitcoin Core. A folder of loose wallet files (e.g. where
    monero-wallet-cli was run, or a copy of an Electrum ``wallets`` folder) is recognised
    file by file.
    """
    data_dir = Path(data_dir)
    if not _is_dir(data_dir):
        raise ValueError(f"not a directory: {data_dir}")
    finds: list[WalletFind] = []
    finds += _scan_node(NODE_WALLETS[_node_for_dir(data_dir)], data_dir)
    finds += _scan_electrum(data_dir)
    finds += _scan_sparrow(data_dir)
    finds += _scan_wasabi(data_dir)
    finds += _scan_geth(data_dir)
    finds += _scan_monero(data_dir)
    if data_dir.name == "exodus.wallet":
        finds += _scan_exodus(data_dir)
    else:
        finds += _scan_exodus(data_dir / "exodus.wallet")
    # The user may name a keystore folder itself.
    finds += _keystore_finds(data_dir, data_dir, "main")
    return finds


def _unique(finds: Iterable[WalletFind]) -> list[WalletFind]:
    seen: set[str] = set()
    out: list[WalletFind] = []
    for find in finds:
        key = os.path.normcase(str(find.path.absolute()))
        if key not in seen:
            seen.add(key)
            out.append(find)
    return out


def discover(
    *,
    home: Path | None = None,
    platform: Platform | None = None,
    env: Mapping[str, str] | None = None,
    data_dirs: Sequence[Path] = (),
) -> list[WalletFind]:
    """Every wallet file at its default place for ``platform`` under ``home``, plus ``data_dirs``.

    Defaults: this machine's platform, ``Path.home()`` and ``os.environ`` (``APPDATA``,
    ``LOCALAPPDATA``, ``XDG_CONFIG_HOME``, ``XDG_DATA_HOME``, ``ELECTRUMDIR``). Read-only:
    files are opened for reading and SQLite without locks. A path found twice is listed
    once. Raises ``ValueError`` when a named data dir is not a directory.
    """
    platform = platform or current_platform()
    if platform not in ("linux", "darwin", "windows"):
        raise ValueError(f"unknown platform {platform!r}")
    home = Path.home() if home is None else Path(home)
    env = os.environ if env is None else env
    finds: list[WalletFind] = []
    for data_dir in data_dirs:
        finds += scan_data_dir(Path(data_dir).expanduser())
    for location in _default_locations(platform, home, env):
        if _is_dir(location.path):
            finds += _run_scanner(location.scanner, location.path)
    return _unique(finds)


_NAME_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def propose_items(
    finds: Iterable[WalletFind], existing_names: Iterable[str] = ()
) -> list[ProposedItem]:
    """Item proposals for ``keyvault add --discovered``: one per find, with unique names.

    Names look like ``bitcoin-core-main-savings`` or ``electrum-default_wallet``; a name
    already taken (in ``existing_names`` or earlier in the list) gets ``-2``, ``-3``, ...
    Nothing is added here: the caller shows the list and adds only what the user confirms.
    """
    taken = set(existing_names)
    proposals: list[ProposedItem] = []
    for find in finds:
        parts = [find.wallet]
        if find.network != "main":
            parts.append(find.network)
        parts.append(find.name or ("default" if find.wallet in NODE_WALLETS else find.path.name))
        base = _NAME_SAFE.sub("_", "-".join(parts)).strip("-_") or find.wallet
        name, counter = base, 2
        while name in taken:
            name, counter = f"{base}-{counter}", counter + 1
        taken.add(name)
        proposals.append(ProposedItem(name=name, kind=find.kind, path=find.path, find=find))
    return proposals
