"""What each destination holds, from local state: the current version of an item,
which versions are kept, and the manifest of a destination (built once per destination
and run, compared with the one found there, written as a new generation)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from keyvault import layout
from keyvault.destinations.wrappers import CheckedDestination
from keyvault.errors import (
    ConfigError,
    KeyvaultError,
    ObjectNotFoundError,
)
from keyvault.vault.config import ItemConfig
from keyvault.vault.state import State, VersionRecord, format_time

from .manifest import (
    ItemEntry,
    Manifest,
    VersionEntry,
    content_mac,
    decrypt_manifest,
    encrypt_manifest,
)
from .reports import DestResult
from .retention import RetentionPolicy, VersionFacts, versions_to_keep
from .run import RunContext, sha256
from .transfer import get_bytes, put_checked

__all__ = [
    "SeenManifest",
    "build_manifest",
    "conflict_message",
    "content_digest",
    "current_version",
    "has_good_copy",
    "item_id",
    "kept_versions",
    "manifest_is_current",
    "read_manifest",
    "sealed_object_ids",
    "write_manifest",
]


_EPOCH = "1970-01-01T00:00:00Z"


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


def build_manifest(v: RunContext, dest: str, generation: int) -> Manifest:
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
                identity=r.identity,
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


def content_digest(v: RunContext, manifest: Manifest) -> str:
    """A digest of the manifest's content apart from its generation and time (recorded
    with each manifest written). A digest recorded by an earlier release (sha256 of the
    sealed document) never matches, so the first run after an upgrade writes each
    manifest once more."""
    neutral = replace(manifest, generation=0, created=_EPOCH)
    return "mac:" + content_mac(neutral, v.mac_key)


#: What the manifest found at a destination is (see :class:`SeenManifest`).
ManifestStatus = Literal[
    "none", "ours", "older", "interrupted", "foreign", "ahead", "damaged", "newer-format"
]


@dataclass
class SeenManifest:
    """The manifest found at a destination.

    ``status``: ``none``, ``ours`` (the one this machine last wrote), ``older`` (authentic,
    older than the one this machine last wrote there: rolled back), ``interrupted``
    (authentic, written by a run of this machine that died before recording it: its
    digest was noted before the write), ``foreign`` (authentic, of a generation this
    machine reserved, but not a manifest it wrote: another holder of ``mac.key``, e.g. a
    copy of the config folder), ``ahead`` (authentic and newer than any generation this
    machine reserved: another writer),
    ``damaged`` (unreadable or not authentic), ``newer-format``.
    """

    status: ManifestStatus
    sha256: str | None = None
    generation: int | None = None
    manifest: Manifest | None = None
    message: str | None = None


def read_manifest(v: RunContext, dest: CheckedDestination) -> SeenManifest:
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
    if v.state.manifest_writing(dest.name) == sha:
        return SeenManifest("interrupted", sha, manifest.generation, manifest)
    # Authentic (under mac.key) and of a generation this machine reserved, but not a
    # manifest it wrote: another holder of the config folder's keys wrote it.
    return SeenManifest("foreign", sha, manifest.generation, manifest)


def sealed_object_ids(v: RunContext, dest: CheckedDestination) -> frozenset[str] | None:
    """The object ids the owner's sealed manifest at ``dest`` names (``sealed-manifest.age``,
    kept beside ``seal.json``): pruning must never delete them, so recover can always
    restore what the owner sealed. Empty when there is none; None when one is there but
    cannot be read (then nothing is pruned at ``dest`` this run)."""
    try:
        data = get_bytes(dest, layout.sealed_manifest_key(v.vault.id))
    except ObjectNotFoundError:
        return frozenset()
    except KeyvaultError:
        return None
    try:
        manifest = decrypt_manifest(data, [v.reader], v.mac_key, vault_id=v.vault.id)
    except KeyvaultError:
        return None
    return manifest.object_ids()


def conflict_message(dest: str, seen: SeenManifest, v: RunContext) -> str:
    if seen.status == "newer-format":
        return f"destination {dest!r} holds a manifest of a newer keyvault: not overwritten"
    if seen.status == "foreign":
        return (
            f"destination {dest!r} holds a manifest (generation {seen.generation}) that this "
            "machine did not write and the owner did not seal: another holder of this "
            "vault's machine key (mac.key) wrote it"
        )
    return (
        f"destination {dest!r} holds a newer manifest (generation {seen.generation}, this "
        f"machine is at {v.state.generation()}) written by another keyvault: not overwritten"
    )


def write_manifest(
    v: RunContext,
    dest: CheckedDestination,
    result: DestResult,
    floor: int = 0,
    content: Manifest | None = None,
) -> int:
    """Write the manifest of ``dest`` (``content``: one already built in this run, whose
    generation is replaced) as a new generation; returns the generation."""
    # One generation per run: reserved (and committed) before the first manifest is
    # written, shared by the manifests this run writes to the other destinations.
    if v.run_generation is None or v.run_generation <= floor:
        v.run_generation = v.state.reserve_generation(at_least=floor)
    generation = v.run_generation
    if content is None:
        manifest = build_manifest(v, dest.name, generation)
    else:
        manifest = replace(content, generation=generation, created=format_time(v.now))
    data = encrypt_manifest(manifest, v.mac_key, v.recipient)
    sha = sha256(data)
    v.state.note_manifest_writing(dest.name, sha)  # durable: put_checked checkpoints first
    put_checked(v, dest, v.manifest_key, None, data, sha, result)
    v.state.record_manifest(dest.name, generation, sha, v.now, content_digest(v, manifest))
    result.manifest_generation = generation
    return generation


def manifest_is_current(
    v: RunContext, dest: str, seen: SeenManifest, content: Manifest | None = None
) -> bool:
    """True when ``dest`` holds this machine's manifest with ``content`` (built now when
    not given) apart from generation and time: then nothing needs writing."""
    record = v.state.dest(dest)
    if seen.status != "ours" or record is None or record.manifest_content is None:
        return False
    probe = content if content is not None else build_manifest(v, dest, 0)
    return content_digest(v, probe) == record.manifest_content
