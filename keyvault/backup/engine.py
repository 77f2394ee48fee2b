"""The backup engine: backup, status, verify, repair, restore and recover.

Layout at every destination (ARCHITECTURE.md, "The data at a destination")::

    keyvault/<vault-id>/vault.json        marker (public facts)
    keyvault/<vault-id>/key.age           the vault key, passphrase-encrypted
    keyvault/<vault-id>/manifest.age      what this destination holds (see manifest.py)
    keyvault/<vault-id>/objects/<id>.age  one item version, age-encrypted to the vault key

Write order of :func:`backup`, per destination: each new object is put, read back and
its sha256 compared; then ``key.age`` when it changed; then the manifest of generation
N+1 (the generation is reserved in local state first); then local state records it;
only then are objects that no manifest references any more deleted, after a grace
period. A crash at any instant therefore leaves every destination with the previous
manifest (whose objects are all still there) or the new one (whose objects were all
written and checked before it). Unchanged items cost no writes at all.

One writer per vault: a destination whose manifest is authentic and of a higher
generation than this machine ever reserved was written by another keyvault; it is
reported and never overwritten. A destination that is not there (drive not mounted) is
reported and skipped; the others go on. No function here needs the vault passphrase
except deep verification, restore and recover, which take the identities.

Plaintext never touches the disk: snapshots stream through the encryptor into a
ciphertext spool file in the config dir (``spool/``, emptied at every run), restores
stream through the decryptor into an atomic target (a folder through ``tarfile`` with
the ``data`` filter).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import secrets
import shutil
import tarfile
import threading
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, Literal, TypeVar, cast

from keyvault.atomic import atomic_writer
from keyvault.crypto import X25519Identity, decrypt_stream, encrypt_stream
from keyvault.crypto.vaultkey import derive_manifest_mac_key
from keyvault.destinations import mounts
from keyvault.destinations.base import Destination, ObjectInfo
from keyvault.destinations.factory import open_destination
from keyvault.destinations.local import marker_document, vault_prefix
from keyvault.errors import (
    AlreadyExistsError,
    ConfigError,
    DamagedFileError,
    DestinationError,
    DestinationFullError,
    DestinationPermissionError,
    DestinationUnavailableError,
    KeyvaultError,
    NotFoundError,
    ObjectNotFoundError,
    ReadBackMismatchError,
    RetryableDestinationError,
    RollbackError,
    SourceChangedError,
)
from keyvault.secret import Secret
from keyvault.vault.config import Config, ItemConfig, VaultSection, load_config
from keyvault.vault.items import phrase_digest, phrase_record_path
from keyvault.vault.keystore import (
    encrypted_key_bytes,
    manifest_mac_key,
    unlock_encrypted_key,
    vault_recipient,
)
from keyvault.vault.lock import RunLock, pid_alive
from keyvault.vault.state import State, VersionRecord, format_time, open_state, utc_now

from .manifest import (
    ItemEntry,
    Manifest,
    VersionEntry,
    decrypt_manifest,
    encrypt_manifest,
    reader_identity,
    seal_manifest,
)
from .policy import CopyEvidence, Verdict, evaluate, physical_location_id
from .retention import RetentionPolicy, VersionFacts, versions_to_keep
from .snapshot import fingerprint, open_snapshot, snapshot_digest

__all__ = [
    "DEFAULT_GRACE",
    "BackupReport",
    "CopyCheck",
    "DestResult",
    "ItemResult",
    "ProgressEvent",
    "ProgressFn",
    "RecoverReport",
    "RepairReport",
    "RestoreResult",
    "StatusReport",
    "VerifyReport",
    "backup",
    "open_destinations",
    "recover",
    "restore",
    "status",
    "verify",
]

#: How long an object no manifest references stays before it is deleted.
DEFAULT_GRACE = timedelta(days=7)
MANIFEST_NAME = "manifest.age"
KEY_NAME = "key.age"
MARKER_NAME = "vault.json"
CHUNK = 1 << 20
SPOOL_DIR = "spool"
_RETRIES = 3
_EPOCH = "1970-01-01T00:00:00Z"

T = TypeVar("T")


# --- progress and reports ---------------------------------------------------------------


@dataclass(frozen=True)
class ProgressEvent:
    """One step of a long operation, for a progress bar.

    ``phase``: ``scan`` (reading an original), ``encrypt``, ``upload``, ``verify``
    (reading a copy back), ``download``, ``decrypt``, ``prune``. ``done``/``total`` are
    bytes (``total`` ``None`` when unknown).
    """

    phase: str
    item: str | None = None
    dest: str | None = None
    done: int = 0
    total: int | None = None


ProgressFn = Callable[[ProgressEvent], None]


@dataclass
class ItemResult:
    """What a backup did with one item.

    ``action``: ``unchanged``, ``new-version``, ``would-back-up`` (dry run),
    ``original-missing`` or ``failed``.
    """

    name: str
    kind: str
    action: str
    version: int | None = None
    size: int | None = None
    message: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dict(self.__dict__)


@dataclass
class DestResult:
    """What a backup did at one destination.

    ``state``: ``ok``, ``missing`` (not available: skipped), ``conflict`` (another writer's
    newer manifest: not overwritten), ``full`` or ``failed``.
    """

    name: str
    state: str = "ok"
    message: str | None = None
    uploaded: int = 0
    bytes_written: int = 0
    writes: int = 0
    manifest_generation: int | None = None
    pruned: int = 0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dict(self.__dict__)


@dataclass
class BackupReport:
    """The outcome of :func:`backup`."""

    dry_run: bool
    started: datetime
    finished: datetime
    items: list[ItemResult]
    destinations: list[DestResult]
    verdicts: list[Verdict]

    @property
    def writes(self) -> int:
        """Write operations (puts and deletes) at all destinations."""
        return sum(d.writes for d in self.destinations)

    @property
    def failed(self) -> bool:
        """True when an item or a destination failed (a missing drive is not a failure)."""
        return any(i.action == "failed" for i in self.items) or any(
            d.state in ("failed", "full", "conflict") for d in self.destinations
        )

    @property
    def policy_met(self) -> bool:
        """True when every item's verdict is ``ok``."""
        return all(v.state != "not-met" for v in self.verdicts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "dry_run": self.dry_run,
            "started": format_time(self.started),
            "finished": format_time(self.finished),
            "items": [i.to_dict() for i in self.items],
            "destinations": [d.to_dict() for d in self.destinations],
            "writes": self.writes,
            "failed": self.failed,
            "policy_met": self.policy_met,
            "status": [v.to_dict() for v in self.verdicts],
        }


@dataclass
class StatusReport:
    """The outcome of :func:`status`: one verdict per item (the vault key last)."""

    verdicts: list[Verdict]
    warnings: list[str]
    strict: bool

    @property
    def policy_met(self) -> bool:
        """True when no verdict is ``not-met``."""
        return all(v.state != "not-met" for v in self.verdicts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "strict": self.strict,
            "policy_met": self.policy_met,
            "items": [v.to_dict() for v in self.verdicts],
            "warnings": list(self.warnings),
        }


@dataclass
class CopyCheck:
    """One checked thing at one destination.

    ``what``: ``object``, ``manifest`` or ``key``. ``result``: ``ok``, ``missing``,
    ``damaged``, ``conflict`` (another writer's newer manifest) or ``not-restorable``.
    """

    dest: str
    what: str
    result: str
    item: str | None = None
    version: int | None = None
    object_id: str | None = None
    level: str = "intact"
    message: str | None = None

    @property
    def ok(self) -> bool:
        """True when nothing is wrong with it."""
        return self.result == "ok"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dict(self.__dict__)


@dataclass
class VerifyReport:
    """The outcome of :func:`verify`."""

    deep: bool
    checks: list[CopyCheck]
    unavailable: list[tuple[str, str]]
    unknown_objects: list[tuple[str, str]] = field(default_factory=list)

    @property
    def problems(self) -> list[CopyCheck]:
        """Checks that found a missing or damaged copy."""
        return [c for c in self.checks if not c.ok and c.result != "conflict"]

    @property
    def conflicts(self) -> list[CopyCheck]:
        """Destinations holding another writer's newer manifest."""
        return [c for c in self.checks if c.result == "conflict"]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "deep": self.deep,
            "checked": len(self.checks),
            "problems": len(self.problems),
            "checks": [c.to_dict() for c in self.checks],
            "unavailable": [{"dest": d, "message": m} for d, m in self.unavailable],
            "unknown_objects": [{"dest": d, "key": k} for d, k in self.unknown_objects],
        }


@dataclass
class RepairReport:
    """The outcome of :func:`repair`: what was fixed, what could not be."""

    before: VerifyReport
    repaired: list[CopyCheck]
    unrepaired: list[CopyCheck]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "found": len(self.before.problems),
            "repaired": [c.to_dict() for c in self.repaired],
            "unrepaired": [c.to_dict() for c in self.unrepaired],
            "unavailable": [{"dest": d, "message": m} for d, m in self.before.unavailable],
        }


@dataclass
class RestoreResult:
    """One restored item version."""

    name: str
    kind: str
    version: int
    path: Path
    size: int
    sha256: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {**self.__dict__, "path": str(self.path)}


@dataclass
class RecoverReport:
    """The outcome of :func:`recover`."""

    vault_id: str
    generation: int
    restored: list[RestoreResult]
    failed: list[tuple[str, str]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "vault_id": self.vault_id,
            "generation": self.generation,
            "restored": [r.to_dict() for r in self.restored],
            "failed": [{"item": n, "message": m} for n, m in self.failed],
        }


# --- small I/O helpers -------------------------------------------------------------------


class _HashSink(io.RawIOBase):
    """A writable stream that hashes (sha256) and counts, then passes bytes on (or drops)."""

    def __init__(self, target: BinaryIO | None = None) -> None:
        super().__init__()
        self._target = target
        self._hash = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        self._hash.update(view)
        self.size += len(view)
        if self._target is not None:
            self._target.write(view)
        return len(view)

    @property
    def sha256(self) -> str:
        """The sha256 (hex) of everything written."""
        return self._hash.hexdigest()


def _as_binary(stream: io.IOBase) -> BinaryIO:
    return cast(BinaryIO, stream)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _retry(action: Callable[[], T]) -> T:
    """Run ``action``; a :class:`RetryableDestinationError` is retried twice, with backoff."""
    for attempt in range(_RETRIES):
        try:
            return action()
        except RetryableDestinationError:
            if attempt == _RETRIES - 1:
                raise
            time.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")


def _get_into(
    dest: Destination,
    key: str,
    sink: io.RawIOBase,
    progress: Callable[[int, int | None], None] | None = None,
) -> ObjectInfo:
    """``dest.get`` into ``sink``, retried on temporary failures."""
    return _retry(lambda: dest.get(key, _as_binary(sink), progress))


def _delete(dest: Destination, key: str) -> None:
    """``dest.delete``, retried on temporary failures."""
    _retry(lambda: dest.delete(key))


def _get_bytes(dest: Destination, key: str) -> bytes:
    def action() -> bytes:
        sink = io.BytesIO()
        dest.get(key, sink)
        return sink.getvalue()

    return _retry(action)


def _safe_name(name: str) -> str:
    """A file name made from an item name: no separators, control characters or dots only."""
    cleaned = "".join(
        "_" if ch in "/\\:" or unicodedata.category(ch).startswith("C") else ch for ch in name
    ).strip()
    if cleaned in ("", ".", ".."):
        cleaned = "item"
    return cleaned[:200]


# --- the per-call context ----------------------------------------------------------------


def open_destinations(config: Config, home: Path) -> list[Destination]:
    """Every configured destination, opened (opening never touches the storage)."""
    return [open_destination(cfg, home) for cfg in config.destinations]


class _Vault:
    """What one engine call works with: config, keys, state, destinations, spool."""

    def __init__(
        self,
        home: Path,
        state: State,
        *,
        destinations: Sequence[Destination] | None,
        progress: ProgressFn | None,
        now: datetime | None,
    ) -> None:
        self.home = Path(home)
        self.state = state
        self.config = load_config(self.home)
        self.vault: VaultSection = self.config.require_vault()
        self.prefix = vault_prefix(self.vault.id)
        self.recipient = vault_recipient(self.home)
        self.mac_key = manifest_mac_key(self.home)
        self.reader = reader_identity(self.mac_key)
        self.now = now or utc_now()
        self.progress = progress
        self.dests = list(
            destinations if destinations is not None else open_destinations(self.config, home)
        )
        self.spool = self.home / SPOOL_DIR / f"{os.getpid()}-{secrets.token_hex(8)}"
        self.run_generation: int | None = None

    # keys at a destination
    def object_key(self, object_id: str) -> str:
        return f"{self.prefix}objects/{object_id}.age"

    @property
    def manifest_key(self) -> str:
        return self.prefix + MANIFEST_NAME

    @property
    def key_key(self) -> str:
        return self.prefix + KEY_NAME

    def emit(self, event: ProgressEvent) -> None:
        if self.progress is not None:
            self.progress(event)

    def byte_progress(
        self, phase: str, item: str | None, dest: str | None, total: int | None
    ) -> Callable[[int, int | None], None]:
        def callback(done: int, known_total: int | None = None) -> None:
            self.emit(ProgressEvent(phase, item, dest, done, known_total or total))

        return callback

    # the ciphertext spool: one folder per call, removed at its end
    def clear_spool(self) -> None:
        shutil.rmtree(self.spool, ignore_errors=True)
        with contextlib.suppress(OSError):
            self.spool.parent.rmdir()

    def clear_stale_spools(self) -> None:
        """Remove spool folders left by killed runs (their process is gone) or older than
        a day (a reused pid). Call only while holding the run lock."""
        root = self.spool.parent
        with contextlib.suppress(OSError):
            for folder in root.iterdir():
                pid_text = folder.name.split("-", 1)[0]
                stale = time.time() - folder.stat().st_mtime > 24 * 3600
                if stale or not pid_text.isdigit() or not pid_alive(int(pid_text)):
                    shutil.rmtree(folder, ignore_errors=True)

    def spool_path(self) -> Path:
        self.spool.mkdir(mode=0o700, parents=True, exist_ok=True)
        return self.spool / f"{secrets.token_hex(16)}.age"


# --- versions and copies -----------------------------------------------------------------


def _current_version(state: State, item: str) -> VersionRecord | None:
    """The newest version that reached at least one destination."""
    for record in reversed(state.versions(item)):
        if state.copies_of(record.object_id):
            return record
    return None


def _has_good_copy(state: State, record: VersionRecord) -> bool:
    return any(c.ok for c in state.copies_of(record.object_id))


def _keep(state: State, item: str, now: datetime) -> frozenset[int]:
    stored = [r for r in state.versions(item) if state.copies_of(r.object_id)]
    facts = [VersionFacts(r.version, r.created, r.deep_verified_at is not None) for r in stored]
    return versions_to_keep(facts, now, RetentionPolicy())


def _item_id(state: State, item: ItemConfig) -> str:
    return state.item_id(item.name, item.kind, secrets.token_hex(16))


def _build_manifest(v: _Vault, dest: str, generation: int) -> Manifest:
    copies = v.state.copies(dest)
    entries: list[ItemEntry] = []
    for item in v.config.items:
        keep = _keep(v.state, item.name, v.now)
        versions = tuple(
            VersionEntry(
                version=r.version,
                object_id=r.object_id,
                created=format_time(r.created),
                size=r.size,
                sha256=r.sha256,
                stored_size=r.stored_size,
                stored_sha256=r.stored_sha256,
                recipient=r.recipient,
                source_name=r.source_name,
            )
            for r in v.state.versions(item.name)
            if r.object_id in copies and r.version in keep
        )
        if versions:
            entries.append(
                ItemEntry(
                    item_id=_item_id(v.state, item),
                    name=item.name,
                    kind=item.kind,
                    versions=versions,
                    phrase_kind=item.phrase_kind,
                )
            )
    record = v.state.dest(dest)
    return Manifest(
        vault_id=v.vault.id,
        generation=generation,
        created=format_time(v.now),
        items=tuple(entries),
        key_sha256=record.key_sha256 if record else None,
    )


def _content_digest(v: _Vault, manifest: Manifest) -> str:
    neutral = replace(manifest, generation=0, created=_EPOCH)
    return _sha256(seal_manifest(neutral, v.mac_key))


# --- reading what a destination holds ----------------------------------------------------


@dataclass
class _Seen:
    """The manifest found at a destination.

    ``status``: ``none``, ``ours`` (the one this machine last wrote), ``older`` (authentic,
    older than the one this machine last wrote there: rolled back), ``interrupted``
    (authentic, written by a run of this machine that died before recording it), ``ahead``
    (authentic and newer than any generation this machine reserved: another writer),
    ``damaged`` (unreadable or not authentic), ``newer-format``.
    """

    status: str
    sha256: str | None = None
    generation: int | None = None
    manifest: Manifest | None = None
    message: str | None = None


def _read_manifest(v: _Vault, dest: Destination) -> _Seen:
    try:
        data = _get_bytes(dest, v.manifest_key)
    except ObjectNotFoundError:
        return _Seen("none")
    sha = _sha256(data)
    record = v.state.dest(dest.name)
    try:
        manifest = decrypt_manifest(data, [v.reader], v.mac_key, vault_id=v.vault.id)
    except ConfigError as exc:
        return _Seen("newer-format", sha, message=exc.message)
    except KeyvaultError as exc:
        if record is not None and record.manifest_sha256 == sha:
            # Ours, encrypted to an earlier reader key (before a key rotation).
            return _Seen("ours", sha, record.generation)
        return _Seen("damaged", sha, message=exc.message)
    if record is not None and record.manifest_sha256 == sha:
        return _Seen("ours", sha, manifest.generation, manifest)
    if manifest.generation > v.state.generation():
        return _Seen("ahead", sha, manifest.generation, manifest)
    last = record.generation if record is not None else None
    if last is not None and manifest.generation < last:
        return _Seen("older", sha, manifest.generation, manifest)
    return _Seen("interrupted", sha, manifest.generation, manifest)


def _conflict_message(dest: str, seen: _Seen, v: _Vault) -> str:
    if seen.status == "newer-format":
        return f"destination {dest!r} holds a manifest of a newer keyvault: not overwritten"
    return (
        f"destination {dest!r} holds a newer manifest (generation {seen.generation}, this "
        f"machine is at {v.state.generation()}) written by another keyvault: not overwritten"
    )


# --- writing to a destination ------------------------------------------------------------


def _put_checked(
    v: _Vault,
    dest: Destination,
    key: str,
    path: Path | None,
    data: bytes | None,
    sha256: str,
    result: DestResult,
    item: str | None = None,
) -> None:
    """Put a file or bytes, read it back and compare its sha256 (the delete on mismatch
    leaves no bad object behind)."""
    size = path.stat().st_size if path is not None else len(data or b"")

    def action() -> ObjectInfo:
        if path is not None:
            with open(path, "rb") as source:
                return dest.put(key, source, size, v.byte_progress("upload", item, dest.name, size))
        return dest.put(key, io.BytesIO(data or b""), size)

    _retry(action)
    result.writes += 1
    result.bytes_written += size
    sink = _HashSink()
    _retry(
        lambda: dest.get(key, _as_binary(sink), v.byte_progress("verify", item, dest.name, size))
    )
    if sink.sha256 != sha256 or sink.size != size:
        with contextlib.suppress(DestinationError):
            dest.delete(key)
        raise ReadBackMismatchError(
            f"the copy of {key.rsplit('/', 1)[-1]} read back from {dest.name!r} does not match"
        )


def _ensure_marker(v: _Vault, dest: Destination, result: DestResult) -> None:
    key = v.prefix + MARKER_NAME
    try:
        _retry(lambda: dest.stat(key))
    except ObjectNotFoundError:
        data = marker_document(v.vault.id, v.vault.created)
        _put_checked(v, dest, key, None, data, _sha256(data), result)


def _ensure_key(v: _Vault, dest: Destination, result: DestResult, force: bool = False) -> None:
    data = encrypted_key_bytes(v.home)
    sha = _sha256(data)
    record = v.state.dest(dest.name)
    if not force and record is not None and record.key_sha256 == sha and record.key_ok:
        return
    _put_checked(v, dest, v.key_key, None, data, sha, result)
    v.state.record_key(dest.name, sha, v.now)


def _write_manifest(v: _Vault, dest: Destination, result: DestResult, floor: int = 0) -> int:
    # One generation per run: reserved (and committed) before the first manifest is
    # written, shared by the manifests this run writes to the other destinations.
    if v.run_generation is None or v.run_generation <= floor:
        v.run_generation = v.state.reserve_generation(at_least=floor)
    generation = v.run_generation
    manifest = _build_manifest(v, dest.name, generation)
    data = encrypt_manifest(manifest, v.mac_key, v.recipient)
    sha = _sha256(data)
    _put_checked(v, dest, v.manifest_key, None, data, sha, result)
    v.state.record_manifest(dest.name, generation, sha, v.now, _content_digest(v, manifest))
    result.manifest_generation = generation
    return generation


def _manifest_is_current(v: _Vault, dest: str, seen: _Seen) -> bool:
    record = v.state.dest(dest)
    if seen.status != "ours" or record is None or record.manifest_content is None:
        return False
    probe = _build_manifest(v, dest, 0)
    return _content_digest(v, probe) == record.manifest_content


def _prune(v: _Vault, dest: Destination, grace: timedelta, result: DestResult) -> None:
    """Delete objects the current manifest no longer lists, once unreferenced for ``grace``.

    Only objects this machine created are deleted; others (another writer's) are kept.
    """
    listed = _build_manifest(v, dest.name, 0).object_ids()
    prefix = v.prefix + "objects/"
    stray = [
        info.key
        for info in _retry(lambda: list(dest.list(prefix)))
        if info.key.endswith(".age") and info.key[len(prefix) : -4] not in listed
    ]
    first_seen = v.state.note_unreferenced(dest.name, stray, v.now)
    for key, since in sorted(first_seen.items()):
        object_id = key[len(prefix) : -4]
        if v.now - since < grace or v.state.version_by_object(object_id) is None:
            continue
        v.emit(ProgressEvent("prune", None, dest.name))
        try:
            _delete(dest, key)
        except DestinationPermissionError:
            continue  # immutable for now (Object Lock): try again at a later run
        result.writes += 1
        result.pruned += 1
        v.state.remove_copy(dest.name, object_id)
        v.state.forget_unreferenced(dest.name, key)
    cleaner = getattr(dest, "remove_stale_temp_files", None)
    if callable(cleaner):
        with contextlib.suppress(DestinationError, OSError):
            cleaner()


# --- snapshots of items ------------------------------------------------------------------


@dataclass
class _Candidate:
    """An item's state during a backup run."""

    item: ItemConfig
    target: VersionRecord | None = None
    spool: Path | None = None


def _source_path(item: ItemConfig) -> Path:
    if not item.path:
        raise ConfigError(f"item {item.name!r} has no path")
    return Path(item.path)


def _encrypt_item(v: _Vault, item: ItemConfig, version: int) -> tuple[VersionRecord, Path]:
    """Snapshot and encrypt a file or folder item into the spool; returns its new version."""
    path = _source_path(item)
    spool = v.spool_path()
    for attempt in range(2):
        try:
            with open_snapshot(path) as snapshot, atomic_writer(spool) as handle:
                sink = _HashSink(handle)
                encrypt_stream(
                    _as_binary(snapshot),
                    _as_binary(sink),
                    [v.recipient],
                    progress=lambda done: v.emit(ProgressEvent("encrypt", item.name, None, done)),
                )
                plain_sha, plain_size = snapshot.sha256, snapshot.size
                root_name = snapshot.root_name
            break
        except SourceChangedError:
            if attempt == 1:
                raise
    record = VersionRecord(
        item=item.name,
        item_id=_item_id(v.state, item),
        kind=item.kind,
        version=version,
        object_id=secrets.token_hex(16),
        created=v.now,
        size=plain_size,
        sha256=plain_sha,
        stored_size=sink.size,
        stored_sha256=sink.sha256,
        recipient=str(v.recipient),
        source_name=root_name,
    )
    return record, spool


def _phrase_version(v: _Vault, item: ItemConfig, version: int) -> tuple[VersionRecord, Path]:
    digest = phrase_digest(v.home, item)
    data = phrase_record_path(v.home, item).read_bytes()
    spool = v.spool_path()
    with atomic_writer(spool) as handle:
        handle.write(data)
    record = VersionRecord(
        item=item.name,
        item_id=_item_id(v.state, item),
        kind="phrase",
        version=version,
        object_id=secrets.token_hex(16),
        created=v.now,
        size=digest.size,
        sha256=digest.sha256,
        stored_size=len(data),
        stored_sha256=_sha256(data),
        recipient=digest.recipient or str(v.recipient),
        phrase_kind=item.phrase_kind,
    )
    return record, spool


def _original_digest(v: _Vault, item: ItemConfig) -> tuple[str, int, str | None] | None:
    """(sha256, size, fingerprint) of an item's original now, or ``None`` when missing.

    A file or folder whose fingerprint is unchanged since it was last hashed is not read
    again (size, times and inode of every entry are compared).
    """
    if item.kind == "phrase":
        try:
            digest = phrase_digest(v.home, item)
            stored = _sha256(phrase_record_path(v.home, item).read_bytes())
        except (NotFoundError, FileNotFoundError):
            return None
        # The stored ciphertext's hash stands in for a fingerprint: a re-encryption
        # (after a key rotation) is a change that needs a new version.
        return digest.sha256, digest.size, stored
    path = _source_path(item)
    try:
        print_now = fingerprint(path)
    except FileNotFoundError:
        return None
    known = v.state.source(item.name)
    if known is not None and known.fingerprint == print_now and known.sha256 is not None:
        return known.sha256, known.size or 0, print_now
    v.emit(ProgressEvent("scan", item.name))
    try:
        snapshot = snapshot_digest(path)
    except FileNotFoundError:
        return None
    return snapshot.sha256, snapshot.size, print_now


def _unchanged(v: _Vault, item: ItemConfig, sha: str, print_now: str | None) -> bool:
    current = _current_version(v.state, item.name)
    if current is None or current.sha256 != sha or not _has_good_copy(v.state, current):
        return False
    if item.kind == "phrase":
        return current.stored_sha256 == print_now
    # A key rotation re-encrypts every item's newest version to the new key.
    return current.recipient == str(v.recipient)


# --- backup ------------------------------------------------------------------------------


def _check_destinations(
    v: _Vault, results: dict[str, DestResult], dry_run: bool
) -> list[tuple[Destination, _Seen]]:
    usable: list[tuple[Destination, _Seen]] = []
    for dest in v.dests:
        result = results[dest.name]
        try:
            dest.check_available()
            location = dest.location_id()
            seen = _read_manifest(v, dest)
        except DestinationUnavailableError as exc:
            result.state, result.message = "missing", exc.message
            continue
        except DestinationError as exc:
            result.state, result.message = "failed", exc.message
            continue
        if not dry_run:
            v.state.record_seen(dest.name, location, v.now)
        if seen.status in ("ahead", "newer-format"):
            result.state, result.message = "conflict", _conflict_message(dest.name, seen, v)
            continue
        if seen.status == "damaged":
            result.notes.append("its manifest was damaged or not authentic; a new one was written")
        if seen.status == "older":
            result.notes.append(
                f"its manifest was an older one (generation {seen.generation}); replaced"
            )
        if seen.status == "interrupted":
            result.notes.append("an interrupted run had left its manifest unrecorded; replaced")
        usable.append((dest, seen))
    return usable


def _prepare_items(v: _Vault, report: list[ItemResult], dry_run: bool) -> list[_Candidate]:
    candidates: list[_Candidate] = []
    for item in v.config.items:
        result = ItemResult(item.name, item.kind, "unchanged")
        report.append(result)
        try:
            found = _original_digest(v, item)
            current = _current_version(v.state, item.name)
            if found is None:
                result.action = "original-missing"
                result.message = "the original is missing; its stored versions are kept"
                candidates.append(_Candidate(item, current))
                continue
            sha, size, print_now = found
            if _unchanged(v, item, sha, print_now):
                assert current is not None
                result.version, result.size = current.version, current.size
                if not dry_run and item.kind != "phrase":
                    v.state.record_source(
                        item.name,
                        fingerprint=print_now,
                        sha256=sha,
                        size=size,
                        at=v.now,
                        changed_since=None,
                    )
                candidates.append(_Candidate(item, current))
                continue
            newest = v.state.newest_version(item.name)
            number = (newest.version if newest else 0) + 1
            if dry_run:
                result.action, result.version, result.size = "would-back-up", number, size
                candidates.append(_Candidate(item, current))
                continue
            if item.kind == "phrase":
                record, spool = _phrase_version(v, item, number)
            else:
                record, spool = _encrypt_item(v, item, number)
            # The version is known before any upload, so an object orphaned by a crash
            # mid-upload is recognised as ours and pruned later.
            v.state.add_version(record)
            result.action, result.version, result.size = "new-version", number, record.size
            candidates.append(_Candidate(item, record, spool))
        except KeyvaultError as exc:
            result.action, result.message = "failed", exc.message
        except OSError as exc:
            result.action, result.message = "failed", f"cannot read the original: {exc.strerror}"
    return candidates


def _fetch_to_spool(
    v: _Vault, record: VersionRecord, sources: Sequence[Destination], exclude: str
) -> Path | None:
    """Download a good copy of ``record`` from another destination into the spool."""
    for source in sources:
        copy = v.state.copies(source.name).get(record.object_id)
        if source.name == exclude or copy is None or not copy.ok:
            continue
        try:
            spool = _download_checked(
                v, source, record.object_id, record.stored_sha256, record.stored_size, record.item
            )
        except (DestinationError, DamagedFileError) as exc:
            v.state.record_check(
                source.name,
                record.object_id,
                v.now,
                level="intact",
                ok=False,
                error=exc.message,
            )
            continue
        return spool
    return None


def _sync_destination(
    v: _Vault,
    dest: Destination,
    seen: _Seen,
    candidates: list[_Candidate],
    sources: Sequence[Destination],
    result: DestResult,
    grace: timedelta,
) -> None:
    _ensure_marker(v, dest, result)
    for candidate in candidates:
        target = candidate.target
        if target is None:
            continue
        copy = v.state.copies(dest.name).get(target.object_id)
        if copy is not None and copy.ok:
            continue
        spool = candidate.spool
        if spool is None or not spool.exists():
            spool = _fetch_to_spool(v, target, sources, dest.name)
            if spool is None:
                result.notes.append(
                    f"no good copy of {candidate.item.name!r} version {target.version} to copy "
                    "from; run 'keyvault backup' once the original is back"
                )
                continue
            candidate.spool = spool
        _put_checked(
            v,
            dest,
            v.object_key(target.object_id),
            spool,
            None,
            target.stored_sha256,
            result,
            candidate.item.name,
        )
        v.state.record_copy(dest.name, target.object_id, v.now)
        result.uploaded += 1
    _ensure_key(v, dest, result)
    if not _manifest_is_current(v, dest.name, seen):
        _write_manifest(v, dest, result, floor=seen.generation or 0)
    _prune(v, dest, grace, result)


def backup(
    home: Path,
    *,
    dry_run: bool = False,
    destinations: Sequence[Destination] | None = None,
    progress: ProgressFn | None = None,
    now: datetime | None = None,
    grace: timedelta = DEFAULT_GRACE,
) -> BackupReport:
    """Back up every item to every available destination (no passphrase needed).

    ``destinations`` replaces the configured ones (tests, the GUI). A missing destination
    is reported and skipped; a full one or another failure stops writes to that one only.
    Raises :class:`~keyvault.errors.LockedError` when another run holds the lock.
    """
    home = Path(home)
    started = now or utc_now()
    with RunLock(home), open_state(home) as state:
        v = _Vault(home, state, destinations=destinations, progress=progress, now=started)
        results = {d.name: DestResult(d.name) for d in v.dests}
        item_results: list[ItemResult] = []
        if not dry_run:
            v.clear_stale_spools()
        try:
            usable = _check_destinations(v, results, dry_run)
            candidates = _prepare_items(v, item_results, dry_run)
            if not dry_run:
                sources = [d for d, _ in usable]
                for dest, seen in usable:
                    result = results[dest.name]
                    try:
                        _sync_destination(v, dest, seen, candidates, sources, result, grace)
                    except DestinationUnavailableError as exc:
                        result.state, result.message = "missing", exc.message
                    except DestinationFullError as exc:
                        result.state = "full"
                        result.message = (
                            f"destination {dest.name!r} is full; its previous backup is intact"
                        )
                        if exc.hint:
                            result.notes.append(exc.hint)
                    except DestinationError as exc:
                        result.state, result.message = "failed", exc.message
            else:
                _describe_dry_run(v, candidates, usable, results)
        finally:
            if not dry_run:
                v.clear_spool()
        finished = utc_now() if now is None else now
        report = BackupReport(
            dry_run, started, finished, item_results, [results[d.name] for d in v.dests], []
        )
        if not dry_run:
            state.record_run("backup", started, finished, "failed" if report.failed else "ok")
    report.verdicts = status(home, destinations=destinations, now=now).verdicts
    return report


def _describe_dry_run(
    v: _Vault,
    candidates: list[_Candidate],
    usable: list[tuple[Destination, _Seen]],
    results: dict[str, DestResult],
) -> None:
    for dest, _seen in usable:
        copies = v.state.copies(dest.name)
        missing = [
            c.item.name for c in candidates if c.target is None or c.target.object_id not in copies
        ]
        if missing:
            results[dest.name].notes.append(f"would copy {len(missing)} item(s)")


# --- status ------------------------------------------------------------------------------


def _location(path: Path) -> str | None:
    try:
        return mounts.location_id(path)
    except OSError:
        return None


def _original_evidence(
    v: _Vault, item: ItemConfig, current: VersionRecord | None
) -> tuple[CopyEvidence, datetime | None]:
    """The original's evidence and when it was first seen changed (``None``: unchanged)."""
    if item.kind == "phrase":
        path = v.home
        found = _original_digest(v, item)
        where = "the encrypted phrase record in the config dir"
    else:
        path = _source_path(item)
        found = _original_digest(v, item)
        where = str(path)
    if found is None:
        evidence = CopyEvidence(
            "original", "original", None, "internal", ok=False, detail=f"{where} is missing"
        )
        return evidence, None
    sha, size, print_now = found
    unchanged = current is not None and current.sha256 == sha
    known = v.state.source(item.name)
    changed_since: datetime | None = None
    if not unchanged:
        if current is None:
            changed_since = _added_time(item) or v.now
        else:
            changed_since = (known.changed_since if known else None) or v.now
    if item.kind != "phrase":
        v.state.record_source(
            item.name,
            fingerprint=print_now,
            sha256=sha,
            size=size,
            at=v.now,
            changed_since=changed_since,
        )
    try:
        media = mounts.guess_media(path)
    except OSError:
        media = "internal"
    evidence = CopyEvidence(
        "original",
        "original",
        _location(path if path.is_dir() else path.parent),
        media,
        current_version=unchanged,
    )
    return evidence, changed_since


def _added_time(item: ItemConfig) -> datetime | None:
    from keyvault.vault.state import parse_time

    try:
        return parse_time(item.added)
    except ValueError:
        return None


def _dest_evidence(v: _Vault, current: VersionRecord | None, item: str) -> list[CopyEvidence]:
    evidence: list[CopyEvidence] = []
    for dest in v.dests:
        record = v.state.dest(dest.name)
        copies = v.state.copies(dest.name)
        base: dict[str, Any] = {
            "kind": "destination",
            "name": dest.name,
            "location_id": record.location_id if record else None,
            "media": dest.media,
            "offsite": dest.offsite,
            "offline": dest.offline,
            "immutable": dest.immutable,
        }
        copy = copies.get(current.object_id) if current else None
        if copy is None:
            older = any(r.object_id in copies for r in v.state.versions(item))
            detail = "holds an older version" if older else "never backed up here"
            evidence.append(CopyEvidence(**base, current_version=False, detail=detail))
            continue
        evidence.append(
            CopyEvidence(
                **base,
                verified_at=copy.verified_at,
                ok=copy.ok,
                detail=copy.error or "",
            )
        )
    return evidence


def _physical_evidence(v: _Vault, item: str) -> list[CopyEvidence]:
    from keyvault.vault.state import parse_time

    found: list[CopyEvidence] = []
    for copy in v.config.copies:
        if copy.item != item:
            continue
        try:
            confirmed: datetime | None = parse_time(copy.confirmed)
        except ValueError:
            confirmed = None
        found.append(
            CopyEvidence(
                "physical",
                copy.id,
                physical_location_id(copy.location),
                copy.kind if copy.kind in ("paper", "metal") else "paper",
                offsite=copy.offsite,
                offline=copy.offline,
                verified_at=confirmed,
            )
        )
    return found


def _vault_key_verdict(v: _Vault, strict: bool, errors: int) -> tuple[Verdict, list[str]]:
    sha = _sha256(encrypted_key_bytes(v.home))
    home_location = _location(v.home)
    copies = [CopyEvidence("original", "key.age", home_location, "internal")]
    for dest in v.dests:
        record = v.state.dest(dest.name)
        present = record is not None and record.key_sha256 is not None
        copies.append(
            CopyEvidence(
                "destination",
                dest.name,
                record.location_id if record else None,
                dest.media,
                offsite=dest.offsite,
                offline=dest.offline,
                immutable=dest.immutable,
                current_version=present and record is not None and record.key_sha256 == sha,
                verified_at=record.key_verified_at if record else None,
                ok=record.key_ok if record else True,
                detail="" if present else "never copied here",
            )
        )
    copies += _physical_evidence(v, "vault-key")
    verdict = evaluate(
        "vault-key",
        copies,
        v.config.policy,
        now=v.now,
        strict=strict,
        last_verify_errors=errors,
        item_kind="vault-key",
    )
    warnings: list[str] = []
    if not any(c.location_id != home_location for c in verdict.counted if c.kind != "original"):
        warnings.append(
            "THE VAULT KEY HAS NO COPY OFF THIS MACHINE: if this disk dies, every backup is "
            "lost. Run 'keyvault backup' to a destination and print the recovery kit "
            "('keyvault paper kit')"
        )
    return verdict, warnings


def status(
    home: Path,
    *,
    strict: bool = False,
    destinations: Sequence[Destination] | None = None,
    now: datetime | None = None,
) -> StatusReport:
    """The 3-2-1 verdict of every item and of the vault key, from local state.

    Destinations are not contacted: a drive that is away still counts while its last
    verification is recent enough. Originals are re-read only when their size, times
    or inode changed.
    """
    with open_state(Path(home)) as state:
        v = _Vault(Path(home), state, destinations=destinations, progress=None, now=now)
        errors = sum(
            record.last_verify_errors
            for record in (state.dest(d.name) for d in v.dests)
            if record is not None
        )
        verdicts: list[Verdict] = []
        warnings: list[str] = []
        for item in v.config.items:
            current = _current_version(state, item.name)
            original, changed_since = _original_evidence(v, item, current)
            copies = [original, *_dest_evidence(v, current, item.name)]
            if item.kind == "phrase":
                copies += _physical_evidence(v, item.name)
            verdicts.append(
                evaluate(
                    item.name,
                    copies,
                    v.config.policy,
                    now=v.now,
                    strict=strict,
                    original_changed_since_backup_at=changed_since,
                    last_verify_errors=errors,
                    item_kind=cast(Literal["file", "folder", "phrase"], item.kind),
                )
            )
            if current is not None and current.recipient != str(v.recipient):
                warnings.append(
                    f"{item.name!r} is stored encrypted to an earlier vault key; "
                    "the next backup re-encrypts it"
                )
        key_verdict, key_warnings = _vault_key_verdict(v, strict, errors)
        verdicts.append(key_verdict)
        warnings += key_warnings
    return StatusReport(verdicts, warnings, strict)


# --- verify and repair -------------------------------------------------------------------


def _expected_objects(
    v: _Vault, dest: str, seen: _Seen
) -> dict[str, tuple[str | None, int | None, str, str, int]]:
    """object id -> (item, version, stored sha256, plaintext sha256, stored size)."""
    expected: dict[str, tuple[str | None, int | None, str, str, int]] = {}
    if seen.manifest is not None:
        for entry in seen.manifest.items:
            for version in entry.versions:
                expected[version.object_id] = (
                    entry.name,
                    version.version,
                    version.stored_sha256,
                    version.sha256,
                    version.stored_size,
                )
    for object_id in v.state.copies(dest):
        record = v.state.version_by_object(object_id)
        if record is not None:
            expected[object_id] = (
                record.item,
                record.version,
                record.stored_sha256,
                record.sha256,
                record.stored_size,
            )
    return expected


def _check_object(
    v: _Vault,
    dest: Destination,
    object_id: str,
    facts: tuple[str | None, int | None, str, str, int],
    present: set[str],
    identities: Sequence[X25519Identity] | None,
) -> CopyCheck:
    item, version, stored_sha, plain_sha, stored_size = facts
    check = CopyCheck(dest.name, "object", "ok", item, version, object_id)
    key = v.object_key(object_id)
    if key not in present:
        check.result, check.message, check.level = "missing", "not at the destination", "present"
        return check
    spool = v.spool_path() if identities else None
    try:
        progress = v.byte_progress("verify", item, dest.name, stored_size)
        if spool is not None:
            with atomic_writer(spool) as handle:
                sink = _HashSink(handle)
                _retry(lambda: dest.get(key, _as_binary(sink), progress))
        else:
            sink = _HashSink()
            _retry(lambda: dest.get(key, _as_binary(sink), progress))
        if sink.sha256 != stored_sha:
            check.result, check.message = "damaged", "its sha256 does not match the manifest"
            return check
        if spool is None or identities is None:
            return check
        check.level = "restorable"
        plain = _HashSink()
        try:
            with open(spool, "rb") as handle:
                decrypt_stream(handle, _as_binary(plain), list(identities))
        except KeyvaultError as exc:
            check.result, check.message = "not-restorable", exc.message
            return check
        if plain.sha256 != plain_sha:
            check.result = "not-restorable"
            check.message = "it decrypts, but not to the recorded content"
        return check
    except ObjectNotFoundError:
        check.result, check.message, check.level = "missing", "not at the destination", "present"
        return check
    finally:
        if spool is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(spool)


def _verify_destination(
    v: _Vault,
    dest: Destination,
    identities: Sequence[X25519Identity] | None,
    report: VerifyReport,
) -> None:
    seen = _read_manifest(v, dest)
    record = v.state.dest(dest.name)
    manifest_check = CopyCheck(dest.name, "manifest", "ok", level="intact")
    if seen.status == "none":
        if record is not None and record.manifest_sha256 is not None:
            manifest_check.result, manifest_check.message = "missing", "manifest.age is missing"
        else:
            manifest_check.message = "nothing backed up here yet"
    elif seen.status == "damaged":
        manifest_check.result = "damaged"
        manifest_check.message = seen.message or "manifest.age is damaged"
    elif seen.status in ("ahead", "newer-format"):
        manifest_check.result = "conflict"
        manifest_check.message = _conflict_message(dest.name, seen, v)
    elif seen.status == "older" and record is not None:
        manifest_check.result = "damaged"
        manifest_check.message = (
            f"manifest.age was replaced by an older one (generation {seen.generation}, "
            f"expected {record.generation})"
        )
    if identities and seen.status in ("ours", "older", "interrupted"):
        manifest_check.level = "restorable"
        try:
            data = _get_bytes(dest, v.manifest_key)
            decrypt_manifest(
                data, list(identities), derive_manifest_mac_key(identities[0]), vault_id=v.vault.id
            )
        except (KeyvaultError, IndexError) as exc:
            manifest_check.result = "not-restorable"
            manifest_check.message = getattr(exc, "message", "cannot be opened with the vault key")
    report.checks.append(manifest_check)
    if manifest_check.result == "conflict":
        return
    v.state.record_manifest_check(dest.name, manifest_check.ok, manifest_check.message)

    prefix = v.prefix + "objects/"
    present = {info.key for info in _retry(lambda: list(dest.list(prefix)))}
    expected = _expected_objects(v, dest.name, seen)
    errors = 0 if manifest_check.ok else 1
    for object_id, facts in sorted(expected.items(), key=lambda kv: (kv[1][0] or "", kv[1][1])):
        check = _check_object(v, dest, object_id, facts, present, identities)
        report.checks.append(check)
        if object_id in v.state.copies(dest.name):
            v.state.record_check(
                dest.name,
                object_id,
                v.now,
                level=check.level,
                ok=check.ok,
                error=None if check.ok else check.message,
            )
        if check.ok and check.level == "restorable":
            v.state.mark_deep_verified(object_id, v.now)
        errors += 0 if check.ok else 1
    known = {v.object_key(o) for o in expected}
    report.unknown_objects += [(dest.name, k) for k in sorted(present - known)]

    key_check = CopyCheck(dest.name, "key", "ok")
    if record is not None and record.key_sha256 is not None:
        try:
            data = _get_bytes(dest, v.key_key)
        except ObjectNotFoundError:
            key_check.result, key_check.message = "missing", "key.age is missing"
        else:
            if _sha256(data) != record.key_sha256:
                key_check.result, key_check.message = "damaged", "key.age does not match"
        v.state.record_key(dest.name, None, v.now, ok=key_check.ok)
        report.checks.append(key_check)
        errors += 0 if key_check.ok else 1
    v.state.record_verify_run(dest.name, v.now, errors)


def verify(
    home: Path,
    *,
    dest: str | None = None,
    deep: bool = False,
    identities: Sequence[X25519Identity] | None = None,
    destinations: Sequence[Destination] | None = None,
    progress: ProgressFn | None = None,
    now: datetime | None = None,
) -> VerifyReport:
    """Check the copies at every (or one) destination: present, intact, with ``deep``
    also restorable (decrypted with ``identities``, plaintext sha256 compared).

    Results are recorded in local state and feed :func:`status`. A destination that is not
    available is listed in :attr:`VerifyReport.unavailable`; when it was asked for by name,
    :class:`~keyvault.errors.DestinationUnavailableError` is raised instead.
    """
    if deep and not identities:
        raise ValueError("a deep verification needs the vault key's identities")
    home = Path(home)
    with RunLock(home), open_state(home) as state:
        v = _Vault(home, state, destinations=destinations, progress=progress, now=now)
        chosen = [d for d in v.dests if dest is None or d.name == dest]
        if dest is not None and not chosen:
            raise NotFoundError(f"no destination called {dest!r}", hint="see 'keyvault dest list'")
        report = VerifyReport(deep, [], [])
        try:
            for destination in chosen:
                try:
                    destination.check_available()
                    v.state.record_seen(destination.name, destination.location_id(), v.now)
                    _verify_destination(v, destination, identities if deep else None, report)
                except DestinationUnavailableError as exc:
                    if dest is not None:
                        raise
                    report.unavailable.append((destination.name, exc.message))
                except DestinationError as exc:
                    report.checks.append(
                        CopyCheck(destination.name, "destination", "missing", message=exc.message)
                    )
        finally:
            v.clear_spool()
        state.record_run("verify", v.now, utc_now(), "ok" if not report.problems else "problems")
    return report


def repair(
    home: Path,
    *,
    destinations: Sequence[Destination] | None = None,
    progress: ProgressFn | None = None,
    now: datetime | None = None,
) -> RepairReport:
    """Verify every available destination, then re-copy each missing or damaged object
    from a destination where it is intact, and rewrite missing or damaged manifests and
    key files. No passphrase needed. A destination holding another writer's newer
    manifest is left alone.
    """
    home = Path(home)
    before = verify(home, destinations=destinations, progress=progress, now=now)
    repaired: list[CopyCheck] = []
    unrepaired: list[CopyCheck] = []
    with RunLock(home), open_state(home) as state:
        v = _Vault(home, state, destinations=destinations, progress=progress, now=now)
        by_name = {d.name: d for d in v.dests}
        available = {d for d, _ in before.unavailable}
        sources = [d for d in v.dests if d.name not in available]
        try:
            for check in before.problems:
                dest = by_name.get(check.dest)
                if dest is None:
                    continue
                try:
                    fixed = _repair_one(v, dest, check, sources)
                except DestinationError as exc:
                    check.message = exc.message
                    fixed = False
                (repaired if fixed else unrepaired).append(check)
        finally:
            v.clear_spool()
        # Manifests list what state says each destination holds: rewrite those whose
        # objects were re-copied, missing or damaged.
        for name in sorted({c.dest for c in repaired if c.what != "key"}):
            dest = by_name[name]
            with contextlib.suppress(DestinationError):
                if not _manifest_is_current(v, name, _read_manifest(v, dest)):
                    _write_manifest(v, dest, DestResult(name))
        for check in repaired:
            if check.what == "object" and check.object_id:
                state.record_check(
                    check.dest, check.object_id, v.now, level="read-back", ok=True, error=None
                )
        for name in {c.dest for c in repaired}:
            remaining = [c for c in unrepaired if c.dest == name]
            state.record_verify_run(name, v.now, len(remaining))
        state.record_run("repair", v.now, utc_now(), "ok" if not unrepaired else "problems")
    return RepairReport(before, repaired, unrepaired)


def _repair_one(v: _Vault, dest: Destination, check: CopyCheck, sources: list[Destination]) -> bool:
    result = DestResult(dest.name)
    if check.what == "manifest":
        seen = _read_manifest(v, dest)
        if seen.status in ("ahead", "newer-format"):
            return False
        _write_manifest(v, dest, result, floor=seen.generation or 0)
        return True
    if check.what == "key":
        _ensure_key(v, dest, result, force=True)
        return True
    if check.what != "object" or check.object_id is None:
        return False
    record = v.state.version_by_object(check.object_id)
    if record is None:
        return False
    # The damaged copy must not serve as its own source.
    v.state.record_check(
        dest.name, record.object_id, v.now, level="intact", ok=False, error=check.message
    )
    spool = _fetch_to_spool(v, record, sources, dest.name)
    if spool is None:
        check.message = "no intact copy anywhere to copy from; run 'keyvault backup'"
        return False
    _put_checked(v, dest, v.object_key(record.object_id), spool, None, record.stored_sha256, result)
    v.state.record_copy(dest.name, record.object_id, v.now)
    return True


# --- restore and recover -----------------------------------------------------------------


def _strip_root_filter(root: str) -> Callable[[tarfile.TarInfo, str], tarfile.TarInfo | None]:
    """tarfile's ``data`` filter, after moving members from ``root/...`` to ``...``."""

    def strip(member: tarfile.TarInfo, destination: str) -> tarfile.TarInfo | None:
        head, _, rest = member.name.partition("/")
        if head != root:
            raise DamagedFileError("the folder archive has an entry outside its folder")
        if not rest:
            return None
        changes: dict[str, Any] = {"name": rest}
        if member.islnk():
            link_head, _, link_rest = member.linkname.partition("/")
            if link_head != root:
                raise DamagedFileError("the folder archive has a link outside its folder")
            changes["linkname"] = link_rest
        return tarfile.data_filter(member.replace(**changes, deep=False), destination)

    return strip


def _extract_tar(
    ciphertext: Path, identities: Sequence[X25519Identity], out: Path, root: str, expected_sha: str
) -> int:
    """Decrypt a folder archive and extract it into the new folder ``out``."""
    read_fd, write_fd = os.pipe()
    failure: list[BaseException] = []
    plain = _HashSink()

    def produce() -> None:
        try:
            with open(ciphertext, "rb") as src, os.fdopen(write_fd, "wb") as pipe:
                plain_target = _HashSink(_as_binary(pipe))
                decrypt_stream(src, _as_binary(plain_target), list(identities))
                plain._hash = plain_target._hash
                plain.size = plain_target.size
        except BaseException as exc:  # reported by the consumer
            failure.append(exc)

    worker = threading.Thread(target=produce, name="keyvault-decrypt", daemon=True)
    worker.start()
    try:
        with os.fdopen(read_fd, "rb") as pipe, tarfile.open(fileobj=pipe, mode="r|") as tar:
            tar.extractall(out, filter=_strip_root_filter(root))  # noqa: S202 - filtered
            while pipe.read(CHUNK):
                pass
    except tarfile.TarError as exc:
        worker.join()
        if failure:
            raise failure[0] from None
        raise DamagedFileError(f"the folder archive cannot be read: {exc}") from None
    worker.join()
    if failure:
        raise failure[0]
    if plain.sha256 != expected_sha:
        raise DamagedFileError("the restored folder does not match its recorded sha256")
    return plain.size


def _decrypt_to(
    ciphertext: Path,
    identities: Sequence[X25519Identity],
    out: Path,
    kind: str,
    root: str | None,
    expected_sha: str,
    force: bool,
) -> int:
    """Decrypt into ``out`` atomically (0600 files; a folder appears whole or not at all)."""
    if out.exists() or out.is_symlink():
        if not force:
            raise AlreadyExistsError(f"{out} already exists", hint="use --force to replace it")
        if out.is_dir() and kind != "folder":
            raise AlreadyExistsError(f"{out} is a folder; give a file name")
    out.parent.mkdir(parents=True, exist_ok=True)
    if kind != "folder":
        with atomic_writer(out, mode=0o600, overwrite=force) as handle:
            sink = _HashSink(handle)
            with open(ciphertext, "rb") as src:
                decrypt_stream(src, _as_binary(sink), list(identities))
            if sink.sha256 != expected_sha:
                raise DamagedFileError("the restored file does not match its recorded sha256")
        return sink.size
    staging = out.with_name(f".kv-restore-{secrets.token_hex(6)}")
    staging.mkdir(mode=0o700)
    try:
        size = _extract_tar(ciphertext, identities, staging, root or "", expected_sha)
        if out.exists():
            old = out.with_name(f".kv-old-{secrets.token_hex(6)}")
            os.replace(out, old)
            os.replace(staging, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return size


def _download_checked(
    v: _Vault, dest: Destination, object_id: str, stored_sha: str, size: int, item: str
) -> Path:
    spool = v.spool_path()
    with atomic_writer(spool) as handle:
        sink = _HashSink(handle)
        progress = v.byte_progress("download", item, dest.name, size)
        _get_into(dest, v.object_key(object_id), sink, progress)
        if sink.sha256 != stored_sha:
            raise DamagedFileError(f"the copy at {dest.name!r} is damaged (sha256 differs)")
    return spool


def restore(
    home: Path,
    name: str,
    out: Path,
    *,
    identities: Sequence[X25519Identity],
    version: int | None = None,
    from_dest: str | None = None,
    force: bool = False,
    destinations: Sequence[Destination] | None = None,
    progress: ProgressFn | None = None,
) -> RestoreResult:
    """Restore item ``name`` (its newest or the given ``version``) into ``out``.

    The copy is taken from ``from_dest`` or from the first available destination whose
    copy is intact (a damaged copy is skipped, never restored). Files are written 0600
    and atomically; folders appear whole. ``out`` is never replaced unless ``force``.
    """
    home = Path(home)
    with open_state(home) as state:
        v = _Vault(home, state, destinations=destinations, progress=progress, now=None)
        versions = state.versions(name)
        if not versions and v.config.item(name) is None:
            raise NotFoundError(f"no item called {name!r}", hint="see 'keyvault list'")
        stored = [r for r in versions if state.copies_of(r.object_id)]
        if version is not None:
            stored = [r for r in stored if r.version == version]
        if not stored:
            which = f"version {version} of " if version is not None else ""
            raise NotFoundError(f"no stored copy of {which}{name!r}")
        record = stored[-1]
        candidates = [d for d in v.dests if from_dest is None or d.name == from_dest]
        if from_dest is not None and not candidates:
            raise NotFoundError(f"no destination called {from_dest!r}")
        holders = {c.dest for c in state.copies_of(record.object_id)}
        errors: list[str] = []
        try:
            for dest in candidates:
                if dest.name not in holders:
                    continue
                try:
                    spool = _download_checked(
                        v, dest, record.object_id, record.stored_sha256, record.stored_size, name
                    )
                except (DestinationError, DamagedFileError) as exc:
                    errors.append(f"{dest.name}: {exc.message}")
                    continue
                v.emit(ProgressEvent("decrypt", name, dest.name))
                size = _decrypt_to(
                    spool,
                    identities,
                    Path(out),
                    record.kind,
                    record.source_name,
                    record.sha256,
                    force,
                )
                return RestoreResult(
                    name, record.kind, record.version, Path(out), size, record.sha256, dest.name
                )
        finally:
            v.clear_spool()
        detail = "; ".join(errors) or "no available destination holds it"
        raise DestinationUnavailableError(
            f"no intact copy of {name!r} version {record.version} could be read ({detail})"
        )


def _find_vault_ids(source: Destination) -> list[str]:
    ids = set()
    for info in _retry(lambda: list(source.list("keyvault/"))):
        parts = info.key.split("/")
        if len(parts) == 3 and parts[2] == MANIFEST_NAME:
            ids.add(parts[1])
    return sorted(ids)


def recover(
    source: Destination,
    out_dir: Path,
    *,
    home: Path,
    identity: X25519Identity | None = None,
    passphrase: Secret | None = None,
    vault_id: str | None = None,
    force: bool = False,
    progress: ProgressFn | None = None,
) -> RecoverReport:
    """Restore every item's newest version from one destination into ``out_dir``.

    The vault key is ``identity`` (from the 24 words or an age key file) or is opened
    from the destination's ``key.age`` with ``passphrase``. Only an authentic manifest
    (MAC) of the vault is accepted, and never one older than a generation this config
    dir has already seen for it (:class:`~keyvault.errors.RollbackError`). Items are
    written as ``out_dir/<name>`` (files, folders) and ``out_dir/<name>.phrase.json``.
    """
    if identity is None and passphrase is None:
        raise ValueError("recover needs the vault key or the vault passphrase")
    home = Path(home)
    ids = [vault_id] if vault_id else _find_vault_ids(source)
    if not ids:
        raise NotFoundError("no keyvault backup found there (no manifest.age)")
    if len(ids) > 1 and identity is None:
        raise ConfigError(f"{len(ids)} vaults are stored there", hint="name one with its vault id")
    chosen = ids[0]
    if identity is None:
        assert passphrase is not None
        try:
            key_data = _get_bytes(source, vault_prefix(chosen) + KEY_NAME)
        except ObjectNotFoundError:
            raise NotFoundError("the destination holds no key.age to open") from None
        identity = unlock_encrypted_key(key_data, passphrase)
    mac_key = derive_manifest_mac_key(identity)
    manifest: Manifest | None = None
    last_error: KeyvaultError | None = None
    with open_state(home) as state:
        for candidate in ids:
            try:
                data = _get_bytes(source, vault_prefix(candidate) + MANIFEST_NAME)
                manifest = decrypt_manifest(
                    data,
                    [identity],
                    mac_key,
                    vault_id=candidate,
                    min_generation=state.seen_generation(candidate),
                )
            except KeyvaultError as exc:
                last_error = exc
                continue
            chosen = candidate
            break
        if manifest is None:
            assert last_error is not None
            if isinstance(last_error, RollbackError):
                raise last_error
            raise RollbackError(
                f"no authentic manifest opens with this key ({last_error.message})"
            ) from None
        state.note_seen_generation(chosen, manifest.generation)

    out_dir = Path(out_dir)
    plan: list[tuple[ItemEntry, VersionEntry, Path]] = []
    used: set[str] = set()
    for entry in manifest.items:
        newest = entry.newest()
        if newest is None:
            continue
        base = _safe_name(entry.name)
        file_name = base + ".phrase.json" if entry.kind == "phrase" else base
        while file_name.casefold() in used:
            file_name = "_" + file_name
        used.add(file_name.casefold())
        plan.append((entry, newest, out_dir / file_name))
    if not force:
        taken = [str(p) for _, _, p in plan if p.exists() or p.is_symlink()]
        if taken:
            raise AlreadyExistsError(
                f"{len(taken)} target(s) already exist, e.g. {taken[0]}",
                hint="use --force to replace them, or another -o folder",
            )
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    spool_dir = home / SPOOL_DIR / f"{os.getpid()}-{secrets.token_hex(8)}"
    report = RecoverReport(chosen, manifest.generation, [], [])
    prefix = vault_prefix(chosen)
    try:
        for entry, version, target in plan:
            if progress is not None:
                progress(ProgressEvent("download", entry.name, None, 0, version.stored_size))
            spool_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            spool = spool_dir / f"{secrets.token_hex(16)}.age"
            try:
                with atomic_writer(spool) as handle:
                    sink = _HashSink(handle)
                    _get_into(source, f"{prefix}objects/{version.object_id}.age", sink)
                    if sink.sha256 != version.stored_sha256:
                        raise DamagedFileError("the stored copy is damaged (sha256 differs)")
                size = _decrypt_to(
                    spool,
                    [identity],
                    target,
                    entry.kind,
                    version.source_name,
                    version.sha256,
                    force,
                )
            except KeyvaultError as exc:
                report.failed.append((entry.name, exc.message))
                continue
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(spool)
            report.restored.append(
                RestoreResult(
                    entry.name,
                    entry.kind,
                    version.version,
                    target,
                    size,
                    version.sha256,
                    source.name,
                )
            )
    finally:
        shutil.rmtree(spool_dir, ignore_errors=True)
        with contextlib.suppress(OSError):
            spool_dir.parent.rmdir()
    return report
