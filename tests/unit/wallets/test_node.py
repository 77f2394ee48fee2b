"""Bitcoin Core-style nodes: conf files, their wallets in a data dir, the endpoint, and
``backupwallet`` when nothing listens (the RPC itself runs against the fake node in
test_copy)."""

from __future__ import annotations

import socket
from pathlib import Path

from keyvault.secret import Secret
from keyvault.wallets.node import (
    NODE_WALLETS,
    NodeEndpoint,
    NodeWallet,
    backupwallet,
    locate_node_wallet,
    node_endpoint,
    node_for_dir,
    node_wallets,
    read_node_conf,
)

from .test_discover import make_bdb_wallet, make_sqlite_wallet, write


def test_read_node_conf_sections(tmp_path: Path) -> None:
    conf = write(
        tmp_path / "bitcoin.conf",
        "rpcport=1 # c\n[test]\nrpcport=2\n[main]\nwalletdir=/w\nnot a line\n",
    )
    parsed = read_node_conf(conf)
    assert parsed == {"": {"rpcport": "1"}, "test": {"rpcport": "2"}, "main": {"walletdir": "/w"}}
    assert read_node_conf(tmp_path / "missing.conf") == {"": {}}


def test_locate_node_wallet_and_endpoint(tmp_path: Path) -> None:
    ltc = tmp_path / "ltc"
    write(
        ltc / "litecoin.conf",
        "rpcport=1111\n[test]\nrpcport=2222\nrpccookiefile=/run/ltc/cookie\nrpcconnect=10.0.0.2\n",
    )
    main = make_bdb_wallet(ltc / "wallet.dat", encrypted=False)
    test = make_sqlite_wallet(ltc / "testnet4" / "wallets" / "t" / "wallet.dat", encrypted=False)
    unnamed = make_sqlite_wallet(ltc / "wallets" / "wallet.dat", encrypted=False)
    assert locate_node_wallet(main) == NodeWallet("litecoin-core", ltc, "main", "")
    assert locate_node_wallet(unnamed) == NodeWallet("litecoin-core", ltc, "main", "")
    located = locate_node_wallet(test)
    assert located == NodeWallet("litecoin-core", ltc / "testnet4", "testnet4", "t")
    assert located is not None
    endpoint = node_endpoint(located)
    assert (endpoint.host, endpoint.port) == ("10.0.0.2", 2222)
    assert endpoint.cookie_file == Path("/run/ltc/cookie")
    main_endpoint = node_endpoint(NodeWallet("litecoin-core", ltc, "main", ""))
    assert (main_endpoint.host, main_endpoint.port) == ("127.0.0.1", 1111)
    assert main_endpoint.cookie_file == ltc / ".cookie"
    # Bitcoin defaults when there is no conf at all.
    btc = make_sqlite_wallet(
        tmp_path / "b" / "signet" / "wallets" / "s" / "wallet.dat", encrypted=False
    )
    node = locate_node_wallet(btc)
    assert node == NodeWallet("bitcoin-core", tmp_path / "b" / "signet", "signet", "s")
    assert node_endpoint(node).port == 38332
    # Not a node's wallet: a JSON file, or a database outside any node layout.
    assert locate_node_wallet(write(tmp_path / "x.json", "{}")) is None
    assert (
        locate_node_wallet(make_sqlite_wallet(tmp_path / "db" / "a.sqlite", encrypted=False))
        is None
    )


def test_node_wallets_lists_each_file_once_with_its_network(tmp_path: Path) -> None:
    data = tmp_path / "btc"
    named = make_sqlite_wallet(data / "wallets" / "a" / "wallet.dat", encrypted=False)
    loose = make_bdb_wallet(data / "wallets" / "old.dat", encrypted=False)
    legacy = make_bdb_wallet(data / "wallet.dat", encrypted=False)
    signet = make_sqlite_wallet(data / "signet" / "wallets" / "s" / "wallet.dat", encrypted=False)
    write(data / "wallets" / "a" / "wallet.dat-journal", b"j")
    # walletdir= naming the default folder again must not list its wallets twice.
    write(data / "bitcoin.conf", f"walletdir={data / 'wallets'}\n")
    found = list(node_wallets(NODE_WALLETS["bitcoin-core"], data))
    assert [(w.network, w.name, p) for w, p in found] == [
        ("main", "a", named),
        ("main", "old.dat", loose),
        ("main", "", legacy),
        ("signet", "s", signet),
    ]
    assert found[-1][0].chain_dir == data / "signet"


def test_node_for_dir_by_conf_then_name(tmp_path: Path) -> None:
    assert node_for_dir(write(tmp_path / "x" / "dogecoin.conf", "").parent) == "dogecoin-core"
    assert node_for_dir(tmp_path / "my-litecoin") == "litecoin-core"
    assert node_for_dir(tmp_path / "anything") == "bitcoin-core"


def test_backupwallet_says_false_when_no_node_listens(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    # The port is closed again: a connection is refused, as for a node that is not running.
    endpoint = NodeEndpoint("127.0.0.1", port, tmp_path / ".cookie")
    wallet = NodeWallet("bitcoin-core", tmp_path, "main", "w")
    cookie = Secret("__cookie__:x", label="rpc cookie")
    assert backupwallet(wallet, endpoint, cookie, tmp_path / "out", 5.0) is False
    assert not (tmp_path / "out").exists()
