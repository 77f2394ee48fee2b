"""Each wallet program keyvault knows, declared once as data, and what a scan of it finds.

A :class:`Scanner` says where the program keeps its data on each OS (templates over the
base folders of :mod:`.locations`), how its wallet files are laid out under that place (a
:class:`Files`, :class:`NodeFiles` or :class:`WholeFolder` layout: folders per network,
file name patterns), which formats count (told from the first bytes, :mod:`.formats`),
how to read whether the program encrypts the file, and what the user should know before
backing it up. :meth:`Scanner.scan` turns one place into :class:`WalletFind` records; the
engine that picks the places is :mod:`.discover`.

Scanning only reads: no file is written or locked, and nothing here raises for a folder
that is missing or unreadable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Literal, Protocol

from ._paths import children, is_dir, is_file, size
from .formats import (
    Encryption,
    FileFormat,
    core_encryption,
    detect_format,
    electrum_encryption,
    is_geth_key,
    sparrow_encryption,
    wasabi_encryption,
)
from .locations import Platform, resolve
from .node import NODE_WALLETS, Node, node_wallets

__all__ = ["SCANNERS", "Files", "NodeFiles", "Scanner", "Spot", "WalletFind", "WholeFolder"]


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


# --- layouts: where under a place the wallet files lie ----------------------------------


@dataclass(frozen=True)
class Spot:
    """A file (or folder) where a layout says a wallet may be; its format is not checked yet."""

    path: Path
    network: str
    #: What :attr:`WalletFind.data_dir` reports.
    data_dir: Path
    name: str


class Layout(Protocol):
    """Where under one place (a data directory) a program's wallets may be."""

    def __call__(self, root: Path) -> Iterator[Spot]: ...


@dataclass(frozen=True)
class Files:
    """Files named by ``patterns`` (and not by ``ignore``) in the folders that
    ``folders(root)`` lists as (network, folder) pairs. Dot files are never wallets here
    (programs write their temporary files that way)."""

    folders: Callable[[Path], list[tuple[str, Path]]]
    patterns: tuple[str, ...] = ("*",)
    ignore: tuple[str, ...] = ()
    #: Suffixes taken off a file's name to give the wallet's name (the first that matches).
    strip: tuple[str, ...] = ()

    def __call__(self, root: Path) -> Iterator[Spot]:
        for network, folder in self.folders(root):
            for path in children(folder):
                name = path.name
                if (
                    name.startswith(".")
                    or not any(fnmatchcase(name, pattern) for pattern in self.patterns)
                    or any(fnmatchcase(name, pattern) for pattern in self.ignore)
                    or not is_file(path)
                ):
                    continue
                suffix = next((s for s in self.strip if name.endswith(s)), "")
                yield Spot(path, network, root, name.removesuffix(suffix) if suffix else name)


@dataclass(frozen=True)
class NodeFiles:
    """A Bitcoin Core-style data directory (:func:`keyvault.wallets.node.node_wallets`)."""

    node: Node

    def __call__(self, root: Path) -> Iterator[Spot]:
        for wallet, path in node_wallets(self.node, root):
            yield Spot(path, wallet.network, wallet.chain_dir, wallet.name)


@dataclass(frozen=True)
class WholeFolder:
    """The wallet is a folder called ``name`` (the place itself, or a folder in it) that
    holds at least one file matching ``pattern``."""

    name: str
    pattern: str

    def __call__(self, root: Path) -> Iterator[Spot]:
        folder = root if root.name == self.name else root / self.name
        if is_dir(folder) and any(fnmatchcase(p.name, self.pattern) for p in children(folder)):
            yield Spot(folder, "main", folder.parent, folder.name)


def _per_network_wallets(root: Path) -> list[tuple[str, Path]]:
    """The layout Electrum and Sparrow share: main's wallets in ``root/wallets``, each
    test network's in ``root/<network>/wallets``."""
    networks = ("testnet", "testnet4", "regtest", "signet")
    return [("main", root / "wallets")] + [(net, root / net / "wallets") for net in networks]


def _wasabi_wallets(root: Path) -> list[tuple[str, Path]]:
    """``Wallets/`` for main, ``Wallets/<Network>/`` for the others."""
    wallets = root / "Wallets"
    return [("main", wallets)] + [
        (child.name.lower(), child) for child in children(wallets) if is_dir(child)
    ]


def _geth_keystores(root: Path) -> list[tuple[str, Path]]:
    """``keystore/`` per network; the place itself may be a keystore the user names."""
    networks = ("sepolia", "holesky", "hoodi", "goerli")
    return [
        ("main", root / "keystore"),
        *((net, root / net / "keystore") for net in networks),
        ("main", root),
    ]


def _monero_folders(root: Path) -> list[tuple[str, Path]]:
    """The place and each folder in it (the GUI keeps one folder per wallet)."""
    return [("main", root)] + [("main", child) for child in children(root) if is_dir(child)]


# --- the scanner ------------------------------------------------------------------------


@dataclass(frozen=True)
class Scanner:
    """One wallet program: where its wallets are and how to tell them."""

    wallet: str
    software: str
    #: Default places per platform, as :func:`keyvault.wallets.locations.resolve` templates.
    locations: Mapping[Platform, tuple[str, ...]]
    layout: Layout
    #: How the program records encryption, or the one answer for all its files.
    encryption: Encryption | Callable[[Path, FileFormat], Encryption]
    #: Formats a file must show (from its first bytes) to count.
    formats: tuple[FileFormat, ...] = ()
    #: The format of every file, known from its name or layout (then nothing is sniffed).
    format: FileFormat | None = None
    #: A content check a file must also pass.
    recognise: Callable[[Path], bool] | None = None
    live_copy_safe: bool = False
    notes: tuple[str, ...] = ()
    #: Notes for files of one format.
    format_notes: Mapping[FileFormat, str] = field(default_factory=dict)
    #: An environment variable that, when set, names the folder used instead of the
    #: first default place (``ELECTRUMDIR``).
    env: str | None = None

    def places(
        self, platform: Platform, folders: Mapping[str, Path], env: Mapping[str, str]
    ) -> list[Path]:
        """The default places on ``platform`` (base folders from :mod:`.locations`)."""
        places = [resolve(template, folders) for template in self.locations.get(platform, ())]
        if self.env and env.get(self.env) and places:
            places[0] = Path(env[self.env])
        return places

    def scan(self, root: Path) -> list[WalletFind]:
        """Every wallet of this program under ``root``."""
        finds: list[WalletFind] = []
        for spot in self.layout(root):
            if self.format is not None:
                file_format = self.format
            else:
                file_format = detect_format(spot.path)
                if file_format not in self.formats:
                    continue
            if self.recognise is not None and not self.recognise(spot.path):
                continue
            encryption = self.encryption
            if not isinstance(encryption, Encryption):
                encryption = encryption(spot.path, file_format)
            extra = self.format_notes.get(file_format)
            finds.append(
                WalletFind(
                    wallet=self.wallet,
                    software=self.software,
                    path=spot.path,
                    kind="folder" if file_format is FileFormat.FOLDER else "file",
                    size=size(spot.path),
                    format=file_format,
                    encryption=encryption,
                    live_copy_safe=self.live_copy_safe,
                    data_dir=spot.data_dir,
                    network=spot.network,
                    name=spot.name,
                    notes=(*self.notes, extra) if extra else self.notes,
                )
            )
        return finds


def _node_scanner(node: Node, locations: Mapping[Platform, tuple[str, ...]]) -> Scanner:
    return Scanner(
        node.wallet,
        node.software,
        locations,
        NodeFiles(node),
        core_encryption,
        formats=(FileFormat.SQLITE, FileFormat.BDB),
        notes=(
            "the wallet holds an exclusive lock while loaded: keyvault copies it through "
            "the node's backupwallet rpc (cookie auth) when the node runs",
        ),
        format_notes={
            FileFormat.BDB: "legacy berkeley db wallet: bitcoin core 30 and later can only "
            "migrate it"
        },
    )


#: Every wallet program, in the order finds are listed. Sources: see :mod:`.formats`.
SCANNERS: tuple[Scanner, ...] = (
    _node_scanner(
        NODE_WALLETS["bitcoin-core"],
        {
            # Bitcoin Core 28+ uses LOCALAPPDATA for new installs; older ones APPDATA.
            "windows": ("LOCALAPPDATA/Bitcoin", "APPDATA/Bitcoin"),
            "darwin": ("SUPPORT/Bitcoin",),
            "linux": ("HOME/.bitcoin",),
        },
    ),
    _node_scanner(
        NODE_WALLETS["litecoin-core"],
        {
            "windows": ("APPDATA/Litecoin",),
            "darwin": ("SUPPORT/Litecoin",),
            "linux": ("HOME/.litecoin",),
        },
    ),
    _node_scanner(
        NODE_WALLETS["dogecoin-core"],
        {
            "windows": ("APPDATA/Dogecoin",),
            "darwin": ("SUPPORT/Dogecoin",),
            "linux": ("HOME/.dogecoin",),
        },
    ),
    Scanner(
        "electrum",
        "Electrum",
        {
            "windows": ("APPDATA/Electrum", "LOCALAPPDATA/Electrum"),
            "darwin": ("HOME/.electrum",),
            "linux": ("HOME/.electrum",),
        },
        Files(_per_network_wallets, ignore=("*.tmp", "*.lock")),
        electrum_encryption,
        formats=(FileFormat.JSON, FileFormat.ELECTRUM_ENCRYPTED),
        notes=(
            "electrum may append to an open wallet file: keyvault copies it only when two "
            "reads agree and the copy parses",
        ),
        env="ELECTRUMDIR",
    ),
    Scanner(
        "sparrow",
        "Sparrow",
        {
            "windows": ("APPDATA/Sparrow",),
            "darwin": ("HOME/.sparrow",),
            "linux": ("XDG_DATA_HOME/sparrow", "HOME/.sparrow"),
        },
        # wallets/backup/ holds Sparrow's own timestamped copies: not originals.
        Files(_per_network_wallets, ("*.mv.db", "*.json"), strip=(".mv.db", ".json")),
        sparrow_encryption,
        formats=(
            FileFormat.H2,
            FileFormat.H2_ENCRYPTED,
            FileFormat.JSON,
            FileFormat.ELECTRUM_ENCRYPTED,
        ),
        notes=("close the wallet in sparrow first, or use its wallets/backup copy",),
    ),
    Scanner(
        "wasabi",
        "Wasabi Wallet",
        {
            "windows": ("APPDATA/WalletWasabi/Client",),
            "darwin": ("HOME/.walletwasabi/client",),
            "linux": ("HOME/.walletwasabi/client",),
        },
        Files(_wasabi_wallets, ("*.json",), strip=(".json",)),
        wasabi_encryption,
        formats=(FileFormat.JSON,),
        live_copy_safe=True,
        notes=("xpubs, labels and the chain code are stored in plaintext",),
    ),
    Scanner(
        "exodus",
        "Exodus",
        {
            "windows": ("APPDATA/Exodus/exodus.wallet",),
            "darwin": ("SUPPORT/Exodus/exodus.wallet",),
            "linux": ("XDG_CONFIG_HOME/Exodus/exodus.wallet",),
        },
        WholeFolder("exodus.wallet", "*.seco"),
        Encryption.FILE,
        format=FileFormat.FOLDER,
        notes=(
            "quit exodus before copying",
            "exodus says its 12-word phrase, not this folder, is the backup",
        ),
    ),
    Scanner(
        "geth",
        "Ethereum keystore (geth)",
        {
            "windows": ("LOCALAPPDATA/Ethereum", "APPDATA/Ethereum"),
            "darwin": ("HOME/Library/Ethereum",),
            "linux": ("HOME/.ethereum",),
        },
        # geth writes ".UTC--...tmp" first and renames; dot files are not keys yet.
        Files(_geth_keystores),
        Encryption.FILE,
        format=FileFormat.JSON,
        recognise=is_geth_key,
        live_copy_safe=True,
    ),
    Scanner(
        "monero",
        "Monero",
        {
            "windows": ("HOME/Documents/Monero/wallets",),
            "darwin": ("HOME/Monero/wallets",),
            "linux": ("HOME/Persistent/Monero/wallets", "HOME/Monero/wallets"),
        },
        Files(_monero_folders, ("*.keys",), strip=(".keys",)),
        Encryption.FILE,
        format=FileFormat.MONERO_KEYS,
        notes=(
            "the .keys file holds the keys; the cache beside it is rebuilt by a rescan",
            "monero-wallet-cli writes wallets wherever it was run: name that folder "
            "with --data-dir",
        ),
    ),
)
