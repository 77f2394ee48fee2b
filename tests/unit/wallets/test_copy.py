"""Safe wallet copies: bitcoind's backupwallet over JSON-RPC (cookie auth), SQLite's backup
API, stable copies with parse checks, and atomic 0600 targets.

No bitcoind package is available here, so a small JSON-RPC server in this file stands in
for the node: it checks HTTP basic auth against the cookie it wrote into the data dir, holds
the wallet with an exclusive SQLite lock (as Core does for a loaded wallet) and answers
``backupwallet`` by running SQLite's online backup from its own connection, as Core does.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import socket
import sqlite3
import stat
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from keyvault.errors import NodeRpcError, WalletBusyError, WalletCheckError
from keyvault.wallets.copy import check_wallet_file, copy_stable_file, copy_wallet
from keyvault.wallets.discover import discover

from .test_discover import (
    GETH_KEY,
    GETH_NAME,
    electrum_encrypted_blob,
    make_bdb_wallet,
    make_sqlite_wallet,
    write,
)


def _rows(path: Path) -> list[tuple[bytes, bytes]]:
    conn = sqlite3.connect(path)
    try:
        return sorted(conn.execute("SELECT key, value FROM main").fetchall())
    finally:
        conn.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeNode:
    """A bitcoind stand-in: cookie auth, /wallet/<name> endpoints, backupwallet."""

    def __init__(self, data_dir: Path, wallets: dict[str, Path]) -> None:
        self.data_dir = data_dir
        self.cookie = f"__cookie__:{secrets.token_hex(32)}"
        self.calls: list[tuple[str, str, list[Any]]] = []
        self.fail_with: dict[str, Any] | None = None
        self.connections: dict[str, sqlite3.Connection] = {}
        for name, path in wallets.items():
            conn = sqlite3.connect(path, check_same_thread=False)
            conn.execute("PRAGMA locking_mode=exclusive")
            conn.execute("BEGIN EXCLUSIVE")
            conn.execute("COMMIT")  # exclusive mode keeps the lock after the first write lock
            self.connections[name] = conn
        node = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                expected = "Basic " + base64.b64encode(node.cookie.encode()).decode()
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.headers.get("Authorization") != expected:
                    self.send_response(401)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                request = json.loads(body)
                node.calls.append((self.path, request["method"], request["params"]))
                name = self.path.removeprefix("/wallet/")
                status, answer = 200, {"result": None, "error": None, "id": request["id"]}
                if node.fail_with is not None:
                    status, answer["error"] = 500, node.fail_with
                elif request["method"] != "backupwallet":
                    status, answer["error"] = 404, {"code": -32601, "message": "Method not found"}
                elif name not in node.connections:
                    status = 500
                    answer["error"] = {
                        "code": -18,
                        "message": "Requested wallet does not exist or is not loaded",
                    }
                else:
                    dest = sqlite3.connect(request["params"][0])
                    node.connections[name].backup(dest)
                    dest.close()
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        (data_dir / ".cookie").write_text(self.cookie)
        write(data_dir / "bitcoin.conf", f"server=1\nrpcport={self.port}\n")
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        for conn in self.connections.values():
            conn.close()


@pytest.fixture
def datadir(tmp_path: Path) -> Path:
    path = tmp_path / ".bitcoin"
    path.mkdir()
    return path


@pytest.fixture
def node_factory(datadir: Path) -> Iterator[Any]:
    nodes: list[FakeNode] = []

    def start(wallets: dict[str, Path]) -> FakeNode:
        node = FakeNode(datadir, wallets)
        nodes.append(node)
        return node

    yield start
    for node in nodes:
        node.stop()


def _no_staging_left(directory: Path) -> bool:
    return not any(p.name.startswith((".kv-stage-", ".kv-tmp-")) for p in directory.iterdir())


def test_running_node_copies_through_backupwallet_rpc(
    tmp_path: Path, datadir: Path, node_factory: Any
) -> None:
    wallet = make_sqlite_wallet(datadir / "wallets" / "savings" / "wallet.dat", encrypted=True)
    expected = _rows(wallet)
    node = node_factory({"savings": wallet})
    (find,) = discover(home=tmp_path, platform="linux", env={})
    target = tmp_path / "out" / "savings.dat"
    result = copy_wallet(find, target)
    assert result.method == "backupwallet-rpc"
    assert result.check == "sqlite integrity_check"
    assert node.calls[0][0] == "/wallet/savings"
    assert node.calls[0][1] == "backupwallet"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert _rows(target) == expected
    assert result.size == target.stat().st_size
    assert _no_staging_left(target.parent)
    # The node still holds its lock: a direct open of the wallet fails.
    with pytest.raises(sqlite3.OperationalError):
        sqlite3.connect(wallet, timeout=0).execute("SELECT * FROM main").fetchall()


def test_locked_wallet_without_rpc_is_refused_not_copied(tmp_path: Path, datadir: Path) -> None:
    wallet = make_sqlite_wallet(datadir / "wallets" / "w" / "wallet.dat", encrypted=False)
    holder = sqlite3.connect(wallet)
    holder.execute("PRAGMA locking_mode=exclusive")
    holder.execute("BEGIN EXCLUSIVE")
    target = tmp_path / "out" / "w.dat"
    try:
        with pytest.raises(WalletBusyError, match="locked"):
            copy_wallet(wallet, target)
    finally:
        holder.rollback()
        holder.close()
    assert not target.exists()
    assert _no_staging_left(target.parent)


def test_wrong_cookie_is_a_node_error_and_writes_nothing(
    tmp_path: Path, datadir: Path, node_factory: Any
) -> None:
    wallet = make_sqlite_wallet(datadir / "wallets" / "w" / "wallet.dat", encrypted=False)
    node = node_factory({"w": wallet})
    (datadir / ".cookie").write_text("__cookie__:" + "0" * 64)
    target = tmp_path / "out" / "w.dat"
    with pytest.raises(NodeRpcError, match="cookie") as info:
        copy_wallet(wallet, target)
    assert node.cookie.split(":")[1] not in str(info.value)
    assert "0" * 64 not in str(info.value)
    assert not target.exists() and _no_staging_left(target.parent)


def test_node_rpc_failure_is_reported(tmp_path: Path, datadir: Path, node_factory: Any) -> None:
    wallet = make_sqlite_wallet(datadir / "wallets" / "w" / "wallet.dat", encrypted=False)
    node = node_factory({"w": wallet})
    node.fail_with = {"code": -4, "message": "Error: Wallet backup failed!"}
    with pytest.raises(NodeRpcError, match="Wallet backup failed"):
        copy_wallet(wallet, tmp_path / "out" / "w.dat")


def test_wallet_not_loaded_falls_back_to_sqlite_backup(
    tmp_path: Path, datadir: Path, node_factory: Any
) -> None:
    loaded = make_sqlite_wallet(datadir / "wallets" / "loaded" / "wallet.dat", encrypted=False)
    idle = make_sqlite_wallet(datadir / "wallets" / "idle" / "wallet.dat", encrypted=True)
    node = node_factory({"loaded": loaded})
    result = copy_wallet(idle, tmp_path / "idle.dat")
    assert result.method == "sqlite-backup"
    assert node.calls == [("/wallet/idle", "backupwallet", [node.calls[0][2][0]])]
    assert _rows(tmp_path / "idle.dat") == _rows(idle)


def test_stale_cookie_with_no_node_copies_the_file(tmp_path: Path, datadir: Path) -> None:
    wallet = make_sqlite_wallet(datadir / "wallets" / "w" / "wallet.dat", encrypted=True)
    write(datadir / "bitcoin.conf", f"rpcport={_free_port()}\n")
    (datadir / ".cookie").write_text("__cookie__:abc")
    result = copy_wallet(wallet, tmp_path / "w.dat")
    assert result.method == "sqlite-backup"
    assert _rows(tmp_path / "w.dat") == _rows(wallet)


def test_legacy_bdb_wallet_stable_copy(tmp_path: Path, datadir: Path) -> None:
    wallet = make_bdb_wallet(datadir / "wallet.dat", encrypted=True)
    result = copy_wallet(wallet, tmp_path / "legacy.dat")
    assert (result.method, result.check) == ("stable-copy", "bdb header")
    assert (tmp_path / "legacy.dat").read_bytes() == wallet.read_bytes()


def test_truncated_bdb_wallet_fails_its_check(tmp_path: Path, datadir: Path) -> None:
    wallet = make_bdb_wallet(datadir / "wallet.dat", encrypted=False)
    wallet.write_bytes(wallet.read_bytes()[:5000])
    with pytest.raises(WalletCheckError, match="pages"):
        copy_wallet(wallet, tmp_path / "x.dat")
    assert not (tmp_path / "x.dat").exists()


def test_geth_key_copy_and_damaged_key(tmp_path: Path) -> None:
    key = write(tmp_path / "keystore" / GETH_NAME, json.dumps(GETH_KEY))
    result = copy_wallet(key, tmp_path / "out" / "key.json")
    assert (result.method, result.check) == ("stable-copy", "json")
    assert json.loads((tmp_path / "out" / "key.json").read_bytes()) == GETH_KEY
    write(key, json.dumps({"version": 3}))
    with pytest.raises(WalletCheckError, match="keystore"):
        copy_wallet(key, tmp_path / "out" / "key2.json")


def test_failed_check_leaves_existing_target_untouched(tmp_path: Path) -> None:
    target = write(tmp_path / "out" / "wallet", b"previous good copy")
    source = write(tmp_path / "electrum" / "default_wallet", '{"use_encryption": false, "x":')
    with pytest.raises(WalletCheckError, match="json"):
        copy_stable_file(source, target, wallet="electrum")
    assert target.read_bytes() == b"previous good copy"
    assert _no_staging_left(target.parent)


def test_electrum_encrypted_copy_and_truncation(tmp_path: Path) -> None:
    source = write(tmp_path / "locked", electrum_encrypted_blob())
    result = copy_stable_file(source, tmp_path / "copy", wallet="electrum")
    assert result.check == "electrum encrypted storage"
    write(source, source.read_bytes()[:40])
    with pytest.raises(WalletCheckError, match="electrum"):
        copy_stable_file(source, tmp_path / "copy2", wallet="electrum")


def test_file_that_keeps_changing_is_refused(tmp_path: Path) -> None:
    source = write(tmp_path / "growing.keys", os.urandom(4 << 20))
    stop = threading.Event()

    def append_forever() -> None:
        with source.open("ab") as handle:
            while not stop.is_set():
                handle.write(b"x")
                handle.flush()

    writer = threading.Thread(target=append_forever)
    writer.start()
    try:
        with pytest.raises(WalletBusyError, match="kept changing"):
            copy_stable_file(source, tmp_path / "copy", attempts=3, sleep=lambda _: None)
    finally:
        stop.set()
        writer.join()
    assert not (tmp_path / "copy").exists()
    # Once it settles, the same call succeeds.
    result = copy_stable_file(source, tmp_path / "copy", attempts=3, sleep=lambda _: None)
    assert result.size == source.stat().st_size


def test_bad_inputs(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="folders"):
        copy_wallet(tmp_path, tmp_path / "x")
    with pytest.raises(FileNotFoundError):
        copy_wallet(tmp_path / "missing", tmp_path / "x")
    with pytest.raises(ValueError, match="attempts"):
        copy_stable_file(write(tmp_path / "a.keys", b"k"), tmp_path / "y", attempts=0)
    with pytest.raises(WalletCheckError, match="empty"):
        copy_stable_file(write(tmp_path / "b.keys", b""), tmp_path / "z")
    with pytest.raises(ValueError, match="folder"):
        check_wallet_file(tmp_path)
    exodus = tmp_path / "home" / ".config" / "Exodus" / "exodus.wallet"
    write(exodus / "seed.seco", b"SECO")
    (find,) = discover(home=tmp_path / "home", platform="linux", env={})
    with pytest.raises(ValueError, match="folders"):
        copy_wallet(find, tmp_path / "exodus-copy")
