"""Copy a wallet file consistently, even while its wallet software runs.

- **Bitcoin Core, Litecoin Core, Dogecoin Core.** A loaded wallet is held with an
  exclusive SQLite lock (``locking_mode=exclusive``), so an outside reader either cannot
  open it or, for Berkeley DB, may read it mid-write. When the node runs, keyvault asks it
  to write the copy itself with the ``backupwallet`` JSON-RPC call, authenticated with the
  cookie the node keeps in its data directory (``.cookie``, or ``rpccookiefile=``). When
  the node does not run (no cookie, or nothing listens), or the wallet is not loaded, the
  file is copied directly: SQLite through its online-backup API (fails cleanly with
  :class:`WalletBusyError` if something still holds the lock), Berkeley DB by a stable copy.
- **Every other wallet.** The file is copied only when two reads agree (same size, time
  and sha256), then parse-checked where the format is known: SQLite
  ``PRAGMA integrity_check``, JSON (Electrum, Wasabi, geth keystores), Electrum's
  encrypted storage, Berkeley DB and H2 headers.

The copy is staged in a private (0700) folder beside the target, checked there, then
written to the target with :func:`keyvault.atomic.atomic_writer` (mode 0600) and the
staging folder removed, so the target is either the old file or a complete, checked copy.
The node's RPC and cookie are :mod:`.node`'s.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from keyvault.atomic import atomic_writer
from keyvault.errors import NodeRpcError, WalletBusyError, WalletCheckError

from .formats import BDB_MAGIC, FileFormat, detect_format, is_geth_document
from .node import (
    NODE_WALLETS,
    NodeWallet,
    backupwallet,
    locate_node_wallet,
    node_endpoint,
    read_cookie,
)
from .scanners import WalletFind

__all__ = ["CopyMethod", "CopyResult", "check_wallet_file", "copy_stable_file", "copy_wallet"]

CopyMethod = Literal["backupwallet-rpc", "sqlite-backup", "stable-copy"]

_CHUNK = 1 << 20


@dataclass(frozen=True)
class CopyResult:
    """What :func:`copy_wallet` wrote."""

    source: Path
    target: Path
    method: CopyMethod
    size: int
    sha256: str
    #: The check the copy passed, e.g. ``sqlite integrity_check``, ``json``, ``bdb header``.
    check: str


# --- staging, checking, writing ---------------------------------------------------------


@contextlib.contextmanager
def _staging_dir(target: Path) -> Iterator[Path]:
    """A private (0700) folder beside ``target``, removed afterwards whatever happens."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".kv-stage-", dir=target.parent))
    try:
        os.chmod(staging, 0o700)
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _publish(staged: Path, target: Path) -> tuple[int, str]:
    """Write ``staged`` to ``target`` atomically (0600); return its size and sha256."""
    digest = hashlib.sha256()
    size = 0
    with staged.open("rb") as source, atomic_writer(target, mode=0o600) as out:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return size, digest.hexdigest()


def _check_sqlite(path: Path) -> str:
    try:
        conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
        try:
            rows = conn.execute("PRAGMA integrity_check").fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise WalletCheckError(
            f"the copy of the wallet is not a readable sqlite database: {exc}"
        ) from None
    if rows != [("ok",)]:
        raise WalletCheckError("the copy of the wallet failed sqlite's integrity check")
    return "sqlite integrity_check"


def _check_bdb(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(32)
    if len(head) < 24 or head[12:16] not in BDB_MAGIC:
        raise WalletCheckError("the copy of the wallet has no berkeley db header")
    page_size = int.from_bytes(head[20:24], "little" if head[12:16] == BDB_MAGIC[0] else "big")
    size = path.stat().st_size
    if page_size < 512 or page_size & (page_size - 1) or size % page_size:
        raise WalletCheckError("the copy of the wallet is not a whole number of berkeley db pages")
    return "bdb header"


def _check_json(path: Path, wallet: str | None) -> str:
    try:
        document = json.loads(path.read_bytes())
    except ValueError:
        raise WalletCheckError("the copy of the wallet is not complete json") from None
    if wallet == "geth" and not is_geth_document(document):
        raise WalletCheckError("the copy is not an ethereum v3 keystore file")
    return "json"


def _check_electrum_encrypted(path: Path) -> str:
    try:
        raw = base64.b64decode(b"".join(path.read_bytes().split()), validate=True)
    except (binascii.Error, ValueError):
        raise WalletCheckError("the copy of the encrypted electrum wallet is not base64") from None
    # "BIE1" + 33-byte ephemeral key + ciphertext (>= one 16-byte block) + 32-byte MAC.
    if raw[:4] not in (b"BIE1", b"BIE2") or len(raw) < 4 + 33 + 16 + 32:
        raise WalletCheckError("the copy of the encrypted electrum wallet is truncated")
    return "electrum encrypted storage"


def check_wallet_file(path: Path, *, wallet: str | None = None) -> str:
    """Parse-check a wallet file by its format; return the check's name.

    Raises :class:`WalletCheckError` when the file does not pass. Formats without a
    known structure (SECO, Monero ``.keys``) only need to be non-empty.
    """
    file_format = detect_format(path)
    if file_format is FileFormat.SQLITE:
        return _check_sqlite(path)
    if file_format is FileFormat.BDB:
        return _check_bdb(path)
    if file_format is FileFormat.JSON:
        return _check_json(path, wallet)
    if file_format is FileFormat.ELECTRUM_ENCRYPTED:
        return _check_electrum_encrypted(path)
    if file_format in (FileFormat.H2, FileFormat.H2_ENCRYPTED):
        return "h2 header"
    if file_format is FileFormat.FOLDER:
        raise ValueError("check_wallet_file takes a file, not a folder")
    if path.stat().st_size == 0:
        raise WalletCheckError("the copy of the wallet is empty")
    if wallet == "geth" or wallet in ("electrum", "wasabi"):
        raise WalletCheckError(f"the copy is not a {wallet} wallet file")
    return "non-empty"


# --- the copy methods -------------------------------------------------------------------


def _stat_key(path: Path) -> tuple[int, int, int]:
    info = path.stat()
    return info.st_size, info.st_mtime_ns, info.st_ino


def _stage_stable(
    source: Path, staged: Path, *, attempts: int, settle: float, sleep: Callable[[float], None]
) -> None:
    """Copy ``source`` to ``staged`` once two reads agree (stat and sha256)."""
    for attempt in range(attempts):
        if attempt:
            sleep(settle)
        try:
            before = _stat_key(source)
            digest = hashlib.sha256()
            with source.open("rb") as handle, staged.open("wb") as out:
                while chunk := handle.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            if _stat_key(source) == before and _sha256(source) == digest.hexdigest():
                return
        except FileNotFoundError:
            raise
        except OSError as exc:
            raise WalletBusyError(f"cannot read the wallet file {source}: {exc.strerror}") from None
    raise WalletBusyError(
        f"the wallet file {source} kept changing while it was copied",
        hint="close the wallet app and run the backup again",
    )


class _BackupBusy(Exception):
    """Internal: the source database stayed locked during the online backup."""


def _stage_sqlite(source: Path, staged: Path, *, busy_timeout: float = 2.0) -> None:
    """SQLite's online backup from a read-only connection (consistent under writers).

    A read transaction is opened first so that a lock held by the wallet fails at once
    (``database is locked``) instead of inside the backup, which retries a busy source
    forever; the progress callback bounds those retries as well.
    """
    deadline = time.monotonic() + busy_timeout

    def progress(status: int, remaining: int, total: int) -> None:
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) and time.monotonic() > deadline:
            raise _BackupBusy()

    busy = WalletBusyError(
        f"the wallet {source} is locked by the program that has it open",
        hint="start the node so keyvault can use its backupwallet rpc, or close the "
        "wallet, then run the backup again",
    )
    try:
        src = sqlite3.connect(
            f"{source.absolute().as_uri()}?mode=ro", uri=True, timeout=busy_timeout
        )
    except sqlite3.Error as exc:
        raise WalletBusyError(f"cannot open the wallet file {source}: {exc}") from None
    try:
        src.execute("BEGIN")
        src.execute("SELECT count(*) FROM sqlite_master").fetchall()
        dst = sqlite3.connect(staged)
        try:
            src.backup(dst, progress=progress)
        finally:
            dst.close()
    except _BackupBusy:
        raise busy from None
    except sqlite3.OperationalError as exc:
        text = str(exc).lower()
        if "locked" in text or "busy" in text:
            raise busy from None
        raise WalletCheckError(f"cannot read the wallet database {source}: {exc}") from None
    except sqlite3.DatabaseError as exc:
        raise WalletCheckError(f"cannot read the wallet database {source}: {exc}") from None
    finally:
        src.close()


def copy_stable_file(
    source: Path,
    target: Path,
    *,
    wallet: str | None = None,
    attempts: int = 5,
    settle: float = 0.2,
    sleep: Callable[[float], None] = time.sleep,
) -> CopyResult:
    """Copy ``source`` to ``target`` once two reads agree, parse-check, write atomically 0600.

    Raises :class:`WalletBusyError` when the file keeps changing over ``attempts`` tries,
    :class:`WalletCheckError` when the copy does not parse; ``target`` is untouched then.
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    source, target = Path(source), Path(target)
    if source.is_dir():
        raise ValueError("copy_stable_file copies files; folders are snapshotted by the engine")
    with _staging_dir(target) as staging:
        staged = staging / "wallet"
        _stage_stable(source, staged, attempts=attempts, settle=settle, sleep=sleep)
        check = check_wallet_file(staged, wallet=wallet)
        size, sha256 = _publish(staged, target)
    return CopyResult(source, target, "stable-copy", size, sha256, check)


def _copy_node_wallet(
    source: Path, target: Path, node: NodeWallet, *, rpc_timeout: float, **stable: Any
) -> CopyResult:
    endpoint = node_endpoint(node)
    cookie = read_cookie(endpoint.cookie_file)
    with _staging_dir(target) as staging:
        staged = staging / "wallet.dat"
        method: CopyMethod | None = None
        if cookie is not None:
            try:
                if backupwallet(node, endpoint, cookie, staged, rpc_timeout):
                    method = "backupwallet-rpc"
            finally:
                cookie.wipe()
            if method is not None and not staged.is_file():
                raise NodeRpcError(
                    "the node reported success but wrote no backup file",
                    hint="the node may run in another filesystem namespace (snap, container)",
                )
        if method is None:
            if detect_format(source) is FileFormat.SQLITE:
                _stage_sqlite(source, staged)
                method = "sqlite-backup"
            else:
                _stage_stable(source, staged, **stable)
                method = "stable-copy"
        check = check_wallet_file(staged, wallet=node.wallet)
        size, sha256 = _publish(staged, target)
    return CopyResult(source, target, method, size, sha256, check)


def copy_wallet(
    source: Path | WalletFind,
    target: Path,
    *,
    rpc_timeout: float = 60.0,
    attempts: int = 5,
    settle: float = 0.2,
    sleep: Callable[[float], None] = time.sleep,
) -> CopyResult:
    """Make a consistent, checked copy of a wallet file at ``target`` (atomic, mode 0600).

    ``source`` is a :class:`WalletFind` from discovery or a path. A node wallet (Bitcoin,
    Litecoin or Dogecoin Core) goes through the node's ``backupwallet`` RPC when the node
    runs and has it loaded, else through SQLite's backup API or a stable copy; any other
    wallet file through :func:`copy_stable_file`. Raises :class:`WalletBusyError` (still
    in use), :class:`NodeRpcError` (the node refused) or :class:`WalletCheckError` (the copy
    is damaged); ``ValueError`` for a folder (the engine snapshots folders as tar).
    """
    target = Path(target)
    stable: dict[str, Any] = {"attempts": attempts, "settle": settle, "sleep": sleep}
    if isinstance(source, WalletFind):
        if source.kind != "file":
            raise ValueError("copy_wallet copies files; folders are snapshotted by the engine")
        path = source.path
        node: NodeWallet | None = None
        if source.wallet in NODE_WALLETS:
            node = NodeWallet(source.wallet, source.data_dir, source.network, source.name)
        wallet: str | None = source.wallet
    else:
        path = Path(source)
        if path.is_dir():
            raise ValueError("copy_wallet copies files; folders are snapshotted by the engine")
        node = locate_node_wallet(path)
        wallet = node.wallet if node else ("geth" if path.name.startswith("UTC--") else None)
    if not path.is_file():
        raise FileNotFoundError(path)
    if node is not None:
        return _copy_node_wallet(path, target, node, rpc_timeout=rpc_timeout, **stable)
    return copy_stable_file(path, target, wallet=wallet, **stable)
