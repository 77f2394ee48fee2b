"""The engine's shared machinery: one call's context (config, keys, state, destinations,
spool), checked reads and writes at a destination, manifests built from local state."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import secrets
import shutil
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, TypeVar, cast

from keyvault.atomic import atomic_writer
from keyvault.destinations.base import Destination, ObjectInfo
from keyvault.destinations.factory import open_destination
from keyvault.destinations.local import marker_document, vault_prefix
from keyvault.errors import (
    ConfigError,
    DamagedFileError,
    DestinationError,
    KeyvaultError,
    NotFoundError,
    ObjectNotFoundError,
    ReadBackMismatchError,
    RetryableDestinationError,
)
from keyvault.vault.config import Config, ItemConfig, VaultSection, load_config
from keyvault.vault.items import phrase_digest, phrase_record_path
from keyvault.vault.keystore import (
    encrypted_key_bytes,
    manifest_mac_key,
    vault_recipient,
)
from keyvault.vault.lock import pid_alive
from keyvault.vault.state import State, VersionRecord, format_time, utc_now
from keyvault.wallets.copy import copy_wallet

from .manifest import (
    ItemEntry,
    Manifest,
    VersionEntry,
    decrypt_manifest,
    encrypt_manifest,
    reader_identity,
    seal_manifest,
)
from .reports import DestResult, ProgressEvent, ProgressFn
from .retention import RetentionPolicy, VersionFacts, versions_to_keep
from .snapshot import SnapshotStream, fingerprint, open_snapshot

__all__ = [
    "CHUNK",
    "KEY_NAME",
    "MANIFEST_NAME",
    "MARKER_NAME",
    "SPOOL_DIR",
    "HashSink",
    "SeenManifest",
    "VaultRun",
    "as_binary",
    "build_manifest",
    "conflict_message",
    "content_digest",
    "current_version",
    "delete",
    "download_checked",
    "ensure_key",
    "ensure_marker",
    "fetch_to_spool",
    "get_bytes",
    "get_into",
    "has_good_copy",
    "item_id",
    "kept_versions",
    "manifest_is_current",
    "open_destinations",
    "open_original",
    "original_digest",
    "put_checked",
    "read_manifest",
    "retry",
    "safe_name",
    "sha256",
    "source_path",
    "write_manifest",
]

MANIFEST_NAME = "manifest.age"

KEY_NAME = "key.age"

MARKER_NAME = "vault.json"

CHUNK = 1 << 20

SPOOL_DIR = "spool"

_RETRIES = 3

_EPOCH = "1970-01-01T00:00:00Z"

T = TypeVar("T")


class HashSink(io.RawIOBase):
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


def as_binary(stream: io.IOBase) -> BinaryIO:
    return cast(BinaryIO, stream)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def retry(action: Callable[[], T]) -> T:
    """Run ``action``; a :class:`RetryableDestinationError` is retried twice, with backoff."""
    for attempt in range(_RETRIES):
        try:
            return action()
        except RetryableDestinationError:
            if attempt == _RETRIES - 1:
                raise
            time.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")


def get_into(
    dest: Destination,
    key: str,
    sink: io.RawIOBase,
    progress: Callable[[int, int | None], None] | None = None,
) -> ObjectInfo:
    """``dest.get`` into ``sink``, retried on temporary failures."""
    return retry(lambda: dest.get(key, as_binary(sink), progress))


def delete(dest: Destination, key: str) -> None:
    """``dest.delete``, retried on temporary failures."""
    retry(lambda: dest.delete(key))


def get_bytes(dest: Destination, key: str) -> bytes:
    def action() -> bytes:
        sink = io.BytesIO()
        dest.get(key, sink)
        return sink.getvalue()

    return retry(action)


def safe_name(name: str) -> str:
    """A file name made from an item name: no separators, control characters or dots only."""
    cleaned = "".join(
        "_" if ch in "/\\:" or unicodedata.category(ch).startswith("C") else ch for ch in name
    ).strip()
    if cleaned in ("", ".", ".."):
        cleaned = "item"
    return cleaned[:200]


def open_destinations(config: Config, home: Path) -> list[Destination]:
    """Every configured destination, opened (opening never touches the storage)."""
    return [open_destination(cfg, home) for cfg in config.destinations]


class VaultRun:
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


def current_version(state: State, item: str) -> VersionRecord | None:
    """The newest version that reached at least one destination."""
    for record in reversed(state.versions(item)):
        if state.copies_of(record.object_id):
            return record
    return None


def has_good_copy(state: State, record: VersionRecord) -> bool:
    return any(c.ok for c in state.copies_of(record.object_id))


def kept_versions(state: State, item: str, now: datetime) -> frozenset[int]:
    stored = [r for r in state.versions(item) if state.copies_of(r.object_id)]
    facts = [VersionFacts(r.version, r.created, r.deep_verified_at is not None) for r in stored]
    return versions_to_keep(facts, now, RetentionPolicy())


def item_id(state: State, item: ItemConfig) -> str:
    return state.item_id(item.name, item.kind, secrets.token_hex(16))


def build_manifest(v: VaultRun, dest: str, generation: int) -> Manifest:
    copies = v.state.copies(dest)
    entries: list[ItemEntry] = []
    for item in v.config.items:
        keep = kept_versions(v.state, item.name, v.now)
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
                    item_id=item_id(v.state, item),
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


def content_digest(v: VaultRun, manifest: Manifest) -> str:
    neutral = replace(manifest, generation=0, created=_EPOCH)
    return sha256(seal_manifest(neutral, v.mac_key))


@dataclass
class SeenManifest:
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


def read_manifest(v: VaultRun, dest: Destination) -> SeenManifest:
    try:
        data = get_bytes(dest, v.manifest_key)
    except ObjectNotFoundError:
        return SeenManifest("none")
    sha = sha256(data)
    record = v.state.dest(dest.name)
    try:
        manifest = decrypt_manifest(data, [v.reader], v.mac_key, vault_id=v.vault.id)
    except ConfigError as exc:
        return SeenManifest("newer-format", sha, message=exc.message)
    except KeyvaultError as exc:
        if record is not None and record.manifest_sha256 == sha:
            # Ours, encrypted to an earlier reader key (before a key rotation).
            return SeenManifest("ours", sha, record.generation)
        return SeenManifest("damaged", sha, message=exc.message)
    if record is not None and record.manifest_sha256 == sha:
        return SeenManifest("ours", sha, manifest.generation, manifest)
    if manifest.generation > v.state.generation():
        return SeenManifest("ahead", sha, manifest.generation, manifest)
    last = record.generation if record is not None else None
    if last is not None and manifest.generation < last:
        return SeenManifest("older", sha, manifest.generation, manifest)
    return SeenManifest("interrupted", sha, manifest.generation, manifest)


def conflict_message(dest: str, seen: SeenManifest, v: VaultRun) -> str:
    if seen.status == "newer-format":
        return f"destination {dest!r} holds a manifest of a newer keyvault: not overwritten"
    return (
        f"destination {dest!r} holds a newer manifest (generation {seen.generation}, this "
        f"machine is at {v.state.generation()}) written by another keyvault: not overwritten"
    )


def put_checked(
    v: VaultRun,
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

    retry(action)
    result.writes += 1
    result.bytes_written += size
    sink = HashSink()
    retry(lambda: dest.get(key, as_binary(sink), v.byte_progress("verify", item, dest.name, size)))
    if sink.sha256 != sha256 or sink.size != size:
        with contextlib.suppress(DestinationError):
            dest.delete(key)
        raise ReadBackMismatchError(
            f"the copy of {key.rsplit('/', 1)[-1]} read back from {dest.name!r} does not match"
        )


def ensure_marker(v: VaultRun, dest: Destination, result: DestResult) -> None:
    key = v.prefix + MARKER_NAME
    try:
        retry(lambda: dest.stat(key))
    except ObjectNotFoundError:
        data = marker_document(v.vault.id, v.vault.created)
        put_checked(v, dest, key, None, data, sha256(data), result)


def ensure_key(v: VaultRun, dest: Destination, result: DestResult, force: bool = False) -> None:
    data = encrypted_key_bytes(v.home)
    sha = sha256(data)
    record = v.state.dest(dest.name)
    if not force and record is not None and record.key_sha256 == sha and record.key_ok:
        return
    put_checked(v, dest, v.key_key, None, data, sha, result)
    v.state.record_key(dest.name, sha, v.now)


def write_manifest(v: VaultRun, dest: Destination, result: DestResult, floor: int = 0) -> int:
    # One generation per run: reserved (and committed) before the first manifest is
    # written, shared by the manifests this run writes to the other destinations.
    if v.run_generation is None or v.run_generation <= floor:
        v.run_generation = v.state.reserve_generation(at_least=floor)
    generation = v.run_generation
    manifest = build_manifest(v, dest.name, generation)
    data = encrypt_manifest(manifest, v.mac_key, v.recipient)
    sha = sha256(data)
    put_checked(v, dest, v.manifest_key, None, data, sha, result)
    v.state.record_manifest(dest.name, generation, sha, v.now, content_digest(v, manifest))
    result.manifest_generation = generation
    return generation


def manifest_is_current(v: VaultRun, dest: str, seen: SeenManifest) -> bool:
    record = v.state.dest(dest)
    if seen.status != "ours" or record is None or record.manifest_content is None:
        return False
    probe = build_manifest(v, dest, 0)
    return content_digest(v, probe) == record.manifest_content


def download_checked(
    v: VaultRun, dest: Destination, object_id: str, stored_sha: str, size: int, item: str
) -> Path:
    spool = v.spool_path()
    with atomic_writer(spool) as handle:
        sink = HashSink(handle)
        progress = v.byte_progress("download", item, dest.name, size)
        get_into(dest, v.object_key(object_id), sink, progress)
        if sink.sha256 != stored_sha:
            raise DamagedFileError(f"the copy at {dest.name!r} is damaged (sha256 differs)")
    return spool


def fetch_to_spool(
    v: VaultRun, record: VersionRecord, sources: Sequence[Destination], exclude: str
) -> Path | None:
    """Download a good copy of ``record`` from another destination into the spool."""
    for source in sources:
        copy = v.state.copies(source.name).get(record.object_id)
        if source.name == exclude or copy is None or not copy.ok:
            continue
        try:
            spool = download_checked(
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


def source_path(item: ItemConfig) -> Path:
    if not item.path:
        raise ConfigError(f"item {item.name!r} has no path")
    return Path(item.path)


def _needs_wallet_copy(item: ItemConfig) -> bool:
    return item.kind == "file" and item.wallet is not None and not item.live_copy_safe


@contextlib.contextmanager
def open_original(v: VaultRun, item: ItemConfig) -> Iterator[SnapshotStream]:
    """The snapshot of a file or folder item's original: the one place originals are read.

    A wallet file that is not safe to read while its program runs (a discovered wallet
    with ``live_copy_safe`` false, e.g. Bitcoin Core's) is first copied consistently by
    :func:`~keyvault.wallets.copy.copy_wallet` (the node's ``backupwallet`` RPC,
    SQLite's backup API or a checked stable copy) into a private 0700 folder under
    ``spool/``; the snapshot reads that copy, and the folder is removed as soon as the
    snapshot is closed or the copy fails. A run killed in between leaves it to the next
    backup's :meth:`VaultRun.clear_stale_spools` (the folder is named after this pid).
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


def original_digest(v: VaultRun, item: ItemConfig) -> tuple[str, int, str | None] | None:
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
    known = v.state.source(item.name)
    if known is not None and known.fingerprint == print_now and known.sha256 is not None:
        return known.sha256, known.size or 0, print_now
    v.emit(ProgressEvent("scan", item.name))
    try:
        with open_original(v, item) as stream:
            snapshot = stream.digest()
    except FileNotFoundError:
        return None
    return snapshot.sha256, snapshot.size, print_now


def record_original(
    v: VaultRun,
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
