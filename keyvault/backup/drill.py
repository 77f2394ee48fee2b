"""Drills: prove that each stored copy still restores the wallet the owner protected.

``verify --deep`` proves that a copy decrypts to the bytes the manifest names. A drill
goes one step further: for each item and each destination it restores the copy with
the vault key, rebuilds the wallet's identity (:mod:`keyvault.wallets.identity`) and
compares it with the identity recorded locally (:mod:`keyvault.vault.identities`):

=============  ==============================================================
result         meaning
=============  ==============================================================
``proven``     restorable, and the same wallet (or, for an item with no public
               identity, the bytes the manifest names)
``recorded``   restorable; no identity was recorded yet, so this one now is
``mismatch``   restorable, but a *different* wallet than the one recorded
``damaged``    the copy does not restore (tampered, truncated, wrong key)
``missing``    the destination holds no copy of the item
``unreachable``  the destination was not available: not drilled
``skipped``    left for a later run by ``budget``
=============  ==============================================================

Copies are taken through the engine's :func:`~keyvault.backup.engine.restore`, one
destination at a time, into a private temporary folder (0700, files 0600) that is
removed before the next copy. Each stored object is fetched once: hashed as it is read,
its plaintext hashed as it is decrypted; the identity is rebuilt once from the file
written, with that checked hash (the restore leaves it to the drill). Drill dates live
in ``drill.json`` in the config dir; copies never drilled, then the longest undrilled,
go first, so with a byte ``budget`` per run every copy is reached in turn. A copy not
proven within ``drill_every`` is *overdue* in the report.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from keyvault import layout
from keyvault.crypto import X25519Identity
from keyvault.crypto.seal import SealStatement, seal, seal_document, seal_public
from keyvault.destinations.base import Destination
from keyvault.destinations.factory import open_destination
from keyvault.errors import (
    DestinationUnavailableError,
    KeyvaultError,
    NotFoundError,
)
from keyvault.vault import identities as recorded_identities
from keyvault.vault.config import ItemConfig, load_config
from keyvault.vault.keystore import remember_seal_public
from keyvault.vault.state import format_time, open_state, utc_now
from keyvault.wallets.identity import Identity

from . import engine
from .catalog import read_manifest
from .drilldates import (
    DEFAULT_DRILL_EVERY,
    DRILL_FILE,
    PROBLEMS,
    ItemDrills,
    copy_key,
    drill_status,
    load_dates,
    save_dates,
    when,
)
from .proof import restored_identity
from .restore import version_to_restore
from .run import RunContext
from .transfer import get_bytes

__all__ = [
    "DEFAULT_DRILL_EVERY",
    "DRILL_FILE",
    "CopyDrill",
    "DrillReport",
    "ItemDrills",
    "drill",
    "drill_status",
    "seal_destinations",
]

_MAX_RECORD = 64 << 10

Result = Literal["proven", "recorded", "mismatch", "damaged", "missing", "unreachable", "skipped"]


@dataclass(frozen=True)
class CopyDrill:
    """The drill of one item's copy at one destination."""

    item: str
    destination: str
    result: Result
    version: int | None = None
    size: int = 0
    #: The identity rebuilt from the copy (None when it did not restore).
    found: Identity | None = None
    #: The identity recorded for the item (None when none was).
    recorded: Identity | None = None
    message: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "item": self.item,
            "destination": self.destination,
            "result": self.result,
            "version": self.version,
            "size": self.size,
            "proof": self.found.proof if self.found is not None else None,
            "identity": self.found.to_json() if self.found is not None else None,
            "recorded": self.recorded.to_json() if self.recorded is not None else None,
            "message": self.message,
        }


@dataclass
class DrillReport:
    """The outcome of :func:`drill`."""

    copies: list[CopyDrill]
    #: (item, destination) pairs not proven within ``drill_every`` after this run.
    overdue: list[tuple[str, str]] = field(default_factory=list)
    bytes_downloaded: int = 0
    #: The owner's seal key, which the vault key used in this drill derives.
    seal_public: str = ""
    #: Destinations whose current manifest this drill proved whole and sealed.
    sealed: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[CopyDrill]:
        """The copies that failed (mismatch, damaged, missing)."""
        return [c for c in self.copies if c.result in PROBLEMS]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "copies": [c.to_dict() for c in self.copies],
            "overdue": [{"item": i, "destination": d} for i, d in self.overdue],
            "bytes_downloaded": self.bytes_downloaded,
            "problems": len(self.problems),
            "seal_public": self.seal_public,
            "sealed": list(self.sealed),
        }


def _estimate(home: Path, item: str, destination: str) -> int:
    """Bytes a drill of this copy downloads: the stored (encrypted) size of the version a
    restore takes (:func:`~keyvault.backup.restore.version_to_restore`), when the
    destination is recorded to hold it; 0 when there is nothing to download there."""
    with open_state(home) as state:
        record = version_to_restore(state, state.versions(item))
        if record is None or destination not in {c.dest for c in state.copies_of(record.object_id)}:
            return 0
        return record.stored_size


def _downloaded(home: Path, done: CopyDrill, estimate: int) -> int:
    """Bytes the drill ``done`` downloaded: the stored size of the version it restored;
    for a copy that failed before a version was known, what it set out to download."""
    if done.version is None:
        return estimate if done.result == "damaged" else 0
    with open_state(home) as state:
        for record in state.versions(done.item):
            if record.version == done.version:
                return record.stored_size
    return estimate


# --- one copy ---------------------------------------------------------------------------


def _identity_of(item: ItemConfig, path: Path, sha256: str) -> Identity:
    """The identity of a restored copy at ``path`` (a file or folder we just wrote)."""
    return restored_identity(item.kind, item.phrase_kind, path, sha256)


def _away(home: Path, name: str, destinations: Sequence[Destination] | None) -> bool:
    """Whether the destination ``name`` is not available now."""
    try:
        if destinations is not None:
            dest = next(d for d in destinations if d.name == name)
        else:
            config = load_config(home)
            dest = open_destination(next(d for d in config.destinations if d.name == name), home)
        dest.check_available()
    except (DestinationUnavailableError, StopIteration):
        return True
    except KeyvaultError:
        return False
    return False


def _drill_copy(
    home: Path,
    item: ItemConfig,
    destination: str,
    keys: Sequence[X25519Identity],
    recorded: Identity | None,
    destinations: Sequence[Destination] | None,
) -> CopyDrill:
    with tempfile.TemporaryDirectory(prefix="keyvault-drill-") as folder:
        try:
            restored = engine.restore(
                home,
                item.name,
                Path(folder) / "copy",
                identities=keys,
                from_dest=destination,
                force=True,
                destinations=destinations,
                identify=False,  # rebuilt below, once, from the item's kind
            )
        except DestinationUnavailableError as exc:
            # restore says the same for a destination away and a copy that failed its
            # hash there: ask the destination itself which one it is.
            kind: Result = "unreachable" if _away(home, destination, destinations) else "damaged"
            return CopyDrill(item.name, destination, kind, message=exc.message)
        except NotFoundError as exc:
            return CopyDrill(item.name, destination, "missing", message=exc.message)
        except KeyvaultError as exc:
            return CopyDrill(item.name, destination, "damaged", message=exc.message)
        try:
            found = _identity_of(item, restored.path, restored.sha256)
        except (KeyvaultError, OSError) as exc:
            message = exc.message if isinstance(exc, KeyvaultError) else str(exc.strerror)
            return CopyDrill(
                item.name, destination, "damaged", restored.version, restored.size, message=message
            )

    def result(kind: Result, message: str | None = None) -> CopyDrill:
        return CopyDrill(
            item.name, destination, kind, restored.version, restored.size, found, recorded, message
        )

    if recorded is None:
        if found.kind == "sha256":
            return result("proven")
        recorded_identities.record(home, item.name, found)
        return result("recorded")
    if found.kind == "sha256" and recorded.kind == "sha256":
        # A plain file changes with every backup: restore already checked the bytes
        # against the manifest's hash, which is all a hash identity can prove.
        return result("proven")
    if recorded.same_wallet(found):
        return result("proven")
    return result(
        "mismatch", f"restores a different wallet: {found.proof}, recorded {recorded.proof}"
    )


def _learn_version_identity(home: Path, item: str, version: int | None, found: Identity) -> None:
    """Record the identity a drill proved for a version that has none (backed up by an
    earlier release): the next backup writes it into the manifest, so a new machine can
    compare too."""
    with open_state(home) as state:
        for record in state.versions(item):
            if record.version == version and record.identity is None:
                state.record_version_identity(record.object_id, found)


# --- the owner's seal -------------------------------------------------------------------


def _proven_versions(report: DrillReport, items: Sequence[ItemConfig]) -> dict[str, dict[str, int]]:
    """Per destination, the version of every item the drill proved there; destinations with
    a problem, or where some item was not drilled, are left out."""
    proven: dict[str, dict[str, int]] = {}
    failed: set[str] = set()
    for copy in report.copies:
        if copy.result in ("proven", "recorded") and copy.version is not None:
            proven.setdefault(copy.destination, {})[copy.item] = copy.version
        elif copy.result != "unreachable":
            failed.add(copy.destination)
    wanted = {item.name for item in items}
    return {d: v for d, v in proven.items() if d not in failed and set(v) == wanted}


def seal_destinations(
    home: Path,
    key: X25519Identity,
    *,
    proven: dict[str, dict[str, int]] | None = None,
    destinations: Sequence[Destination] | None = None,
) -> list[str]:
    """Seal the current manifest at each destination; returns the names sealed.

    Only a manifest this machine wrote (``ours`` in local state, so authentic under the MAC
    key and the one its records describe) is sealed; the seal document goes beside it as
    ``keyvault/<vault-id>/seal.json``, read back. With ``proven`` (a drill's result: per
    destination, the version of each item it restored and proved), a destination is
    sealed only when the manifest lists exactly those newest versions. A copy of the
    sealed manifest goes beside the seal (``sealed-manifest.age``): pruning keeps every
    object it names, and recover restores the owner's sealed versions from it.
    """
    sealed: list[str] = []
    public = remember_seal_public(home, key)
    with open_state(home) as state:
        run = RunContext(home, state, destinations=destinations, progress=None, now=None)
        for dest in run.dests:
            if proven is not None and dest.name not in proven:
                continue
            try:
                seen = read_manifest(run, dest)
            except KeyvaultError:
                continue
            if seen.status != "ours" or seen.manifest is None or seen.sha256 is None:
                continue
            if proven is not None:
                newest = {e.name: e.newest() for e in seen.manifest.items}
                done = proven[dest.name]
                if any(v is None or done.get(n) != v.version for n, v in newest.items()):
                    continue
            statement = SealStatement(run.vault.id, seen.manifest.generation, seen.sha256)
            document = seal_document(public, statement, seal(key, statement))
            try:
                # The sealed manifest is kept beside the seal, so recover can still find
                # the owner's versions after later generations (a forger's) replace it.
                data = get_bytes(dest, run.manifest_key)
                if hashlib.sha256(data).hexdigest() != seen.sha256:
                    continue  # replaced since it was read: not what was proven
                dest.put_verified(
                    layout.sealed_manifest_key(run.vault.id),
                    io.BytesIO(data),
                    len(data),
                    seen.sha256,
                )
                dest.put_verified(
                    layout.seal_key(run.vault.id),
                    io.BytesIO(document),
                    len(document),
                    hashlib.sha256(document).hexdigest(),
                )
            except KeyvaultError:
                continue
            sealed.append(dest.name)
    return sealed


# --- a run ------------------------------------------------------------------------------


def drill(
    home: Path,
    *,
    identities: Sequence[X25519Identity],
    budget: int | None = None,
    drill_every: timedelta = DEFAULT_DRILL_EVERY,
    now: datetime | None = None,
    destinations: Sequence[Destination] | None = None,
) -> DrillReport:
    """Drill every copy (or, with ``budget`` bytes, the longest undrilled ones first).

    ``identities`` is the vault key (and earlier ones after rotations); ``destinations``
    replaces the configured ones (tests). A copy whose destination is unreachable is
    reported and keeps its old drill date; everything else is dated ``now``.
    """
    home = Path(home)
    if not identities:
        raise ValueError("a drill needs the vault key")
    if budget is not None and budget < 0:
        raise ValueError("the budget is a number of bytes, 0 or more")
    now = now or utc_now()
    config = load_config(home)
    config.require_vault()
    state = load_dates(home)
    records = recorded_identities.load(home)
    dest_names = (
        [d.name for d in config.destinations]
        if destinations is None
        else [d.name for d in destinations]
    )
    pairs = [(item, name) for item in config.items for name in dest_names]
    epoch = datetime.min.replace(tzinfo=now.tzinfo)
    pairs.sort(key=lambda p: when(state.get(copy_key(p[0].name, p[1])), "drilled") or epoch)

    report = DrillReport(copies=[], seal_public=seal_public(identities[0]))
    full = False
    for item, name in pairs:
        key = copy_key(item.name, name)
        estimate = _estimate(home, item.name, name)
        if budget is not None and estimate > budget:
            report.copies.append(
                CopyDrill(item.name, name, "skipped", message="larger than the whole budget")
            )
            continue
        # Once a copy does not fit, later (more recently drilled) ones wait too, so that
        # small copies cannot keep a larger, older one from its turn.
        full = full or (budget is not None and report.bytes_downloaded + estimate > budget)
        if full:
            report.copies.append(CopyDrill(item.name, name, "skipped", message="over the budget"))
            continue
        done = _drill_copy(home, item, name, identities, records.get(item.name), destinations)
        report.copies.append(done)
        downloaded = _downloaded(home, done, estimate)
        report.bytes_downloaded += downloaded
        if done.result == "recorded" and done.found is not None:
            records[item.name] = done.found
        if done.result in ("proven", "recorded") and done.found is not None:
            _learn_version_identity(home, item.name, done.version, done.found)
        if done.result != "unreachable":
            entry = dict(state.get(key, {}))
            entry.update(drilled=format_time(now), result=done.result, size=downloaded)
            if done.result in ("proven", "recorded"):
                entry["proven"] = format_time(now)
            state[key] = entry
    save_dates(home, state)
    report.sealed = seal_destinations(
        home,
        identities[0],
        proven=_proven_versions(report, config.items),
        destinations=destinations,
    )
    for item, name in pairs:
        proven = when(state.get(copy_key(item.name, name)), "proven")
        if proven is None or now - proven > drill_every:
            report.overdue.append((item.name, name))
    return report
