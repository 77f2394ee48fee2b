"""Helpers for the tests of discovered wallets (core and CLI): reading a wallet file's
records and the backup spool."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def wallet_rows(path: Path) -> list[tuple[bytes, bytes]]:
    """The wallet's records, read without a lock (works while the fake node holds it)."""
    conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        return sorted(conn.execute("SELECT key, value FROM main").fetchall())
    finally:
        conn.close()


def spool_entries(home: Path) -> list[Path]:
    """Everything left in ``home``'s spool folder (none when it does not exist)."""
    spool = home / "spool"
    return sorted(spool.rglob("*")) if spool.exists() else []
