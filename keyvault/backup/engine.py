"""The backup engine: :func:`backup`, and the front door to the other operations.

Layout at every destination: :mod:`keyvault.layout`. Every destination is reached
through the one wrapper stack (:func:`~keyvault.destinations.wrappers.wrap`, applied by
:func:`~.run.open_destinations`): retries within one attempt budget, bounded reads,
read-back verification of every put.

Write order of :func:`backup`, per destination: each new object is put, read back and
its sha256 compared; then ``key.age`` when it changed; then the manifest of generation
N+1 (the generation is reserved in local state first); then local state records it;
only then are objects that no manifest references any more deleted, after a grace
period. Local state is one transaction per run, made durable before every write at a
destination and at the end. A crash at any instant therefore leaves every destination
with the previous manifest (whose objects are all still there) or the new one (whose
objects were all written and checked before it). Unchanged items cost no writes at all.

Read once: an item whose fingerprint changed is encrypted into the ciphertext spool
while its plaintext is hashed; when the hash shows no change the spool is discarded.

One writer per vault: a destination whose manifest is authentic and of a higher
generation than this machine ever reserved was written by another keyvault; it is
reported and never overwritten. A destination that is not there (drive not mounted) is
reported and skipped; the others go on. No function here needs the vault passphrase
except deep verification, restore and recover, which take the identities.

Plaintext never touches the disk: snapshots stream through the encryptor into a
ciphertext spool file in the config dir (``spool/``, emptied at every run); restores and
deep verification decrypt straight from the stored object into an atomic target (a
folder through ``tarfile`` with the ``data`` filter). The one exception is a wallet file
that cannot be read safely while its program runs (Bitcoin Core's):
:func:`~.originals.open_original` has it copied into a private 0700 folder under
``spool/`` first and removes that copy as soon as it is read.

The other operations live in modules named for them: :func:`status` (:mod:`.status`),
:func:`verify` and :func:`repair` (:mod:`.verify`), :func:`restore`, :func:`recover`
and :func:`recover_from_source` (:mod:`.restore`), :func:`list_source` (:mod:`.sources`);
what they return is in
:mod:`keyvault.backup.reports`.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from keyvault import layout
from keyvault.atomic import atomic_writer
from keyvault.crypto import encrypt_stream
from keyvault.destinations import mounts
from keyvault.destinations.base import Destination
from keyvault.destinations.wrappers import CheckedDestination
from keyvault.errors import (
    DestinationError,
    DestinationFullError,
    DestinationPermissionError,
    DestinationUnavailableError,
    KeyvaultError,
    SourceChangedError,
)
from keyvault.vault import identities as recorded_identities
from keyvault.vault.config import ItemConfig
from keyvault.vault.items import phrase_digest, phrase_record_path
from keyvault.vault.lock import RunLock
from keyvault.vault.state import VersionRecord, open_state, utc_now
from keyvault.wallets.identity import Identity

from .catalog import (
    SeenManifest,
    build_manifest,
    conflict_message,
    current_version,
    has_good_copy,
    item_id,
    manifest_is_current,
    read_manifest,
    sealed_object_ids,
    write_manifest,
)
from .originals import open_original, original_digest, record_original, recorded_digest, source_path
from .proof import KEPT_FOR_IDENTITY, snapshot_identity
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
from .restore import recover, recover_from_source, restore
from .room import make_room
from .run import HashSink, RunContext, as_binary, open_destinations, sha256
from .snapshot import fingerprint
from .sources import list_source
from .status import status, status_of
from .transfer import delete, ensure_key, ensure_marker, fetch_to_spool, put_checked
from .verify import repair, verify

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
    "list_source",
    "open_destinations",
    "recover",
    "recover_from_source",
    "repair",
    "restore",
    "status",
    "verify",
]


DEFAULT_GRACE = timedelta(days=7)


def _prune(
    v: RunContext,
    dest: CheckedDestination,
    grace: timedelta,
    result: DestResult,
    listed: frozenset[str],
) -> None:
    """Delete objects the current manifest and the owner's sealed one (``listed``: their
    object ids) no longer list, once unreferenced for ``grace``.

    Only objects this machine created are deleted; others (another writer's) are kept.
    """
    vault_id = v.vault.id
    stray = [
        info.key
        for info in dest.list(v.objects_prefix)
        if (found := layout.object_id_of(vault_id, info.key)) is not None and found not in listed
    ]
    first_seen = v.state.note_unreferenced(dest.name, stray, v.now)
    for key, since in sorted(first_seen.items()):
        object_id = layout.object_id_of(vault_id, key)
        if object_id is None:
            continue
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


def _encrypt_item(v: RunContext, item: ItemConfig, version: int) -> tuple[VersionRecord, Path]:
    """Snapshot and encrypt a file or folder item into the spool; returns its new version."""
    spool = v.spool_path()
    for attempt in range(2):
        try:
            # Not ``stream=True``: the puts read the spool right after, from the page cache.
            with open_original(v, item) as snapshot, atomic_writer(spool) as handle:
                if snapshot.kind == "file":
                    snapshot.keep(KEPT_FOR_IDENTITY)
                sink = HashSink(handle)
                encrypt_stream(
                    as_binary(snapshot),
                    as_binary(sink),
                    [v.recipient],
                    progress=lambda done: v.emit(ProgressEvent("encrypt", item.name, None, done)),
                )
                plain_sha, plain_size = snapshot.sha256, snapshot.size
                root_name = snapshot.root_name
                identity = snapshot_identity(
                    item.kind, snapshot.kept, snapshot.head, root_name, plain_sha
                )
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
        recipient=v.recipient_text,
        source_name=root_name,
        identity=identity,
    )
    return record, spool


def _phrase_version(v: RunContext, item: ItemConfig, version: int) -> tuple[VersionRecord, Path]:
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
        recipient=digest.recipient or v.recipient_text,
        phrase_kind=item.phrase_kind,
        identity=_recorded_identity(v, item.name),
    )
    return record, spool


def _recorded_identity(v: RunContext, name: str) -> Identity | None:
    """A phrase item's identity as recorded when it was added (the record itself is
    encrypted to the vault key, which a backup does not hold)."""
    try:
        return recorded_identities.load(v.home).get(name)
    except KeyvaultError:  # a damaged identities.json: the version goes without one
        return None


def _unchanged(v: RunContext, item: ItemConfig, sha: str, print_now: str | None) -> bool:
    current = current_version(v.state, item.name)
    if current is None or current.sha256 != sha or not has_good_copy(v.state, current):
        return False
    if item.kind == "phrase":
        return current.stored_sha256 == print_now
    # A key rotation re-encrypts every item's newest version to the new key.
    return current.recipient == v.recipient_text


def _check_destinations(
    v: RunContext, results: dict[str, DestResult], dry_run: bool
) -> list[tuple[CheckedDestination, SeenManifest]]:
    usable: list[tuple[CheckedDestination, SeenManifest]] = []
    places: list[tuple[str, str]] = []
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
        places.append((dest.name, location))
        if seen.status in ("ahead", "newer-format"):
            result.state, result.message = "conflict", conflict_message(dest.name, seen, v)
            continue
        record = v.state.dest(dest.name)
        if seen.status == "none" and record is not None and record.manifest_sha256:
            result.damage.append("its manifest was missing; a new one is written")
        if seen.status == "damaged":
            result.damage.append("its manifest was damaged or not authentic; a new one is written")
        if seen.status == "older":
            result.damage.append(
                f"its manifest was replaced by an older one (generation {seen.generation}); "
                "a new one is written"
            )
        if seen.status == "foreign":
            result.damage.append(
                f"its manifest (generation {seen.generation}) was not written by this machine "
                "nor sealed by the owner; a new one is written (see 'keyvault verify')"
            )
        if seen.status == "interrupted":
            result.notes.append("an interrupted run had left its manifest unrecorded; replaced")
        usable.append((dest, seen))
    if not dry_run:
        # Recorded after every destination was contacted: no state lock is held while
        # waiting for a slow one.
        for name, location in places:
            v.state.record_seen(name, location, v.now)
    return usable


def _look_at_original(
    v: RunContext, item: ItemConfig, number: int, dry_run: bool
) -> tuple[tuple[str, int, str | None] | None, VersionRecord | None, Path | None]:
    """What the original is now: (sha256, size, fingerprint) or ``None`` when missing, and,
    when it had to be read, the candidate new version already encrypted into the spool.

    Read once: a file or folder whose fingerprint changed is encrypted while it is hashed
    (a wallet that needs a consistent copy is copied once); the caller discards the spool
    when the hash shows no change. A phrase record is small and read as it is.
    """
    if item.kind == "phrase" or dry_run:
        return original_digest(v, item), None, None
    try:
        print_now = fingerprint(source_path(item))
    except FileNotFoundError:
        return None, None, None
    found = recorded_digest(v, item, print_now)
    if found is not None:
        return found, None, None
    v.emit(ProgressEvent("scan", item.name))
    try:
        record, spool = _encrypt_item(v, item, number)
    except FileNotFoundError:
        return None, None, None
    return (record.sha256, record.size, print_now), record, spool


def _prepare_items(v: RunContext, report: list[ItemResult], dry_run: bool) -> list[_Candidate]:
    candidates: list[_Candidate] = []
    for item in v.config.items:
        result = ItemResult(item.name, item.kind, "unchanged")
        report.append(result)
        try:
            current = current_version(v.state, item.name)
            newest = v.state.newest_version(item.name)
            number = (newest.version if newest else 0) + 1
            found, record, spool = _look_at_original(v, item, number, dry_run)
            if found is None:
                result.action = "original-missing"
                result.message = "the original is missing; its stored versions are kept"
                candidates.append(_Candidate(item, current))
                continue
            sha, size, print_now = found
            if _unchanged(v, item, sha, print_now):
                assert current is not None
                if spool is not None:
                    spool.unlink(missing_ok=True)  # read and encrypted for nothing new
                result.version, result.size = current.version, current.size
                if not dry_run:
                    record_original(v, item, found, None)
                candidates.append(_Candidate(item, current))
                continue
            if dry_run:
                result.action, result.version, result.size = "would-back-up", number, size
                candidates.append(_Candidate(item, current))
                continue
            if record is None or spool is None:
                if item.kind == "phrase":
                    record, spool = _phrase_version(v, item, number)
                else:
                    record, spool = _encrypt_item(v, item, number)
            # The version is known before any upload, so an object orphaned by a crash
            # mid-upload is recognised as ours and pruned later.
            v.state.add_version(record)
            if record.sha256 == sha:
                # What the original was hashed to now is what was stored: status (at the
                # end of this run) need not read it again (a wallet copy each).
                record_original(v, item, found, None)
            result.action, result.version, result.size = "new-version", number, record.size
            candidates.append(_Candidate(item, record, spool))
        except KeyvaultError as exc:
            result.action, result.message = "failed", exc.message
        except OSError as exc:
            result.action, result.message = "failed", f"cannot read the original: {exc.strerror}"
    return candidates


def _sync_destination(
    v: RunContext,
    dest: CheckedDestination,
    seen: SeenManifest,
    candidates: list[_Candidate],
    sources: Sequence[CheckedDestination],
    result: DestResult,
    grace: timedelta,
) -> None:
    ensure_marker(v, dest, result)
    held = v.state.copies(dest.name)
    for candidate in candidates:
        target = candidate.target
        if target is None:
            continue
        copy = held.get(target.object_id)
        if copy is not None and copy.ok:
            continue
        if copy is not None:
            result.damage.append(
                f"its copy of {candidate.item.name!r} version {target.version} was found "
                f"missing or damaged ({copy.error or 'last check'}); copied again"
            )
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
        while True:
            try:
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
                break
            except DestinationFullError:
                # The newest version first: make room by pruning an older one, then retry.
                if not make_room(v, dest, seen, result, keep=target.object_id):
                    raise
        v.state.record_copy(dest.name, target.object_id, v.now)
        result.uploaded += 1
    ensure_key(v, dest, result)
    # Built once per destination and run: compared, written when it changed, and the
    # list of what may be pruned.
    manifest = build_manifest(v, dest.name, 0)
    while not manifest_is_current(v, dest.name, seen, manifest):
        try:
            write_manifest(v, dest, result, floor=seen.generation or 0, content=manifest)
            break
        except DestinationFullError:
            # The object fit but the manifest naming it did not: make room the same way
            # (pruning writes a manifest itself, so build it again and see if it is current).
            if not make_room(v, dest, seen, result, keep=""):
                raise
            manifest = build_manifest(v, dest.name, 0)
    sealed = sealed_object_ids(v, dest)
    if sealed is not None:  # an unreadable sealed manifest: prune nothing this run
        _prune(v, dest, grace, result, manifest.object_ids() | sealed)
    _note_bad_copies(v, dest.name, result)


def _note_bad_copies(v: RunContext, dest: str, result: DestResult) -> None:
    """Add to ``result.damage`` each copy at ``dest`` that the last check found missing or
    damaged and this run did not write again (an older version: ``repair`` copies it)."""
    for object_id, copy in sorted(v.state.copies(dest).items()):
        if copy.ok:
            continue
        record = v.state.version_by_object(object_id)
        what = f"{record.item!r} version {record.version}" if record else f"object {object_id}"
        result.damage.append(
            f"its copy of {what} was found missing or damaged "
            f"({copy.error or 'last check'}); run 'keyvault repair'"
        )


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
    # One state transaction for the run (deferred: the write lock is taken by the first
    # change), made durable before every write at a destination and at the end.
    with (
        RunLock(home),
        mounts.cached(),
        open_state(home) as state,
        state.transaction(immediate=False),
    ):
        v = RunContext(home, state, destinations=destinations, progress=progress, now=started)
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
        report.verdicts = status_of(v).verdicts
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
    v: RunContext,
    candidates: list[_Candidate],
    usable: list[tuple[CheckedDestination, SeenManifest]],
    results: dict[str, DestResult],
) -> None:
    for dest, _seen in usable:
        copies = v.state.copies(dest.name)
        missing = [
            c.item.name for c in candidates if c.target is None or c.target.object_id not in copies
        ]
        if missing:
            results[dest.name].notes.append(f"would copy {len(missing)} item(s)")
