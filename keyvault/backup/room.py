"""Room for the newest version at a full destination: which older versions may go, and
pruning the oldest of them (a key-backup tool keeps the newest version first)."""

from __future__ import annotations

from keyvault.destinations.wrappers import CheckedDestination
from keyvault.errors import DestinationFullError
from keyvault.vault.state import VersionRecord, format_time

from .catalog import SeenManifest, sealed_object_ids, write_manifest
from .reports import DestResult
from .run import RunContext
from .transfer import delete

__all__ = ["make_room"]


def _prunable_when_full(v: RunContext, dest: str, keep: str) -> list[VersionRecord]:
    """Versions at ``dest`` that may go to make room, oldest first: never an item's newest
    stored version, never its newest deep-verified one, never ``keep`` (being written)."""
    held = v.state.copies(dest)
    found: list[VersionRecord] = []
    for item in v.config.items:
        stored = [r for r in v.state.versions(item.name) if r.object_id in held]
        if len(stored) < 2:
            continue
        protected = {stored[-1].object_id, keep}
        deep = [r for r in stored if r.deep_verified_at is not None]
        if deep:
            protected.add(max(deep, key=lambda r: (r.deep_verified_at, r.version)).object_id)
        found += [r for r in stored if r.object_id not in protected]
    return sorted(found, key=lambda r: (r.created, r.version))


def make_room(
    v: RunContext, dest: CheckedDestination, seen: SeenManifest, result: DestResult, keep: str
) -> bool:
    """Prune ``dest``'s oldest prunable version: a manifest without it is written first
    (so the manifest there never names a missing object), then the object is deleted;
    when even the manifest does not fit, the object goes first.
    False when nothing may be pruned (the destination fails as full)."""
    sealed = sealed_object_ids(v, dest)
    if sealed is None:
        return False  # the sealed manifest cannot be read: do not guess what it names
    prunable = [r for r in _prunable_when_full(v, dest.name, keep) if r.object_id not in sealed]
    if not prunable:
        return False
    victim = prunable[0]
    v.state.remove_copy(dest.name, victim.object_id)
    try:
        write_manifest(v, dest, result, floor=seen.generation or 0)
        delete(dest, v.object_key(victim.object_id))
    except DestinationFullError:
        # Not even room for the manifest: the object goes first (until the manifest is
        # written, the one there names an older version that is no longer held).
        delete(dest, v.object_key(victim.object_id))
        write_manifest(v, dest, result, floor=seen.generation or 0)
    result.writes += 1
    result.pruned += 1
    result.notes.append(
        f"the destination was full: pruned {victim.item!r} version {victim.version} "
        f"(stored {format_time(victim.created)}) to make room for the newest"
    )
    return True
