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
the ``data`` filter). The one exception is a wallet file that cannot be read safely while
its program runs (Bitcoin Core's): :func:`~._store.open_original` has it copied into a
private 0700 folder under ``spool/`` first and removes that copy as soon as it is read.

This module runs backups and is the front door to the other operations, which live in
private modules: :func:`status` (``_status``), :func:`verify` and :func:`repair`
(``_checks``), :func:`restore`, :func:`recover` and :func:`recover_from_source`
(``_restore``); what they return is in
:mod:`keyvault.backup.reports`.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from keyvault.atomic import atomic_writer
from keyvault.crypto import encrypt_stream
from keyvault.destinations.base import Destination
from keyvault.errors import (
    DestinationError,
    DestinationFullError,
    DestinationPermissionError,
    DestinationUnavailableError,
    KeyvaultError,
    SourceChangedError,
)
from keyvault.vault.config import ItemConfig
from keyvault.vault.items import phrase_digest, phrase_record_path
from keyvault.vault.lock import RunLock
from keyvault.vault.state import VersionRecord, open_state, utc_now

from ._checks import repair, verify
from ._restore import recover, recover_from_source, restore
from ._status import status
from ._store import (
    HashSink,
    SeenManifest,
    VaultRun,
    as_binary,
    build_manifest,
    conflict_message,
    current_version,
    delete,
    ensure_key,
    ensure_marker,
    fetch_to_spool,
    has_good_copy,
    item_id,
    manifest_is_current,
    open_destinations,
    open_original,
    original_digest,
    put_checked,
    read_manifest,
    record_original,
    retry,
    sha256,
    write_manifest,
)
from .reports import (
    BackupReport,
    CopyCheck,
    DestResult,
    ItemResult,
    ProgressEvent,
    ProgressFn,
    RecoverReport,
    RepairReport,
    RestoreResult,
    StatusReport,
    VerifiedDest,
    VerifyReport,
)

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
    "VerifiedDest",
    "VerifyReport",
    "backup",
    "open_destinations",
    "recover",
    "recover_from_source",
    "repair",
    "restore",
    "status",
    "verify",
]


DEFAULT_GRACE = timedelta(days=7)


def _prune(v: VaultRun, dest: Destination, grace: timedelta, result: DestResult) -> None:
    """Delete objects the current manifest no longer lists, once unreferenced for ``grace``.

    Only objects this machine created are deleted; others (another writer's) are kept.
    """
    listed = build_manifest(v, dest.name, 0).object_ids()
    prefix = v.prefix + "objects/"
    stray = [
        info.key
        for info in retry(lambda: list(dest.list(prefix)))
        if info.key.endswith(".age") and info.key[len(prefix) : -4] not in listed
    ]
    first_seen = v.state.note_unreferenced(dest.name, stray, v.now)
    for key, since in sorted(first_seen.items()):
        object_id = key[len(prefix) : -4]
        if v.now - since < grace or v.state.version_by_object(object_id) is None:
            continue
        v.emit(ProgressEvent("prune", None, dest.name))
        try:
            delete(dest, key)
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


@dataclass
class _Candidate:
    """An item's state during a backup run."""

    item: ItemConfig
    target: VersionRecord | None = None
    spool: Path | None = None


def _encrypt_item(v: VaultRun, item: ItemConfig, version: int) -> tuple[VersionRecord, Path]:
    """Snapshot and encrypt a file or folder item into the spool; returns its new version."""
    spool = v.spool_path()
    for attempt in range(2):
        try:
            with open_original(v, item) as snapshot, atomic_writer(spool) as handle:
                sink = HashSink(handle)
                encrypt_stream(
                    as_binary(snapshot),
                    as_binary(sink),
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
        item_id=item_id(v.state, item),
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


def _phrase_version(v: VaultRun, item: ItemConfig, version: int) -> tuple[VersionRecord, Path]:
    digest = phrase_digest(v.home, item)
    data = phrase_record_path(v.home, item).read_bytes()
    spool = v.spool_path()
    with atomic_writer(spool) as handle:
        handle.write(data)
    record = VersionRecord(
        item=item.name,
        item_id=item_id(v.state, item),
        kind="phrase",
        version=version,
        object_id=secrets.token_hex(16),
        created=v.now,
        size=digest.size,
        sha256=digest.sha256,
        stored_size=len(data),
        stored_sha256=sha256(data),
        recipient=digest.recipient or str(v.recipient),
        phrase_kind=item.phrase_kind,
    )
    return record, spool


def _unchanged(v: VaultRun, item: ItemConfig, sha: str, print_now: str | None) -> bool:
    current = current_version(v.state, item.name)
    if current is None or current.sha256 != sha or not has_good_copy(v.state, current):
        return False
    if item.kind == "phrase":
        return current.stored_sha256 == print_now
    # A key rotation re-encrypts every item's newest version to the new key.
    return current.recipient == str(v.recipient)


def _check_destinations(
    v: VaultRun, results: dict[str, DestResult], dry_run: bool
) -> list[tuple[Destination, SeenManifest]]:
    usable: list[tuple[Destination, SeenManifest]] = []
    for dest in v.dests:
        result = results[dest.name]
        try:
            dest.check_available()
            location = dest.location_id()
            seen = read_manifest(v, dest)
        except DestinationUnavailableError as exc:
            result.state, result.message = "missing", exc.message
            continue
        except DestinationError as exc:
            result.state, result.message = "failed", exc.message
            continue
        if not dry_run:
            v.state.record_seen(dest.name, location, v.now)
        if seen.status in ("ahead", "newer-format"):
            result.state, result.message = "conflict", conflict_message(dest.name, seen, v)
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


def _prepare_items(v: VaultRun, report: list[ItemResult], dry_run: bool) -> list[_Candidate]:
    candidates: list[_Candidate] = []
    for item in v.config.items:
        result = ItemResult(item.name, item.kind, "unchanged")
        report.append(result)
        try:
            found = original_digest(v, item)
            current = current_version(v.state, item.name)
            if found is None:
                result.action = "original-missing"
                result.message = "the original is missing; its stored versions are kept"
                candidates.append(_Candidate(item, current))
                continue
            sha, size, print_now = found
            if _unchanged(v, item, sha, print_now):
                assert current is not None
                result.version, result.size = current.version, current.size
                if not dry_run:
                    record_original(v, item, found, None)
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
            if record.sha256 == sha:
                # What the original was hashed to now is what was stored: status (at the
                # end of this run) need not read it a third time (a wallet copy each).
                record_original(v, item, found, None)
            result.action, result.version, result.size = "new-version", number, record.size
            candidates.append(_Candidate(item, record, spool))
        except KeyvaultError as exc:
            result.action, result.message = "failed", exc.message
        except OSError as exc:
            result.action, result.message = "failed", f"cannot read the original: {exc.strerror}"
    return candidates


def _sync_destination(
    v: VaultRun,
    dest: Destination,
    seen: SeenManifest,
    candidates: list[_Candidate],
    sources: Sequence[Destination],
    result: DestResult,
    grace: timedelta,
) -> None:
    ensure_marker(v, dest, result)
    for candidate in candidates:
        target = candidate.target
        if target is None:
            continue
        copy = v.state.copies(dest.name).get(target.object_id)
        if copy is not None and copy.ok:
            continue
        spool = candidate.spool
        if spool is None or not spool.exists():
            spool = fetch_to_spool(v, target, sources, dest.name)
            if spool is None:
                result.notes.append(
                    f"no good copy of {candidate.item.name!r} version {target.version} to copy "
                    "from; run 'keyvault backup' once the original is back"
                )
                continue
            candidate.spool = spool
        put_checked(
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
    ensure_key(v, dest, result)
    if not manifest_is_current(v, dest.name, seen):
        write_manifest(v, dest, result, floor=seen.generation or 0)
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
        v = VaultRun(home, state, destinations=destinations, progress=progress, now=started)
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
            state.record_run("backup", started, finished, _run_result(report))
    report.verdicts = status(home, destinations=destinations, now=now).verdicts
    return report


def _run_result(report: BackupReport) -> str:
    """The run's one-word result for local state.

    ``unreached`` when no destination took part (every drive missing, or none configured):
    not a failure of the run, but not a backup either, so it must not reset the
    stale-backup alert, which counts only ``ok`` runs.
    """
    if report.failed:
        return "failed"
    if not any(d.state == "ok" for d in report.destinations):
        return "unreached"
    return "ok"


def _describe_dry_run(
    v: VaultRun,
    candidates: list[_Candidate],
    usable: list[tuple[Destination, SeenManifest]],
    results: dict[str, DestResult],
) -> None:
    for dest, _seen in usable:
        copies = v.state.copies(dest.name)
        missing = [
            c.item.name for c in candidates if c.target is None or c.target.object_id not in copies
        ]
        if missing:
            results[dest.name].notes.append(f"would copy {len(missing)} item(s)")
