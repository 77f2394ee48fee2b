"""The local SQLite cache of a B2 destination: authorization, bucket id, pending uploads.

b2sdk's ``SqliteAccountInfo`` keeps the token and URLs between runs; keyvault's own
tables add the bucket id (which b2sdk forgets at each re-authorization), the time of the
last authorization, and markers of large files that may be unfinished. The application
key is never written to the file (it comes from its credential store at every run).
The file is 0600 in a 0700 folder (:func:`~.config.cache_path_for`).

Imports b2sdk: imported only when a B2 destination opens (``keyvault --help`` must not
load b2sdk).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from b2sdk.v3 import SqliteAccountInfo

from .credentials import B2Credentials

__all__ = ["KeyvaultAccountInfo"]


class _QuietMissingAccountData(logging.Filter):
    """Drops b2sdk's error-with-traceback for reading an empty cache (an expected state)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("_get_account_info_or_raise encountered")


# b2sdk logs from the logger of its (internal) module, named after it; there is no public
# switch. Should the module move, the filter matches nothing and the message shows again.
_noisy = logging.getLogger("b2sdk._internal.account_info.sqlite_account_info")
if not any(isinstance(f, _QuietMissingAccountData) for f in _noisy.filters):
    _noisy.addFilter(_QuietMissingAccountData())


class KeyvaultAccountInfo(SqliteAccountInfo):  # type: ignore[misc]
    """b2sdk's SQLite account info, without the application key in the file.

    The key comes from its credential store at every run; the file keeps the token,
    URLs and, in keyvault's own tables, bucket ids (which b2sdk forgets at each
    re-authorization) and large files that may be unfinished. keyvault's tables are
    reached through a connection of its own (b2sdk's is private to it).
    """

    def __init__(self, path: Path, credentials: B2Credentials, clock: Callable[[], float]) -> None:
        self._kv_credentials = credentials
        self._kv_clock = clock
        self._kv_path = path
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        super().__init__(file_name=str(path))
        os.chmod(path, 0o600)
        with self._kv_tables() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS keyvault_bucket "
                "(name TEXT, account_id TEXT, bucket_id TEXT, PRIMARY KEY (name, account_id))"
            )
            conn.execute(
                "CREATE TABLE IF NOT EXISTS keyvault_pending "
                "(marker INTEGER PRIMARY KEY AUTOINCREMENT, file_name TEXT, file_id TEXT)"
            )
            conn.execute("CREATE TABLE IF NOT EXISTS keyvault_auth (authorized_at REAL)")

    @contextlib.contextmanager
    def _kv_tables(self) -> Iterator[sqlite3.Connection]:
        """A connection to the cache file for one transaction (committed on success);
        one per use, so any thread may call (b2sdk keeps one per thread for itself)."""
        with contextlib.closing(sqlite3.connect(self._kv_path, timeout=10)) as conn, conn:
            yield conn

    def set_auth_data(self, *args: Any, **kwargs: Any) -> None:
        # b2sdk passes these by keyword; the key itself is never written to the file.
        kwargs["application_key"] = ""
        super().set_auth_data(*args, **kwargs)
        with self._kv_tables() as conn:
            conn.execute("DELETE FROM keyvault_auth")
            conn.execute("INSERT INTO keyvault_auth VALUES (?)", (self._kv_clock(),))

    def get_application_key(self) -> str:
        return self._kv_credentials.key.reveal_text()

    def has_auth_for(self, key_id: str, realm: str, max_age: float) -> bool:
        """True when a token for this key and realm is cached and younger than max_age."""
        from b2sdk.v3.exception import MissingAccountData

        with self._kv_tables() as conn:
            when = conn.execute("SELECT authorized_at FROM keyvault_auth").fetchone()
        # Asked only after an authorization was recorded: b2sdk's getters log an error
        # with a traceback when the cache is empty.
        if when is None or not 0 <= self._kv_clock() - float(when[0]) < max_age:
            return False
        try:
            return bool(self.get_account_auth_token()) and (
                self.get_application_key_id(),
                self.get_realm(),
            ) == (key_id, realm)
        except MissingAccountData:
            return False

    def cached_bucket_id(self, name: str, account_id: str) -> str | None:
        with self._kv_tables() as conn:
            row = conn.execute(
                "SELECT bucket_id FROM keyvault_bucket WHERE name = ? AND account_id = ?",
                (name, account_id),
            ).fetchone()
        return None if row is None else str(row[0])

    def remember_bucket_id(self, name: str, account_id: str, bucket_id: str) -> None:
        with self._kv_tables() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO keyvault_bucket VALUES (?, ?, ?)",
                (name, account_id, bucket_id),
            )

    def forget_bucket_id(self, name: str) -> None:
        with self._kv_tables() as conn:
            conn.execute("DELETE FROM keyvault_bucket WHERE name = ?", (name,))

    def pending_add(self, file_name: str) -> int:
        """Record that a large file called ``file_name`` may be started; its marker."""
        with self._kv_tables() as conn:
            cursor = conn.execute(
                "INSERT INTO keyvault_pending (file_name) VALUES (?)", (file_name,)
            )
            return int(cursor.lastrowid or 0)

    def pending_set_id(self, marker: int, file_id: str) -> None:
        with self._kv_tables() as conn:
            conn.execute(
                "UPDATE keyvault_pending SET file_id = ? WHERE marker = ?", (file_id, marker)
            )

    def pending_remove(self, marker: int) -> None:
        with self._kv_tables() as conn:
            conn.execute("DELETE FROM keyvault_pending WHERE marker = ?", (marker,))

    def pending(self) -> list[tuple[int, str, str | None]]:
        """Every (marker, file name, file id or None) a run left behind."""
        with self._kv_tables() as conn:
            rows = conn.execute("SELECT marker, file_name, file_id FROM keyvault_pending")
            return [(int(m), str(n), None if i is None else str(i)) for m, n, i in rows]
