"""Restore one item, or recover everything from one destination on a new machine."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import secrets
import shutil
import tarfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from keyvault import layout
from keyvault.atomic import TEMP_PREFIX, atomic_writer
from keyvault.crypto import X25519Identity, decrypt_stream
from keyvault.crypto.vaultkey import derive_manifest_mac_key
from keyvault.destinations import mounts
from keyvault.destinations.base import Destination
from keyvault.destinations.wrappers import CheckedDestination, wrap
from keyvault.errors import (
    AlreadyExistsError,
    DamagedFileError,
    DamagedObjectError,
    DestinationError,
    DestinationUnavailableError,
    KeyvaultError,
    NotFoundError,
    from_os_error,
)
from keyvault.secret import Secret
from keyvault.vault.state import State, VersionRecord, open_state
from keyvault.wallets.identity import Identity

from .manifest import (
    ItemEntry,
    VersionEntry,
)
from .proof import compare, restored_identity
from .reports import ProgressEvent, ProgressFn, RecoverReport, RestoreResult, SealedVersion
from .run import HashSink, RunContext, as_binary, safe_name
from .sealcheck import check_seal, sealed_differences
from .sources import each_vault, open_manifest
from .transfer import ChunkPipe, stream_object
from .untar import extract_folder, strip_root_filter

if TYPE_CHECKING:  # B2 support is imported only for a b2:// source
    from keyvault.destinations.b2.credentials import B2Credentials

__all__ = [
    "recover",
    "recover_from_source",
    "restore",
    "version_to_restore",
]


#: Opens the stored ciphertext for reading (a stream straight from a destination).
OpenCiphertext = Callable[[], AbstractContextManager[BinaryIO]]


def _extract_tar(
    ciphertext: OpenCiphertext,
    identities: Sequence[X25519Identity],
    out: Path,
    root: str,
    expected_sha: str,
) -> int:
    """Decrypt a folder archive and extract it into the new folder ``out``.

    A thread decrypts into a :class:`~.transfer.ChunkPipe` that ``tarfile`` reads; once
    the archive ends (or fails), the rest of the plaintext is still hashed, not kept.
    """
    pipe = ChunkPipe()
    plain = HashSink(as_binary(pipe))

    def decrypt() -> None:
        with ciphertext() as src:
            decrypt_stream(src, as_binary(plain), list(identities))

    unreadable: tarfile.TarError | None = None
    with pipe.written_by(decrypt, "keyvault-decrypt"):
        try:
            with tarfile.open(fileobj=as_binary(pipe), mode="r|") as tar:
                extract_folder(tar, out, strip_root_filter(root))
        except tarfile.TarError as exc:
            unreadable = exc
    if pipe.failure is not None:  # the cause (a damaged object, a wrong key) comes first
        raise pipe.failure
    if unreadable is not None:
        raise DamagedFileError(f"the folder archive cannot be read: {unreadable}")
    if plain.sha256 != expected_sha:
        raise DamagedFileError("the restored folder does not match its recorded sha256")
    return plain.size


def _decrypt_to(
    ciphertext: OpenCiphertext,
    identities: Sequence[X25519Identity],
    out: Path,
    kind: str,
    root: str | None,
    expected_sha: str,
    force: bool,
) -> int:
    """Decrypt into ``out`` atomically (0600 files; a folder appears whole or not at all).

    ``ciphertext`` opens the stored object, which is decrypted as it is read; the output
    appears only when the object's and the plaintext's hashes both matched.
    """
    if out.exists() or out.is_symlink():
        if not force:
            raise AlreadyExistsError(f"{out} already exists", hint="use --force to replace it")
        if out.is_dir() and kind != "folder":
            raise AlreadyExistsError(f"{out} is a folder; give a file name")
    out.parent.mkdir(parents=True, exist_ok=True)
    if kind != "folder":
        with atomic_writer(out, mode=0o600, overwrite=force, stream=True) as handle:
            sink = HashSink(handle)
            with ciphertext() as src:
                decrypt_stream(src, as_binary(sink), list(identities))
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


#: Names a restore writes under before the final name appears (atomic temp files,
#: folders being extracted, a folder being replaced).
_LEFTOVER_PREFIXES = (TEMP_PREFIX, ".kv-restore-", ".kv-old-")


@contextlib.contextmanager
def _output_errors(out: Path) -> Iterator[None]:
    """The output disk's refusals (full, read-only, no permission) while writing ``out``,
    as typed errors naming ``out`` rather than the temp name written first, or none (a
    failed write). Reading the stored object raises typed errors of its own."""
    try:
        yield
    except OSError as exc:
        raise from_os_error(exc, out) from None


@contextlib.contextmanager
def _output_folder(home: Path, folder: Path) -> Iterator[None]:
    """Hold this machine's restore lock on ``folder`` and remove what a killed restore
    left there (temp files of plaintext, half-extracted folders).

    The lock (``flock`` on a file under ``home/locks/``, released when the process dies)
    makes sure no other restore into the same folder is running while its temp names
    are removed; when another one holds it, nothing is removed. Leftovers are never
    followed through a symlink.
    """
    folder = Path(folder)
    try:
        import fcntl
    except ImportError:  # Windows: no cleanup of killed restores
        yield
        return
    locks = home / "locks"
    locks.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = hashlib.sha256(str(folder.absolute()).encode("utf-8", "surrogateescape")).hexdigest()
    fd = os.open(locks / f"restore-{name[:32]}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield  # another restore into this folder is running: leave its files alone
            return
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                if not entry.name.startswith(_LEFTOVER_PREFIXES):
                    continue
                with contextlib.suppress(OSError):
                    if entry.is_dir(follow_symlinks=False):
                        shutil.rmtree(entry.path, ignore_errors=True)
                    else:
                        os.unlink(entry.path)
        yield
    finally:
        os.close(fd)


def version_to_restore(
    state: State, versions: Sequence[VersionRecord], version: int | None = None
) -> VersionRecord | None:
    """The version of ``versions`` (one item's, oldest first) that :func:`restore` takes:
    the newest (or the given ``version``) that some destination is recorded to hold."""
    stored = [r for r in versions if state.copies_of(r.object_id)]
    if version is not None:
        stored = [r for r in stored if r.version == version]
    return stored[-1] if stored else None


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
    identify: bool = True,
) -> RestoreResult:
    """Restore item ``name`` (its newest or the given ``version``) into ``out``.

    The copy is taken from ``from_dest`` or from the first available destination whose
    copy is intact (a damaged copy is skipped, never restored). Files are written 0600
    and atomically; folders appear whole. ``out`` is never replaced unless ``force``.
    The wallet's identity is rebuilt from what was written and compared with the one
    recorded with the version; with ``identify=False`` it is left to the caller (a
    drill, which compares with the item's recorded identity), so the restored file is
    not read twice: :attr:`RestoreResult.identity` is then None.
    """
    home = Path(home)
    with mounts.cached(), open_state(home) as state:
        v = RunContext(home, state, destinations=destinations, progress=progress, now=None)
        versions = state.versions(name)
        if not versions and v.config.item(name) is None:
            raise NotFoundError(f"no item called {name!r}", hint="see 'keyvault list'")
        record = version_to_restore(state, versions, version)
        if record is None:
            which = f"version {version} of " if version is not None else ""
            raise NotFoundError(f"no stored copy of {which}{name!r}")
        candidates = [d for d in v.dests if from_dest is None or d.name == from_dest]
        if from_dest is not None and not candidates:
            raise NotFoundError(f"no destination called {from_dest!r}")
        holders = {c.dest for c in state.copies_of(record.object_id)}
        errors: list[str] = []
        damaged = False
        try:
            for dest in candidates:
                if dest.name not in holders:
                    continue
                opened = functools.partial(
                    stream_object,
                    dest,
                    v.object_key(record.object_id),
                    record.stored_size,
                    record.stored_sha256,
                    v.byte_progress("download", name, dest.name, record.stored_size),
                )
                v.emit(ProgressEvent("decrypt", name, dest.name))
                try:
                    with _output_folder(home, Path(out).absolute().parent), _output_errors(out):
                        size = _decrypt_to(
                            opened,
                            identities,
                            Path(out),
                            record.kind,
                            record.source_name,
                            record.sha256,
                            force,
                        )
                except DestinationError as exc:
                    errors.append(f"{dest.name}: {exc.message}")
                    damaged = damaged or isinstance(exc, DamagedObjectError)
                    continue
                done = RestoreResult(
                    name, record.kind, record.version, Path(out), size, record.sha256, dest.name
                )
                if not identify:
                    return done
                return _with_identity(done, record.phrase_kind, record.identity)
        finally:
            v.clear_spool()
        detail = "; ".join(errors) or "no available destination holds it"
        message = f"no intact copy of {name!r} version {record.version} could be read ({detail})"
        # A copy that was reached and found damaged is exit 4; none reached is exit 1.
        raise DamagedObjectError(message) if damaged else DestinationUnavailableError(message)


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

    The owner's seal there is checked with the seal key of the vault key
    (:mod:`.sealcheck`); where it covers an older generation, each item whose newest
    version differs from the sealed one is also restored in its sealed version as
    ``<name>.sealed`` (``<name>.sealed.phrase.json``), listed with both identities in
    :attr:`RecoverReport.sealed_versions`.
    """
    home = Path(home)
    source = wrap(source)
    opened = open_manifest(
        source, home=home, identity=identity, passphrase=passphrase, vault_id=vault_id
    )
    chosen, identity, manifest = opened.vault_id, opened.identity, opened.manifest
    mac_key = derive_manifest_mac_key(identity)
    manifest_sha256 = opened.sha256

    out_dir = Path(out_dir)
    plan: list[tuple[ItemEntry, VersionEntry, Path]] = []
    used: set[str] = set()
    for entry in manifest.items:
        newest = entry.newest()
        if newest is None:
            continue
        base = safe_name(entry.name)
        file_name = base + ".phrase.json" if entry.kind == "phrase" else base
        while file_name.casefold() in used:
            file_name = "_" + file_name
        used.add(file_name.casefold())
        plan.append((entry, newest, out_dir / file_name))
    seal = check_seal(source, chosen, identity, mac_key, manifest, manifest_sha256)
    sealed_plan: list[tuple[ItemEntry, VersionEntry, Path]] = []
    current = {entry.name: (version, path) for entry, version, path in plan}
    differing = sealed_differences(seal.manifest, manifest) if seal.manifest else []
    for entry, version, _ in differing:
        base = safe_name(entry.name) + ".sealed"
        file_name = base + ".phrase.json" if entry.kind == "phrase" else base
        while file_name.casefold() in used:
            file_name = "_" + file_name
        used.add(file_name.casefold())
        sealed_plan.append((entry, version, out_dir / file_name))
    if not force:
        taken = [str(p) for _, _, p in plan + sealed_plan if p.exists() or p.is_symlink()]
        if taken:
            raise AlreadyExistsError(
                f"{len(taken)} target(s) already exist, e.g. {taken[0]}",
                hint="use --force to replace them, or another -o folder",
            )
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    report = RecoverReport(chosen, manifest.generation, [], [])
    report.seal = seal.status
    report.seal_public = seal.public
    report.seal_generation = seal.generation
    with _output_folder(home, out_dir):
        _recover_items(source, chosen, plan, identity, force, progress, report)
        if sealed_plan:
            beside = RecoverReport(chosen, manifest.generation, [], [])
            _recover_items(source, chosen, sealed_plan, identity, force, progress, beside)
            report.failed += [(f"{name} (sealed version)", m) for name, m in beside.failed]
            for done in beside.restored:
                newer, newer_path = current.get(done.name, (None, None))
                report.sealed_versions.append(_sealed_version(done, newer, newer_path, report))
    return report


def _identity_or_none(kind: str, phrase_kind: str | None, path: Path, sha: str) -> Identity | None:
    try:
        return restored_identity(kind, phrase_kind, path, sha)
    except (KeyvaultError, OSError):
        return None


def _with_identity(
    done: RestoreResult, phrase_kind: str | None, recorded: Identity | None
) -> RestoreResult:
    """``done`` with the identity rebuilt from what it wrote, compared with ``recorded``."""
    done.identity = _identity_or_none(done.kind, phrase_kind, done.path, done.sha256)
    done.recorded = recorded
    done.identity_check = compare(recorded, done.identity, done.sha256)
    return done


def _sealed_version(
    done: RestoreResult,
    newer: VersionEntry | None,
    newer_path: Path | None,
    report: RecoverReport,
) -> SealedVersion:
    """How the sealed version ``done`` (restored beside the newer one) and the newer one
    differ: both identities, rebuilt from the files just written."""
    newer_done = next((r for r in report.restored if r.name == done.name), None)
    return SealedVersion(
        name=done.name,
        version=done.version,
        path=done.path,
        identity=done.identity,
        current_version=newer.version if newer is not None else None,
        current_path=newer_path if newer_done is not None else None,
        current_identity=newer_done.identity if newer_done is not None else None,
    )


def _recover_items(
    source: CheckedDestination,
    vault_id: str,
    plan: list[tuple[ItemEntry, VersionEntry, Path]],
    identity: X25519Identity,
    force: bool,
    progress: ProgressFn | None,
    report: RecoverReport,
) -> None:
    chosen = vault_id
    for entry, version, target in plan:
        if progress is not None:
            progress(ProgressEvent("download", entry.name, None, 0, version.stored_size))
        stored = functools.partial(
            stream_object,
            source,
            layout.object_key(chosen, version.object_id),
            version.stored_size,
            version.stored_sha256,
        )
        try:
            with _output_errors(target):
                size = _decrypt_to(
                    stored,
                    [identity],
                    target,
                    entry.kind,
                    version.source_name,
                    version.sha256,
                    force,
                )
        except KeyvaultError as exc:  # the output disk's refusals too: this item only
            report.failed.append((entry.name, exc.message))
            continue
        done = RestoreResult(
            entry.name, entry.kind, version.version, target, size, version.sha256, source.name
        )
        report.restored.append(_with_identity(done, entry.phrase_kind, version.identity))


def recover_from_source(
    source: str,
    out_dir: Path,
    *,
    home: Path,
    identities: Sequence[X25519Identity] = (),
    passphrase: Secret | None = None,
    force: bool = False,
    progress: ProgressFn | None = None,
    b2_credentials: B2Credentials | None = None,
) -> RecoverReport:
    """:func:`recover` from ``source``: a folder holding a ``keyvault`` folder, or
    ``b2://bucket/prefix`` (key: ``b2_credentials``, e.g. the kit's read key, else
    ``B2_APPLICATION_KEY_ID`` / ``B2_APPLICATION_KEY``).

    Each vault found there is tried with each of ``identities`` (e.g. the keys of an age
    key file), or, when none is given, with ``passphrase`` (which opens the ``key.age``
    stored there), until one opens an authentic manifest (:func:`each_vault`); folders
    skipped on the way are listed in :attr:`RecoverReport.skipped`. The caller keeps
    ownership of ``passphrase`` (wipe it after).
    """

    def attempt(
        candidate: Destination,
        identity: X25519Identity | None,
        passphrase: Secret | None,
        vault_id: str | None,
    ) -> RecoverReport:
        return recover(
            candidate,
            out_dir,
            home=home,
            identity=identity,
            passphrase=passphrase,
            vault_id=vault_id,
            force=force,
            progress=progress,
        )

    report, skipped = each_vault(
        source,
        attempt,
        home=home,
        identities=identities,
        passphrase=passphrase,
        b2_credentials=b2_credentials,
    )
    report.skipped = [s for s in skipped if s[0] != report.vault_id]
    return report
