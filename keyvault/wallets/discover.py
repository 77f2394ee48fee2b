"""Find wallet files on this machine: read-only, and only when the user asks.

:func:`discover` runs every scanner of :mod:`.scanners` (Bitcoin Core, Litecoin Core,
Dogecoin Core, Electrum, Sparrow, Wasabi, Exodus, the Ethereum (geth) keystore, Monero)
over its default places for a platform (``linux``, ``darwin``, ``windows``), home folder
and environment (:mod:`.locations`), plus any data directories the user names
(:func:`scan_data_dir`). It never writes and never locks: files are opened for reading
and SQLite with ``immutable=1``, so that a running wallet is not disturbed. Tests build
fake home folders for each OS layout and pass them in.

Each :class:`WalletFind` says which wallet it is, where, how big, whether the wallet
encrypts the file itself and whether copying it while the wallet runs is safe.
``keyvault add --discovered`` turns the finds the user confirms into items with
:func:`propose_items`; snapshots of a find go through
:func:`keyvault.wallets.copy.copy_wallet`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ._paths import is_dir
from .locations import Platform, base_folders, current_platform
from .node import NODE_WALLETS, node_for_dir
from .scanners import SCANNERS, NodeFiles, WalletFind

__all__ = ["ProposedItem", "WalletFind", "discover", "propose_items", "scan_data_dir"]


@dataclass(frozen=True)
class ProposedItem:
    """What ``keyvault add --discovered`` would add for one find, once the user confirms."""

    name: str
    kind: Literal["file", "folder"]
    path: Path
    find: WalletFind


def scan_data_dir(data_dir: Path) -> list[WalletFind]:
    """Every wallet found in a data directory the user names (any wallet's layout).

    A Bitcoin Core-style directory is attributed by its conf file (``litecoin.conf``, ...)
    or its name, else to Bitcoin Core. A folder of loose wallet files (where
    monero-wallet-cli was run, a copy of a geth keystore) is recognised file by file.
    Raises ``ValueError`` when ``data_dir`` is not a directory.
    """
    data_dir = Path(data_dir)
    if not is_dir(data_dir):
        raise ValueError(f"not a directory: {data_dir}")
    node = node_for_dir(data_dir)
    finds: list[WalletFind] = []
    for scanner in SCANNERS:
        if not isinstance(scanner.layout, NodeFiles) or scanner.wallet == node:
            finds += scanner.scan(data_dir)
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
    once. Raises ``ValueError`` for an unknown platform or when a named data dir is not a
    directory.
    """
    platform = platform or current_platform()
    home = Path.home() if home is None else Path(home)
    env = os.environ if env is None else env
    folders = base_folders(platform, home, env)
    finds: list[WalletFind] = []
    for data_dir in data_dirs:
        finds += scan_data_dir(Path(data_dir).expanduser())
    for scanner in SCANNERS:
        for place in scanner.places(platform, folders, env):
            if is_dir(place):
                finds += scanner.scan(place)
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
