"""Bitcoin Core and its forks (Litecoin Core, Dogecoin Core): each declared once as data,
their conf files, where their wallets lie in a data directory, and the one RPC keyvault
makes (``backupwallet``).

A node keeps one data directory; mainnet's chain directory is the data dir itself, each
test network's is a subfolder (``testnet3``, ``signet``, ...). Wallets lie in
``<chain>/wallets/<name>/wallet.dat``, ``<chain>/wallets/wallet.dat`` (the default
wallet), loose files in ``<chain>/wallets`` (old releases) or the legacy
``<chain>/wallet.dat``; ``walletdir=`` and ``datadir=`` in the conf move them.

The RPC authenticates with the cookie the node writes into its chain directory
(``.cookie``, or ``rpccookiefile=``); the cookie is read into a :class:`Secret` and never
logged. Facts from Bitcoin Core's doc/files.md, chainparamsbase.cpp and rpc/wallet docs.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
import socket
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from keyvault.errors import NodeRpcError
from keyvault.secret import Secret

from ._paths import children, is_dir, is_file
from .formats import FileFormat, detect_format

__all__ = [
    "NODE_WALLETS",
    "Node",
    "NodeEndpoint",
    "NodeWallet",
    "backupwallet",
    "locate_node_wallet",
    "node_conf",
    "node_endpoint",
    "node_for_dir",
    "node_wallets",
    "read_cookie",
    "read_node_conf",
]

#: Bitcoin Core's RPC error for "requested wallet does not exist or is not loaded".
_RPC_WALLET_NOT_FOUND = -18


@dataclass(frozen=True)
class Node:
    """What keyvault knows about one node program."""

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


NODE_WALLETS: dict[str, Node] = {
    "bitcoin-core": Node(
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
    "litecoin-core": Node(
        "litecoin-core",
        "Litecoin Core",
        "litecoin.conf",
        (("", "main"), ("testnet4", "testnet4"), ("signet", "signet"), ("regtest", "regtest")),
        {"main": "main", "testnet4": "test", "signet": "signet", "regtest": "regtest"},
        True,
        {"main": 9332, "testnet4": 19332, "signet": 39332, "regtest": 19443},
    ),
    "dogecoin-core": Node(
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


@dataclass(frozen=True)
class NodeWallet:
    """A wallet file that belongs to a Bitcoin Core-style node."""

    #: ``bitcoin-core``, ``litecoin-core`` or ``dogecoin-core``.
    wallet: str
    #: The chain directory (holds ``.cookie``): the data dir itself for mainnet.
    chain_dir: Path
    network: str
    #: The wallet's name for the RPC ``/wallet/<name>`` endpoint ("" = the default wallet).
    name: str


@dataclass(frozen=True)
class NodeEndpoint:
    """Where the node's RPC server listens and where its cookie file is."""

    host: str
    port: int
    cookie_file: Path


# --- conf files -------------------------------------------------------------------------


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


def node_for_dir(data_dir: Path) -> str:
    """The node a data directory belongs to: by its conf file, else its name, else Bitcoin."""
    for wallet, node in NODE_WALLETS.items():
        if is_file(data_dir / node.conf_name):
            return wallet
    lowered = data_dir.name.lower()
    for wallet in ("litecoin-core", "dogecoin-core"):
        if wallet.split("-")[0] in lowered:
            return wallet
    return "bitcoin-core"


# --- wallets in a data directory --------------------------------------------------------


def _is_wallet_file(path: Path) -> bool:
    return detect_format(path) in (FileFormat.SQLITE, FileFormat.BDB)


def _wallet_dir_files(wallet_dir: Path) -> Iterator[tuple[str, Path]]:
    """(wallet name, wallet file) pairs in a ``-walletdir``."""
    for child in children(wallet_dir):
        if is_dir(child):
            candidate = child / "wallet.dat"
            if is_file(candidate) and _is_wallet_file(candidate):
                yield child.name, candidate
        elif child.name == "wallet.dat":
            if _is_wallet_file(child):
                yield "", child
        elif (
            is_file(child)
            and not child.name.endswith(("-journal", "-wal", "-shm"))
            and child.name not in ("db.log", ".walletlock")
            and _is_wallet_file(child)
        ):
            # Wallets created as plain files in the wallet dir by old releases.
            yield child.name, child


def node_wallets(node: Node, data_dir: Path) -> Iterator[tuple[NodeWallet, Path]]:
    """Every wallet file of ``node`` in ``data_dir`` (each network's, ``walletdir=`` and
    ``datadir=`` of its conf followed), each file once."""
    seen: set[Path] = set()
    top = read_node_conf(data_dir / node.conf_name)
    configured = top[""].get("datadir")
    if configured and is_dir(Path(configured).expanduser()) and Path(configured) != data_dir:
        # The conf in the default place moves the data elsewhere (bitcoin.conf datadir=).
        data_dir = Path(configured).expanduser()
    for chain_name, network in node.chains:
        chain_dir = data_dir / chain_name if chain_name else data_dir
        if not is_dir(chain_dir):
            continue
        conf = node_conf(data_dir, node.wallet, network)
        wallet_dirs: list[Path] = []
        if conf.get("walletdir"):
            wallet_dirs.append(Path(conf["walletdir"]).expanduser())
        wallet_dirs.append(chain_dir / "wallets")
        pairs: list[tuple[str, Path]] = []
        for wallet_dir in wallet_dirs:
            if is_dir(wallet_dir):
                pairs.extend(_wallet_dir_files(wallet_dir))
        legacy = chain_dir / "wallet.dat"
        if is_file(legacy) and _is_wallet_file(legacy):
            pairs.append(("", legacy))
        for name, path in pairs:
            resolved = path.resolve()
            if resolved not in seen:
                seen.add(resolved)
                yield NodeWallet(node.wallet, chain_dir, network, name), path


def locate_node_wallet(path: Path) -> NodeWallet | None:
    """The node a wallet file belongs to, from its place in a data dir; None if not a node's.

    Recognises ``<chain>/wallets/<name>/wallet.dat``, ``<chain>/wallets/wallet.dat``,
    ``<chain>/wallets/<file>`` and the legacy ``<chain>/wallet.dat``, where ``<chain>`` is
    the data dir or one of its network folders (``testnet3``, ``signet``, ...). The node
    (Bitcoin, Litecoin, Dogecoin) is told by the conf file in the data dir, else Bitcoin.
    """
    path = Path(path)
    if not _is_wallet_file(path):
        return None
    if path.parent.name == "wallets":
        chain_dir, name = path.parent.parent, "" if path.name == "wallet.dat" else path.name
    elif path.name == "wallet.dat" and path.parent.parent.name == "wallets":
        chain_dir, name = path.parent.parent.parent, path.parent.name
    elif path.name == "wallet.dat":
        chain_dir, name = path.parent, ""
    else:
        return None
    for wallet, node in NODE_WALLETS.items():
        for chain_name, network in node.chains:
            if chain_name and chain_dir.name == chain_name:
                data_dir = chain_dir.parent
            elif not chain_name:
                data_dir = chain_dir
            else:
                continue
            if (data_dir / node.conf_name).is_file():
                return NodeWallet(wallet, chain_dir, network, name)
    bitcoin = NODE_WALLETS["bitcoin-core"]
    network = next(
        (net for chain, net in bitcoin.chains if chain and chain == chain_dir.name), "main"
    )
    return NodeWallet("bitcoin-core", chain_dir, network, name)


# --- RPC --------------------------------------------------------------------------------


def node_endpoint(node: NodeWallet) -> NodeEndpoint:
    """The RPC host, port and cookie file from the node's conf (``rpcport``, ``rpcconnect``,
    ``rpccookiefile``), with each network's default port."""
    data_dir = node.chain_dir if node.network == "main" else node.chain_dir.parent
    conf = node_conf(data_dir, node.wallet, node.network)
    spec = NODE_WALLETS[node.wallet]
    host = conf.get("rpcconnect", "127.0.0.1")
    port = spec.rpc_ports.get(node.network, spec.rpc_ports["main"])
    if ":" in host and not host.startswith("["):
        host, _, port_text = host.rpartition(":")
        port = int(port_text) if port_text.isdigit() else port
    if conf.get("rpcport", "").isdigit():
        port = int(conf["rpcport"])
    cookie = Path(conf["rpccookiefile"]).expanduser() if conf.get("rpccookiefile") else None
    if cookie is None:
        cookie = node.chain_dir / ".cookie"
    elif not cookie.is_absolute():
        cookie = node.chain_dir / cookie
    return NodeEndpoint(host=host, port=port, cookie_file=cookie)


def read_cookie(path: Path) -> Secret | None:
    """The node's RPC cookie (``user:password``); None when the node does not run (no file).

    Raises :class:`NodeRpcError` when the file is there but unreadable or malformed.
    """
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise NodeRpcError(
            f"cannot read the node's cookie file {path}: {exc.strerror}",
            hint="run keyvault as the user that runs the node",
        ) from None
    if ":" not in text:
        raise NodeRpcError(f"the node's cookie file {path} is malformed")
    return Secret(text, label="rpc cookie")


def backupwallet(
    node: NodeWallet, endpoint: NodeEndpoint, cookie: Secret, destination: Path, timeout: float
) -> bool:
    """Call ``backupwallet(destination)`` on the node, which writes the file itself.

    True when the node did; False when nothing listens at the endpoint or the node does not
    have this wallet loaded (the caller copies the file another way). Raises
    :class:`NodeRpcError` when the node refuses or answers nonsense.
    """
    spec = NODE_WALLETS[node.wallet]
    url_path = "/wallet/" + urllib.parse.quote(node.name, safe="") if spec.multiwallet else "/"
    body = json.dumps(
        {"jsonrpc": "1.0", "id": "keyvault", "method": "backupwallet", "params": [str(destination)]}
    ).encode()
    auth = base64.b64encode(cookie.reveal()).decode("ascii")
    connection = http.client.HTTPConnection(endpoint.host, endpoint.port, timeout=timeout)
    try:
        connection.request(
            "POST",
            url_path,
            body=body,
            headers={"Authorization": f"Basic {auth}", "Content-Type": "application/json"},
        )
        response = connection.getresponse()
        payload = response.read()
    except (ConnectionRefusedError, socket.gaierror):
        return False
    except (OSError, http.client.HTTPException) as exc:
        raise NodeRpcError(
            f"no answer from the node at {endpoint.host}:{endpoint.port}: {exc}"
        ) from None
    finally:
        connection.close()
    if response.status in (401, 403):
        raise NodeRpcError(
            "the node rejected keyvault's cookie authentication",
            hint="the cookie file may be stale: is the node still starting or shutting down?",
        )
    try:
        answer: Any = json.loads(payload)
    except ValueError:
        raise NodeRpcError(f"the node answered http {response.status} without json") from None
    error = answer.get("error") if isinstance(answer, dict) else None
    if isinstance(error, dict):
        if error.get("code") == _RPC_WALLET_NOT_FOUND:
            return False
        message = str(error.get("message", "unknown error"))[:200]
        raise NodeRpcError(f"the node's backupwallet failed: {message}")
    if response.status != 200:
        raise NodeRpcError(f"the node answered http {response.status}")
    return True
