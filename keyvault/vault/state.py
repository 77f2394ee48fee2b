"""Local state: which versions exist where, verification results, generations, runs.

One SQLite database, ``state.db`` in the config dir (mode 0600), in WAL mode with
``synchronous=FULL``: every method that changes something commits one transaction
before it returns or, inside :meth:`State.transaction`, together with the others (a
backup run is one transaction, made durable at its end and by :meth:`State.checkpoint`
before each write at a destination), so a crash or a power loss at any instant leaves
the state of the last commit, never a mixture. It holds public facts only (ids, sizes,
hashes of ciphertext and of plaintext, times, error texts, the public identity of the
wallet each version holds); never a key, a passphrase or a phrase.

The state is a cache of what this machine did and saw; the destinations' manifests are
the record. Losing it costs re-verification, not data.

This module is longer than most (about 750 lines) on purpose: it is the one place that
knows the database, each table's schema beside the reads and writes of that table.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Literal, cast

from keyvault.errors import ConfigError, IdentityRecordError
from keyvault.wallets.identity import Identity

__all__ = [
    "STATE_FILE",
    "CopyLevel",
    "CopyRecord",
    "DestRecord",
    "SourceFacts",
    "State",
    "VersionRecord",
    "format_time",
    "open_state",
    "parse_time",
    "utc_now",
]

STATE_FILE = "state.db"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (
    name TEXT PRIMARY KEY, item_id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS versions (
    object_id TEXT PRIMARY KEY, item_id TEXT NOT NULL, version INTEGER NOT NULL,
    kind TEXT NOT NULL, created TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL,
    stored_size INTEGER NOT NULL, stored_sha256 TEXT NOT NULL, recipient TEXT NOT NULL,
    source_name TEXT, phrase_kind TEXT, deep_verified_at TEXT,
    UNIQUE (item_id, version));
CREATE TABLE IF NOT EXISTS copies (
    dest TEXT NOT NULL, object_id TEXT NOT NULL, stored_at TEXT NOT NULL,
    verified_at TEXT, level TEXT NOT NULL, ok INTEGER NOT NULL, error TEXT,
    PRIMARY KEY (dest, object_id));
CREATE INDEX IF NOT EXISTS copies_by_object ON copies (object_id);
CREATE TABLE IF NOT EXISTS dests (
    dest TEXT PRIMARY KEY, generation INTEGER, manifest_sha256 TEXT, manifest_at TEXT,
    manifest_content TEXT,
    manifest_ok INTEGER NOT NULL DEFAULT 1, manifest_error TEXT,
    key_sha256 TEXT, key_verified_at TEXT, key_ok INTEGER NOT NULL DEFAULT 1,
    location_id TEXT, seen_at TEXT, last_verify_at TEXT,
    last_verify_errors INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS unreferenced (
    dest TEXT NOT NULL, key TEXT NOT NULL, first_seen TEXT NOT NULL, PRIMARY KEY (dest, key));
CREATE TABLE IF NOT EXISTS sources (
    item TEXT PRIMARY KEY, fingerprint TEXT, sha256 TEXT, size INTEGER,
    checked_at TEXT NOT NULL, changed_since TEXT);
CREATE TABLE IF NOT EXISTS manifests_written (
    dest TEXT PRIMARY KEY, sha256 TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS version_identities (
    object_id TEXT PRIMARY KEY, identity TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS seen_generations (
    vault_id TEXT PRIMARY KEY, generation INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, started TEXT NOT NULL,
    finished TEXT NOT NULL, result TEXT NOT NULL);
"""


def utc_now() -> datetime:
    """The current time, timezone-aware UTC, to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def format_time(value: datetime) -> str:
    """ISO 8601 UTC text with a ``Z``: ``2026-11-28T03:48:30Z``."""
    if value.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return value.astimezone(timezone.utc).replace(tzinfo=None).isoformat() + "Z"


def parse_time(text: str) -> datetime:
    """The inverse of :func:`format_time` (accepts any ISO 8601 text with a zone)."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"time without a zone: {text!r}")
    return parsed.astimezone(timezone.utc)


def _opt_time(text: str | None) -> datetime | None:
    return parse_time(text) if text else None


def _opt_text(value: datetime | None) -> str | None:
    return format_time(value) if value is not None else None


def _identity(text: str) -> Identity | None:
    """A stored identity record (one that no longer reads is dropped: it is only a record)."""
    try:
        return Identity.from_json(json.loads(text))
    except (ValueError, RecursionError, IdentityRecordError):
        return None


@dataclass(frozen=True)
class VersionRecord:
    """One version of an item that this machine created."""

    item: str
    item_id: str
    kind: str
    version: int
    object_id: str
    created: datetime
    size: int
    sha256: str
    stored_size: int
    stored_sha256: str
    recipient: str
    source_name: str | None = None
    phrase_kind: str | None = None
    #: When the version last passed a deep verification (decrypted, plaintext hash matched).
    deep_verified_at: datetime | None = None
    #: The wallet it holds, recorded when it was backed up (public; none before this was
    #: recorded). Kept in its own table, so a state of an earlier release needs no change.
    identity: Identity | None = None


#: How a copy was last checked: read back at write, listed, hashed, or decrypted.
CopyLevel = Literal["read-back", "present", "intact", "restorable"]


@dataclass(frozen=True)
class CopyRecord:
    """One object at one destination and what the last check found."""

    dest: str
    object_id: str
    stored_at: datetime
    verified_at: datetime | None
    #: ``read-back`` (at write), ``present``, ``intact`` or ``restorable``.
    level: CopyLevel
    ok: bool
    error: str | None = None


@dataclass(frozen=True)
class DestRecord:
    """What this machine knows about one destination."""

    dest: str
    generation: int | None
    manifest_sha256: str | None
    manifest_at: datetime | None
    #: A digest of the manifest's content apart from its generation and time.
    manifest_content: str | None
    manifest_ok: bool
    manifest_error: str | None
    key_sha256: str | None
    key_verified_at: datetime | None
    key_ok: bool
    location_id: str | None
    seen_at: datetime | None
    last_verify_at: datetime | None
    last_verify_errors: int


@dataclass(frozen=True)
class SourceFacts:
    """The last look at an item's original."""

    item: str
    fingerprint: str | None
    sha256: str | None
    size: int | None
    checked_at: datetime
    #: When the original was first seen differing from its newest backed-up version.
    changed_since: datetime | None


class State:
    """A connection to ``state.db``; use :func:`open_state`. Not shared across threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not path.exists():
            # Create it 0600 before SQLite does (its -wal/-shm files copy these permissions).
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
            os.close(fd)
        try:
            self._db = sqlite3.connect(path, isolation_level=None, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._depth = 0
            with self.transaction():
                # One statement at a time: executescript() would commit the transaction.
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        self._db.execute(statement)
                row = self._db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
                if row is None:
                    self._set_meta("schema", str(SCHEMA_VERSION))
                elif int(row[0]) > SCHEMA_VERSION:
                    raise ConfigError(
                        f"{path} was written by a newer keyvault", hint="upgrade keyvault"
                    )
        except sqlite3.DatabaseError as exc:
            raise ConfigError(f"the local state {path} cannot be read: {exc}") from None

    # --- plumbing ------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def __enter__(self) -> State:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self, *, immediate: bool = True) -> Iterator[None]:
        """Group changes into one atomic commit (nests: the outermost one commits).

        ``immediate`` takes SQLite's write lock at once (a short read-modify-write);
        without it the lock is taken by the first change, so a long run that only reads
        does not hold other processes' writes up.
        """
        if self._depth == 0:
            self._db.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                self._db.execute("ROLLBACK")
            raise
        self._depth -= 1
        if self._depth == 0:
            self._db.execute("COMMIT")

    def checkpoint(self) -> None:
        """Make everything changed so far durable.

        Inside :meth:`transaction` this commits it and opens the next one (deferred: the
        write lock is taken again only by the next change), so the outer ``with`` still
        commits, or rolls back, what follows. Outside one there is nothing to do.
        """
        if self._depth > 0:
            self._db.execute("COMMIT")
            self._db.execute("BEGIN")

    def _set_meta(self, key: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (key, value),
        )

    def _get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def integrity_ok(self) -> bool:
        """True when SQLite's integrity check passes."""
        row = self._db.execute("PRAGMA integrity_check").fetchone()
        return bool(row and row[0] == "ok")

    # --- generations -----------------------------------------------------------------------

    def generation(self) -> int:
        """The highest manifest generation this vault's writer has reserved (0 at first)."""
        return int(self._get_meta("generation") or 0)

    def reserve_generation(self, at_least: int = 0) -> int:
        """Reserve and commit the next generation (above ``at_least``) before writing it."""
        with self.transaction():
            value = max(self.generation(), at_least) + 1
            self._set_meta("generation", str(value))
        return value

    def seen_generation(self, vault_id: str) -> int:
        """The highest authentic generation ever read for ``vault_id`` (0 if none)."""
        row = self._db.execute(
            "SELECT generation FROM seen_generations WHERE vault_id=?", (vault_id,)
        ).fetchone()
        return 0 if row is None else int(row[0])

    def note_seen_generation(self, vault_id: str, generation: int) -> None:
        """Remember an authentic generation read for ``vault_id`` (keeps the maximum)."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO seen_generations(vault_id, generation) VALUES (?, ?) "
                "ON CONFLICT(vault_id) DO UPDATE SET "
                "generation=max(generation, excluded.generation)",
                (vault_id, generation),
            )

    # --- items and versions ----------------------------------------------------------------

    def item_id(self, name: str, kind: str, new_id: str) -> str:
        """The stable id of item ``name``; ``new_id`` is assigned the first time."""
        with self.transaction():
            row = self._db.execute("SELECT item_id FROM items WHERE name=?", (name,)).fetchone()
            if row is not None:
                return str(row[0])
            self._db.execute(
                "INSERT INTO items(name, item_id, kind) VALUES (?, ?, ?)", (name, new_id, kind)
            )
        return new_id

    def add_version(self, record: VersionRecord) -> None:
        """Record a new version (its object id and number must be new)."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO versions(object_id, item_id, version, kind, created, size, sha256, "
                "stored_size, stored_sha256, recipient, source_name, phrase_kind, "
                "deep_verified_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    record.object_id,
                    record.item_id,
                    record.version,
                    record.kind,
                    format_time(record.created),
                    record.size,
                    record.sha256,
                    record.stored_size,
                    record.stored_sha256,
                    record.recipient,
                    record.source_name,
                    record.phrase_kind,
                    _opt_text(record.deep_verified_at),
                ),
            )
            if record.identity is not None:
                self.record_version_identity(record.object_id, record.identity)

    _VERSION_COLUMNS = (
        "items.name, versions.item_id, versions.kind, version, object_id, created, size, "
        "sha256, stored_size, stored_sha256, recipient, source_name, phrase_kind, "
        "deep_verified_at, version_identities.identity"
    )
    _VERSION_TABLES = (
        "versions JOIN items USING (item_id) LEFT JOIN version_identities USING (object_id)"
    )

    @staticmethod
    def _version(row: tuple[object, ...]) -> VersionRecord:
        return VersionRecord(
            item=str(row[0]),
            item_id=str(row[1]),
            kind=str(row[2]),
            version=int(row[3]),  # type: ignore[call-overload]
            object_id=str(row[4]),
            created=parse_time(str(row[5])),
            size=int(row[6]),  # type: ignore[call-overload]
            sha256=str(row[7]),
            stored_size=int(row[8]),  # type: ignore[call-overload]
            stored_sha256=str(row[9]),
            recipient=str(row[10]),
            source_name=None if row[11] is None else str(row[11]),
            phrase_kind=None if row[12] is None else str(row[12]),
            deep_verified_at=_opt_time(None if row[13] is None else str(row[13])),
            identity=None if row[14] is None else _identity(str(row[14])),
        )

    def versions(self, item: str) -> list[VersionRecord]:
        """Every recorded version of ``item``, oldest first."""
        rows = self._db.execute(
            f"SELECT {self._VERSION_COLUMNS} FROM {self._VERSION_TABLES} "  # noqa: S608
            "WHERE items.name=? ORDER BY version",
            (item,),
        ).fetchall()
        return [self._version(r) for r in rows]

    def newest_version(self, item: str) -> VersionRecord | None:
        """The highest-numbered version of ``item``, if any."""
        found = self.versions(item)
        return found[-1] if found else None

    def version_by_object(self, object_id: str) -> VersionRecord | None:
        """The version stored as ``object_id``, if this machine knows it."""
        row = self._db.execute(
            f"SELECT {self._VERSION_COLUMNS} FROM {self._VERSION_TABLES} "  # noqa: S608
            "WHERE object_id=?",
            (object_id,),
        ).fetchone()
        return None if row is None else self._version(row)

    def record_version_identity(self, object_id: str, identity: Identity) -> None:
        """The wallet a version holds, learnt later (a drill of a version backed up before
        identities were recorded)."""
        with self.transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO version_identities(object_id, identity) VALUES (?,?)",
                (object_id, json.dumps(identity.to_json(), sort_keys=True)),
            )

    def mark_deep_verified(self, object_id: str, at: datetime) -> None:
        """Note that the version decrypted and its plaintext hash matched at ``at``."""
        with self.transaction():
            self._db.execute(
                "UPDATE versions SET deep_verified_at=? WHERE object_id=?",
                (format_time(at), object_id),
            )

    # --- copies ----------------------------------------------------------------------------

    def record_copy(
        self,
        dest: str,
        object_id: str,
        at: datetime,
        *,
        level: CopyLevel = "read-back",
        ok: bool = True,
        error: str | None = None,
    ) -> None:
        """Record a stored (or re-checked) object at ``dest``."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO copies(dest, object_id, stored_at, verified_at, level, ok, error) "
                "VALUES (?,?,?,?,?,?,?) ON CONFLICT(dest, object_id) DO UPDATE SET "
                "verified_at=excluded.verified_at, level=excluded.level, ok=excluded.ok, "
                "error=excluded.error",
                (dest, object_id, format_time(at), format_time(at), level, int(ok), error),
            )

    def record_check(
        self,
        dest: str,
        object_id: str,
        at: datetime,
        *,
        level: CopyLevel,
        ok: bool,
        error: str | None,
    ) -> None:
        """Record a verification result for an object this state expects at ``dest``."""
        with self.transaction():
            self._db.execute(
                "UPDATE copies SET verified_at=?, level=?, ok=?, error=? "
                "WHERE dest=? AND object_id=?",
                (format_time(at), level, int(ok), error, dest, object_id),
            )

    def remove_copy(self, dest: str, object_id: str) -> None:
        """Forget an object at ``dest`` (after it was pruned)."""
        with self.transaction():
            self._db.execute("DELETE FROM copies WHERE dest=? AND object_id=?", (dest, object_id))

    _COPY_COLUMNS = "dest, object_id, stored_at, verified_at, level, ok, error"

    @staticmethod
    def _copy(r: tuple[object, ...]) -> CopyRecord:
        return CopyRecord(
            dest=str(r[0]),
            object_id=str(r[1]),
            stored_at=parse_time(str(r[2])),
            verified_at=_opt_time(None if r[3] is None else str(r[3])),
            level=cast(CopyLevel, str(r[4])),
            ok=bool(r[5]),
            error=None if r[6] is None else str(r[6]),
        )

    def copies(self, dest: str) -> dict[str, CopyRecord]:
        """Every object this state expects at ``dest``, by object id (one query; callers
        that look at many objects load this once, not once per object)."""
        rows = self._db.execute(
            f"SELECT {self._COPY_COLUMNS} FROM copies WHERE dest=?",  # noqa: S608
            (dest,),
        ).fetchall()
        return {str(r[1]): self._copy(r) for r in rows}

    def copies_of(self, object_id: str) -> list[CopyRecord]:
        """Every destination's record of ``object_id`` (an indexed lookup)."""
        rows = self._db.execute(
            f"SELECT {self._COPY_COLUMNS} FROM copies WHERE object_id=? ORDER BY dest",  # noqa: S608
            (object_id,),
        ).fetchall()
        return [self._copy(r) for r in rows]

    def all_copies(self) -> dict[str, list[CopyRecord]]:
        """Every copy record, by object id (one query, for a whole run)."""
        found: dict[str, list[CopyRecord]] = {}
        for r in self._db.execute(
            f"SELECT {self._COPY_COLUMNS} FROM copies ORDER BY dest"  # noqa: S608
        ):
            found.setdefault(str(r[1]), []).append(self._copy(r))
        return found

    def forget_dest(self, dest: str) -> None:
        """Drop everything recorded about ``dest`` (after ``dest remove``)."""
        with self.transaction():
            for table in ("copies", "dests", "unreferenced", "manifests_written"):
                self._db.execute(f"DELETE FROM {table} WHERE dest=?", (dest,))  # noqa: S608

    # --- destinations ----------------------------------------------------------------------

    def _ensure_dest(self, dest: str) -> None:
        self._db.execute("INSERT OR IGNORE INTO dests(dest) VALUES (?)", (dest,))

    def dest(self, dest: str) -> DestRecord | None:
        """What this machine knows about ``dest``, if anything."""
        row = self._db.execute(
            "SELECT dest, generation, manifest_sha256, manifest_at, manifest_content, "
            "manifest_ok, manifest_error, key_sha256, key_verified_at, key_ok, location_id, "
            "seen_at, last_verify_at, last_verify_errors FROM dests WHERE dest=?",
            (dest,),
        ).fetchone()
        if row is None:
            return None
        return DestRecord(
            dest=str(row[0]),
            generation=None if row[1] is None else int(row[1]),
            manifest_sha256=row[2],
            manifest_at=_opt_time(row[3]),
            manifest_content=row[4],
            manifest_ok=bool(row[5]),
            manifest_error=row[6],
            key_sha256=row[7],
            key_verified_at=_opt_time(row[8]),
            key_ok=bool(row[9]),
            location_id=row[10],
            seen_at=_opt_time(row[11]),
            last_verify_at=_opt_time(row[12]),
            last_verify_errors=int(row[13]),
        )

    def record_manifest(
        self, dest: str, generation: int, sha256: str, at: datetime, content: str | None = None
    ) -> None:
        """The manifest this machine wrote (and read back) at ``dest``."""
        with self.transaction():
            self._ensure_dest(dest)
            self._db.execute(
                "UPDATE dests SET generation=?, manifest_sha256=?, manifest_at=?, "
                "manifest_content=?, manifest_ok=1, manifest_error=NULL WHERE dest=?",
                (generation, sha256, format_time(at), content, dest),
            )

    def note_manifest_writing(self, dest: str, sha256: str) -> None:
        """The manifest (its sha256) this machine is about to write at ``dest``: noted
        (and made durable by the caller's checkpoint) before the write, so a manifest a
        killed run left there is still known as this machine's, and any other one is not."""
        with self.transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO manifests_written(dest, sha256) VALUES (?,?)",
                (dest, sha256),
            )

    def manifest_writing(self, dest: str) -> str | None:
        """The sha256 of the manifest this machine last began to write at ``dest``."""
        row = self._db.execute(
            "SELECT sha256 FROM manifests_written WHERE dest=?", (dest,)
        ).fetchone()
        return None if row is None else str(row[0])

    def record_manifest_check(self, dest: str, ok: bool, error: str | None) -> None:
        """The result of checking the manifest at ``dest``."""
        with self.transaction():
            self._ensure_dest(dest)
            self._db.execute(
                "UPDATE dests SET manifest_ok=?, manifest_error=? WHERE dest=?",
                (int(ok), error, dest),
            )

    def record_key(self, dest: str, sha256: str | None, at: datetime, *, ok: bool = True) -> None:
        """The ``key.age`` at ``dest``: its sha256 when stored or checked, and the result."""
        with self.transaction():
            self._ensure_dest(dest)
            if sha256 is None:
                self._db.execute(
                    "UPDATE dests SET key_ok=?, key_verified_at=? WHERE dest=?",
                    (int(ok), format_time(at), dest),
                )
            else:
                self._db.execute(
                    "UPDATE dests SET key_sha256=?, key_verified_at=?, key_ok=? WHERE dest=?",
                    (sha256, format_time(at), int(ok), dest),
                )

    def record_seen(self, dest: str, location_id: str, at: datetime) -> None:
        """``dest`` was present at ``at`` on the physical place ``location_id``."""
        with self.transaction():
            self._ensure_dest(dest)
            self._db.execute(
                "UPDATE dests SET location_id=?, seen_at=? WHERE dest=?",
                (location_id, format_time(at), dest),
            )

    def record_verify_run(self, dest: str, at: datetime, errors: int) -> None:
        """A verification of ``dest`` finished at ``at`` with ``errors`` problems."""
        with self.transaction():
            self._ensure_dest(dest)
            self._db.execute(
                "UPDATE dests SET last_verify_at=?, last_verify_errors=? WHERE dest=?",
                (format_time(at), errors, dest),
            )

    # --- pruning ---------------------------------------------------------------------------

    def note_unreferenced(self, dest: str, keys: list[str], at: datetime) -> dict[str, datetime]:
        """Record keys at ``dest`` that no manifest references; returns each one's first sighting.

        Keys no longer in ``keys`` are forgotten (they were deleted or referenced again).
        """
        with self.transaction():
            known = {
                str(r[0]): parse_time(str(r[1]))
                for r in self._db.execute(
                    "SELECT key, first_seen FROM unreferenced WHERE dest=?", (dest,)
                )
            }
            for key in set(known) - set(keys):
                self._db.execute("DELETE FROM unreferenced WHERE dest=? AND key=?", (dest, key))
                del known[key]
            for key in keys:
                if key not in known:
                    self._db.execute(
                        "INSERT INTO unreferenced(dest, key, first_seen) VALUES (?,?,?)",
                        (dest, key, format_time(at)),
                    )
                    known[key] = at
        return known

    def forget_unreferenced(self, dest: str, key: str) -> None:
        """Forget a key after it was deleted."""
        with self.transaction():
            self._db.execute("DELETE FROM unreferenced WHERE dest=? AND key=?", (dest, key))

    # --- originals -------------------------------------------------------------------------

    def record_source(
        self,
        item: str,
        *,
        fingerprint: str | None,
        sha256: str | None,
        size: int | None,
        at: datetime,
        changed_since: datetime | None,
    ) -> None:
        """The last look at ``item``'s original."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO sources(item, fingerprint, sha256, size, checked_at, changed_since) "
                "VALUES (?,?,?,?,?,?) ON CONFLICT(item) DO UPDATE SET "
                "fingerprint=excluded.fingerprint, sha256=excluded.sha256, size=excluded.size, "
                "checked_at=excluded.checked_at, changed_since=excluded.changed_since",
                (item, fingerprint, sha256, size, format_time(at), _opt_text(changed_since)),
            )

    def source(self, item: str) -> SourceFacts | None:
        """The last look at ``item``'s original, if any."""
        row = self._db.execute(
            "SELECT item, fingerprint, sha256, size, checked_at, changed_since FROM sources "
            "WHERE item=?",
            (item,),
        ).fetchone()
        if row is None:
            return None
        return SourceFacts(
            item=str(row[0]),
            fingerprint=row[1],
            sha256=row[2],
            size=None if row[3] is None else int(row[3]),
            checked_at=parse_time(str(row[4])),
            changed_since=_opt_time(row[5]),
        )

    # --- runs ------------------------------------------------------------------------------

    def record_run(self, kind: str, started: datetime, finished: datetime, result: str) -> None:
        """A finished run (``backup``, ``verify``, ``repair``) and its one-word result."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO runs(kind, started, finished, result) VALUES (?,?,?,?)",
                (kind, format_time(started), format_time(finished), result),
            )

    def last_run(
        self, kind: str, *, result: str | None = None
    ) -> tuple[datetime, datetime, str] | None:
        """(started, finished, result) of the last run of ``kind`` (with ``result``, the last
        run that ended with that result, e.g. the last ``ok`` backup)."""
        if result is None:
            row = self._db.execute(
                "SELECT started, finished, result FROM runs WHERE kind=? ORDER BY id DESC LIMIT 1",
                (kind,),
            ).fetchone()
        else:
            row = self._db.execute(
                "SELECT started, finished, result FROM runs WHERE kind=? AND result=? "
                "ORDER BY id DESC LIMIT 1",
                (kind, result),
            ).fetchone()
        if row is None:
            return None
        return parse_time(str(row[0])), parse_time(str(row[1])), str(row[2])


def open_state(home: Path) -> State:
    """Open (creating if needed) ``home/state.db``."""
    return State(Path(home) / STATE_FILE)
