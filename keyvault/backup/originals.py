"""The originals of file and folder items: the one place they are read (a wallet that
needs a consistent copy is copied first), their fingerprints and recorded hashes."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from keyvault.errors import (
    ConfigError,
    NotFoundError,
)
from keyvault.vault.config import ItemConfig
from keyvault.vault.items import phrase_digest, phrase_record_path
from keyvault.wallets.copy import copy_wallet

from .reports import ProgressEvent
from .run import SPOOL_DIR, RunContext, sha256
from .snapshot import SnapshotStream, fingerprint, open_snapshot

__all__ = [
    "open_original",
    "original_digest",
    "record_original",
    "recorded_digest",
    "source_path",
]


def source_path(item: ItemConfig) -> Path:
    if not item.path:
        raise ConfigError(f"item {item.name!r} has no path")
    return Path(item.path)


def _needs_wallet_copy(item: ItemConfig) -> bool:
    return item.kind == "file" and item.wallet is not None and not item.live_copy_safe


@contextlib.contextmanager
def open_original(v: RunContext, item: ItemConfig) -> Iterator[SnapshotStream]:
    """The snapshot of a file or folder item's original: the one place originals are read.

    A wallet file that is not safe to read while its program runs (a discovered wallet
    with ``live_copy_safe`` false, e.g. Bitcoin Core's) is first copied consistently by
    :func:`~keyvault.wallets.copy.copy_wallet` (the node's ``backupwallet`` RPC,
    SQLite's backup API or a checked stable copy) into a private 0700 folder under
    ``spool/``; the snapshot reads that copy, and the folder is removed as soon as the
    snapshot is closed or the copy fails. A run killed in between leaves it to the next
    backup's :meth:`RunContext.clear_stale_spools` (the folder is named after this pid).
    Raises :class:`FileNotFoundError` when the original is missing.
    """
    path = source_path(item)
    if not _needs_wallet_copy(item):
        with open_snapshot(path) as stream:
            yield stream
        return
    private = v.home / SPOOL_DIR / f"{os.getpid()}-wallet-{secrets.token_hex(8)}"
    try:
        private.mkdir(mode=0o700, parents=True)
        os.chmod(private, 0o700)
        copy = private / "wallet"
        copy_wallet(path, copy)
        with open_snapshot(copy) as stream:
            stream.root_name = path.name
            yield stream
    finally:
        shutil.rmtree(private, ignore_errors=True)


def original_digest(v: RunContext, item: ItemConfig) -> tuple[str, int, str | None] | None:
    """(sha256, size, fingerprint) of an item's original now, or ``None`` when missing.

    A file or folder whose fingerprint is unchanged since it was last hashed is not read
    again (size, times and inode of every entry are compared).
    """
    if item.kind == "phrase":
        try:
            digest = phrase_digest(v.home, item)
            stored = sha256(phrase_record_path(v.home, item).read_bytes())
        except (NotFoundError, FileNotFoundError):
            return None
        # The stored ciphertext's hash stands in for a fingerprint: a re-encryption
        # (after a key rotation) is a change that needs a new version.
        return digest.sha256, digest.size, stored
    path = source_path(item)
    try:
        print_now = fingerprint(path)
    except FileNotFoundError:
        return None
    known = recorded_digest(v, item, print_now)
    if known is not None:
        return known
    v.emit(ProgressEvent("scan", item.name))
    try:
        with open_original(v, item) as stream:
            snapshot = stream.digest()
    except FileNotFoundError:
        return None
    return snapshot.sha256, snapshot.size, print_now


def recorded_digest(
    v: RunContext, item: ItemConfig, print_now: str
) -> tuple[str, int, str | None] | None:
    """(sha256, size, fingerprint) recorded for a file or folder item whose fingerprint
    is still ``print_now`` (so it need not be read), else ``None``."""
    known = v.state.source(item.name)
    if known is not None and known.fingerprint == print_now and known.sha256 is not None:
        return known.sha256, known.size or 0, print_now
    return None


def record_original(
    v: RunContext,
    item: ItemConfig,
    found: tuple[str, int, str | None],
    changed_since: datetime | None,
) -> None:
    """Remember what :func:`original_digest` found (phrases keep no source record)."""
    if item.kind == "phrase":
        return
    sha, size, print_now = found
    v.state.record_source(
        item.name,
        fingerprint=print_now,
        sha256=sha,
        size=size,
        at=v.now,
        changed_since=changed_since,
    )
