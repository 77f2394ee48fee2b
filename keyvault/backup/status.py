"""The 3-2-1 verdicts: evidence about every copy gathered from local state, then the policy."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, cast

from keyvault.destinations import mounts
from keyvault.destinations.base import Destination, MediaKind
from keyvault.errors import KeyvaultError
from keyvault.vault.config import ItemConfig
from keyvault.vault.keystore import encrypted_key_bytes
from keyvault.vault.state import CopyRecord, DestRecord, VersionRecord, open_state, parse_time

from .catalog import current_version
from .drilldates import drill_status
from .originals import original_digest, record_original, source_path
from .policy import CopyEvidence, Verdict, evaluate, physical_location_id
from .reports import StatusReport
from .run import RunContext, sha256

__all__ = ["status", "status_of"]


#: A folder's physical place and media kind, looked up once per folder and report.
Places = dict[Path, tuple["str | None", MediaKind]]


def _place(places: Places, folder: Path) -> tuple[str | None, MediaKind]:
    """Where ``folder`` is and on what medium (mount facts come from ``mounts.cached``;
    this saves resolving the same folder's mount once per item)."""
    if folder not in places:
        try:
            location: str | None = mounts.location_id(folder)
        except OSError:
            location = None
        try:
            media = mounts.guess_media(folder)
        except OSError:
            media = "internal"
        places[folder] = (location, media)
    return places[folder]


def _original_evidence(
    v: RunContext, item: ItemConfig, current: VersionRecord | None, places: Places
) -> tuple[CopyEvidence, datetime | None]:
    """The original's evidence and when it was first seen changed (``None``: unchanged)."""
    if item.kind == "phrase":
        path = v.home
        where = "the encrypted phrase record in the config dir"
    else:
        path = source_path(item)
        where = str(path)
    try:
        found = original_digest(v, item)
    except KeyvaultError as exc:
        # E.g. a wallet whose node refused the safe copy: the original counts for nothing
        # this time, and the other copies are judged as usual.
        evidence = CopyEvidence(
            "original",
            "original",
            None,
            "internal",
            ok=False,
            detail=f"{where} could not be read: {exc.message}",
        )
        return evidence, None
    if found is None:
        evidence = CopyEvidence(
            "original", "original", None, "internal", ok=False, detail=f"{where} is missing"
        )
        return evidence, None
    sha = found[0]
    unchanged = current is not None and current.sha256 == sha
    known = v.state.source(item.name)
    changed_since: datetime | None = None
    if not unchanged:
        if current is None:
            changed_since = _added_time(item) or v.now
        else:
            changed_since = (known.changed_since if known else None) or v.now
    record_original(v, item, found, changed_since)
    evidence = CopyEvidence(
        "original",
        "original",
        *_place(places, path if path.is_dir() else path.parent),
        current_version=unchanged,
    )
    return evidence, changed_since


def _added_time(item: ItemConfig) -> datetime | None:
    try:
        return parse_time(item.added)
    except ValueError:
        return None


def _dest_evidence(
    v: RunContext,
    current: VersionRecord | None,
    item: str,
    held: dict[str, dict[str, CopyRecord]],
    records: dict[str, DestRecord | None],
) -> list[CopyEvidence]:
    """Each destination's evidence for ``item``; ``held`` and ``records`` are every
    destination's copies and record, loaded once for the whole report."""
    evidence: list[CopyEvidence] = []
    versions: list[VersionRecord] | None = None
    for dest in v.dests:
        record = records[dest.name]
        copies = held[dest.name]
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
            if versions is None:
                versions = v.state.versions(item)
            older = any(r.object_id in copies for r in versions)
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


def _physical_evidence(v: RunContext, item: str) -> list[CopyEvidence]:
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


def _vault_key_verdict(v: RunContext, strict: bool, errors: int) -> tuple[Verdict, list[str]]:
    sha = sha256(encrypted_key_bytes(v.home))
    home_location = _place({}, v.home)[0]
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
    with mounts.cached(), open_state(Path(home)) as state, state.transaction(immediate=False):
        v = RunContext(Path(home), state, destinations=destinations, progress=None, now=now)
        return status_of(v, strict=strict)


def status_of(v: RunContext, *, strict: bool = False) -> StatusReport:
    """:func:`status` within a run that already holds config, keys, state and
    destinations (a backup's closing verdicts)."""
    state = v.state
    records = {d.name: state.dest(d.name) for d in v.dests}
    held = {d.name: state.copies(d.name) for d in v.dests}
    errors = sum(record.last_verify_errors for record in records.values() if record is not None)
    drills = drill_status(
        v.home, {i.name: ([d.name for d in v.dests], None) for i in v.config.items}, now=v.now
    )
    verdicts: list[Verdict] = []
    warnings: list[str] = []
    places: Places = {}
    for item in v.config.items:
        current = current_version(state, item.name)
        original, changed_since = _original_evidence(v, item, current, places)
        copies = [original, *_dest_evidence(v, current, item.name, held, records)]
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
                failed_drills=drills[item.name].failed,
            )
        )
        if current is not None and current.recipient != v.recipient_text:
            warnings.append(
                f"{item.name!r} is stored encrypted to an earlier vault key; "
                "the next backup re-encrypts it"
            )
    key_verdict, key_warnings = _vault_key_verdict(v, strict, errors)
    verdicts.append(key_verdict)
    warnings += key_warnings
    return StatusReport(verdicts, warnings, strict)
