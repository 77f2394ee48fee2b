"""Verification (present, intact, restorable) and repair from a good copy."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from keyvault.crypto import X25519Identity, decrypt_stream
from keyvault.crypto.vaultkey import derive_manifest_mac_key
from keyvault.destinations import mounts
from keyvault.destinations.base import Destination
from keyvault.destinations.wrappers import CheckedDestination
from keyvault.errors import (
    DamagedObjectError,
    DestinationError,
    DestinationRetriesExhaustedError,
    DestinationUnavailableError,
    KeyvaultError,
    NotFoundError,
    ObjectNotFoundError,
    RetryableDestinationError,
)
from keyvault.vault.lock import RunLock
from keyvault.vault.state import open_state, utc_now

from .catalog import (
    SeenManifest,
    conflict_message,
    manifest_is_current,
    read_manifest,
    write_manifest,
)
from .manifest import decrypt_manifest
from .reports import (
    CopyCheck,
    DestResult,
    ProgressFn,
    RepairReport,
    VerifiedDest,
    VerifyReport,
)
from .run import HashSink, RunContext, as_binary, sha256
from .sealcheck import SealCheck, check_seal_public
from .transfer import ensure_key, fetch_to_spool, get_bytes, put_checked, stream_object

__all__ = [
    "repair",
    "verify",
]

#: A destination that could not be reached: nothing is learnt about what it holds.
_UNREACHED = (
    DestinationUnavailableError,
    RetryableDestinationError,
    DestinationRetriesExhaustedError,
)


def _expected_objects(
    v: RunContext, dest: str, seen: SeenManifest
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
    v: RunContext,
    dest: CheckedDestination,
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
    progress = v.byte_progress("verify", item, dest.name, stored_size)
    try:
        if not identities:
            sink = dest.read_into(key, None, stored_size + 1, progress)
            if sink.sha256 != stored_sha or sink.size != stored_size:
                check.result, check.message = "damaged", "its sha256 does not match the manifest"
            return check
        # Deep: decrypted straight from the stored object while it is hashed (no spool).
        # The ciphertext's sha256 is still compared, although the plaintext's is too (and
        # a substituted object that decrypts to the recorded plaintext would do no harm):
        # restore and recover refuse an object whose sha256 differs from the manifest's, so
        # "restorable" must imply "intact", and the copy is recorded as both. That hash
        # runs in the reading thread, beside the decryption (on the other core).
        check.level = "restorable"
        plain = HashSink()
        try:
            with stream_object(dest, key, stored_size, stored_sha, progress) as stored:
                try:
                    decrypt_stream(stored, as_binary(plain), list(identities))
                except KeyvaultError as exc:
                    if isinstance(exc, DestinationError):
                        raise
                    check.result, check.message = "not-restorable", exc.message
                    return check
        except DamagedObjectError:
            check.result, check.message = "damaged", "its sha256 does not match the manifest"
            check.level = "intact"
            return check
        if plain.sha256 != plain_sha:
            check.result = "not-restorable"
            check.message = "it decrypts, but not to the recorded content"
        return check
    except ObjectNotFoundError:
        check.result, check.message, check.level = "missing", "not at the destination", "present"
        return check
    except DamagedObjectError:
        check.result, check.message = "damaged", "it is larger than recorded in the manifest"
        return check
    except _UNREACHED:
        raise
    except DestinationError as exc:  # something else in its place (a symlink, ...)
        check.result, check.message = "damaged", exc.message
        return check


def _owner_seal(v: RunContext, dest: CheckedDestination, seen: SeenManifest) -> SealCheck | None:
    """The owner's seal at ``dest`` checked with the public half in the config; None when
    the config has none yet (a vault of an earlier release not sealed since) or there is
    no readable manifest to hold it against."""
    public = v.vault.seal_public
    if public is None or seen.sha256 is None or seen.generation is None:
        return None
    return check_seal_public(dest, v.vault.id, public, seen.generation, seen.sha256)


def _verify_destination(
    v: RunContext,
    dest: CheckedDestination,
    identities: Sequence[X25519Identity] | None,
    report: VerifyReport,
) -> None:
    seen = read_manifest(v, dest)
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
    elif seen.status in ("ahead", "foreign", "newer-format"):
        seal = _owner_seal(v, dest, seen)
        if seal is not None and seal.status == "sealed":
            # Not this machine's, but the owner sealed exactly this manifest.
            manifest_check.message = "written elsewhere and sealed by the owner"
        else:
            manifest_check.result = "conflict"
            manifest_check.message = conflict_message(dest.name, seen, v)
    elif seen.status == "older" and record is not None:
        manifest_check.result = "damaged"
        manifest_check.message = (
            f"manifest.age was replaced by an older one (generation {seen.generation}, "
            f"expected {record.generation})"
        )
    if identities and seen.status in ("ours", "older", "interrupted"):
        manifest_check.level = "restorable"
        try:
            data = get_bytes(dest, v.manifest_key)
            decrypt_manifest(
                data, list(identities), derive_manifest_mac_key(identities[0]), vault_id=v.vault.id
            )
        except (KeyvaultError, IndexError) as exc:
            manifest_check.result = "not-restorable"
            manifest_check.message = getattr(exc, "message", "cannot be opened with the vault key")
    report.checks.append(manifest_check)
    if manifest_check.result == "conflict":
        return
    seal = _owner_seal(v, dest, seen)
    if seal is not None and seal.status == "invalid":
        report.checks.append(
            CopyCheck(
                dest.name,
                "seal",
                "damaged",
                message="seal.json does not verify with the owner's seal key (vault.seal_public)",
            )
        )
    v.state.record_manifest_check(dest.name, manifest_check.ok, manifest_check.message)

    present = {info.key for info in dest.list(v.objects_prefix)}
    expected = _expected_objects(v, dest.name, seen)
    errors = 0 if manifest_check.ok else 1
    recorded = v.state.copies(dest.name)
    for object_id, facts in sorted(expected.items(), key=lambda kv: (kv[1][0] or "", kv[1][1])):
        check = _check_object(v, dest, object_id, facts, present, identities)
        report.checks.append(check)
        if object_id in recorded:
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
            data = get_bytes(dest, v.key_key)
        except ObjectNotFoundError:
            key_check.result, key_check.message = "missing", "key.age is missing"
        except _UNREACHED:
            raise
        except DestinationError as exc:  # too large, a symlink, ...: not the key we wrote
            key_check.result, key_check.message = "damaged", exc.message
        else:
            if sha256(data) != record.key_sha256:
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

    Results are recorded in local state and feed :func:`status`. A destination that is
    not available is not checked; when it was asked for by name,
    :class:`~keyvault.errors.DestinationUnavailableError` is raised. Otherwise it is
    listed in :attr:`VerifyReport.destinations` as ``offline`` when the config marks it
    offline (a drive kept in a drawer: no problem), else as ``unavailable``: its copies
    count as missing for this check (:attr:`VerifyReport.copies_missing`), so a drive that
    is normally connected and disappeared is caught. Nothing about an unreachable
    destination is recorded in local state, so the 3-2-1 verdicts are unaffected.
    """
    if deep and not identities:
        raise ValueError("a deep verification needs the vault key's identities")
    home = Path(home)
    with RunLock(home), mounts.cached(), open_state(home) as state:
        v = RunContext(home, state, destinations=destinations, progress=progress, now=now)
        chosen = [d for d in v.dests if dest is None or d.name == dest]
        if dest is not None and not chosen:
            raise NotFoundError(f"no destination called {dest!r}", hint="see 'keyvault dest list'")
        report = VerifyReport(deep, [])
        try:
            for destination in chosen:
                outcome = VerifiedDest(destination.name, destination.offline)
                report.destinations.append(outcome)
                try:
                    destination.check_available()
                    v.state.record_seen(destination.name, destination.location_id(), v.now)
                    _verify_destination(v, destination, identities if deep else None, report)
                except DestinationUnavailableError as exc:
                    if dest is not None:
                        raise
                    outcome.outcome = "offline" if destination.offline else "unavailable"
                    outcome.message = exc.message
                    continue
                except DestinationError as exc:
                    report.checks.append(
                        CopyCheck(destination.name, "destination", "missing", message=exc.message)
                    )
                mine = [c for c in report.checks if c.dest == destination.name]
                if any(c.result == "conflict" for c in mine):
                    outcome.outcome = "conflict"
                elif any(not c.ok for c in mine):
                    outcome.outcome = "problems"
        finally:
            v.clear_spool()
        result = "ok" if not report.copies_missing else "problems"
        state.record_run("verify", v.now, utc_now(), result)
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
    with RunLock(home), mounts.cached(), open_state(home) as state:
        v = RunContext(home, state, destinations=destinations, progress=progress, now=now)
        by_name = {d.name: d for d in v.dests}
        unreachable = set(before.not_checked)
        sources = [d for d in v.dests if d.name not in unreachable]
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
                if not manifest_is_current(v, name, read_manifest(v, dest)):
                    write_manifest(v, dest, DestResult(name))
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


def _repair_one(
    v: RunContext,
    dest: CheckedDestination,
    check: CopyCheck,
    sources: Sequence[CheckedDestination],
) -> bool:
    result = DestResult(dest.name)
    if check.what == "manifest":
        seen = read_manifest(v, dest)
        if seen.status in ("ahead", "newer-format"):
            return False
        write_manifest(v, dest, result, floor=seen.generation or 0)
        return True
    if check.what == "key":
        ensure_key(v, dest, result, force=True)
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
    spool = fetch_to_spool(v, record, sources, dest.name)
    if spool is None:
        check.message = "no intact copy anywhere to copy from; run 'keyvault backup'"
        return False
    put_checked(v, dest, v.object_key(record.object_id), spool, None, record.stored_sha256, result)
    v.state.record_copy(dest.name, record.object_id, v.now)
    return True
