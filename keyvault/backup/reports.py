"""What the engine's operations return: reports with a JSON-ready form, and progress events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, cast

from keyvault.errors import ExitCode
from keyvault.vault.state import format_time
from keyvault.wallets.identity import Identity

from .policy import Verdict
from .proof import IdentityCheck, describe

__all__ = [
    "BackupReport",
    "CopyCheck",
    "DestResult",
    "ItemResult",
    "ProgressEvent",
    "ProgressFn",
    "RecoverReport",
    "RepairReport",
    "RestoreResult",
    "SealedVersion",
    "StatusReport",
    "VerifiedDest",
    "VerifyReport",
]


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


#: What a backup did with one item.
ItemAction = Literal["unchanged", "new-version", "would-back-up", "original-missing", "failed"]
#: How a backup ended at one destination.
DestState = Literal["ok", "missing", "conflict", "full", "failed"]
#: What a check found.
CheckResult = Literal["ok", "missing", "damaged", "conflict", "not-restorable"]
#: How deep a check went.
CheckLevel = Literal["present", "intact", "restorable"]
#: One destination's outcome in a verification.
VerifyOutcome = Literal["ok", "problems", "conflict", "unavailable", "offline"]


@dataclass
class ItemResult:
    """What a backup did with one item.

    ``action``: ``unchanged``, ``new-version``, ``would-back-up`` (dry run),
    ``original-missing`` or ``failed``.
    """

    name: str
    kind: str
    action: ItemAction
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
    newer manifest: not overwritten), ``full`` or ``failed``. ``damage``: one line for
    each missing or damaged thing the run found there (a manifest it replaced, a copy a
    check had found damaged), also when the run wrote it again.
    """

    name: str
    state: DestState = "ok"
    message: str | None = None
    uploaded: int = 0
    bytes_written: int = 0
    writes: int = 0
    manifest_generation: int | None = None
    pruned: int = 0
    notes: list[str] = field(default_factory=list)
    damage: list[str] = field(default_factory=list)

    @property
    def troubled(self) -> bool:
        """True when this destination failed, refused the run, or held something missing
        or damaged (a missing drive is not trouble: it is reported and skipped)."""
        return self.state in ("failed", "full", "conflict") or bool(self.damage)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {**self.__dict__, "troubled": self.troubled}


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

    @property
    def exit_code(self) -> int:
        """The exit code of ``keyvault backup`` (the one place it is decided):

        1 (:attr:`ExitCode.ERROR`) when an item could not be read, or when destinations
        were in trouble (:attr:`DestResult.troubled`) and none of them ended ``ok``: no
        copy was made at all; 4 (:attr:`ExitCode.COPY_MISSING_OR_DAMAGED`) when a
        destination was in trouble while another one took the run: that destination's
        copy is missing or damaged, the others hold the new version; 3
        (:attr:`ExitCode.POLICY_NOT_MET`) when an item is not 3-2-1 afterwards; else 0.
        A dry run never gives 3.
        """
        if any(i.action == "failed" for i in self.items):
            return ExitCode.ERROR
        if any(d.troubled for d in self.destinations):
            if any(d.state == "ok" for d in self.destinations):
                return ExitCode.COPY_MISSING_OR_DAMAGED
            return ExitCode.ERROR
        if not self.dry_run and not self.policy_met:
            return ExitCode.POLICY_NOT_MET
        return ExitCode.OK

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
            "exit_code": self.exit_code,
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

    ``what``: ``object``, ``manifest``, ``key`` or ``seal``. ``result``: ``ok``, ``missing``,
    ``damaged``, ``conflict`` (another writer's newer manifest) or ``not-restorable``.
    """

    dest: str
    what: str
    result: CheckResult
    item: str | None = None
    version: int | None = None
    object_id: str | None = None
    level: CheckLevel = "intact"
    message: str | None = None

    @property
    def ok(self) -> bool:
        """True when nothing is wrong with it."""
        return self.result == "ok"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dict(self.__dict__)


@dataclass
class VerifiedDest:
    """One destination's outcome in a verification.

    ``outcome``: ``ok``, ``problems`` (a copy missing or damaged), ``conflict`` (another
    writer's newer manifest), ``unavailable`` (not available and not marked offline: its
    copies count as missing) or ``offline`` (marked offline and away: not checked, no
    problem). ``message`` says why it was not available.
    """

    name: str
    offline: bool
    outcome: VerifyOutcome = "ok"
    message: str | None = None


@dataclass
class VerifyReport:
    """The outcome of :func:`verify`."""

    deep: bool
    checks: list[CopyCheck]
    #: Every destination the verification covered, in the config's order.
    destinations: list[VerifiedDest] = field(default_factory=list)
    unknown_objects: list[tuple[str, str]] = field(default_factory=list)

    @property
    def problems(self) -> list[CopyCheck]:
        """Checks that found a missing or damaged copy."""
        return [c for c in self.checks if not c.ok and c.result != "conflict"]

    @property
    def conflicts(self) -> list[CopyCheck]:
        """Destinations holding another writer's newer manifest."""
        return [c for c in self.checks if c.result == "conflict"]

    @property
    def unavailable(self) -> list[tuple[str, str]]:
        """(name, reason) of each destination that should be connected but was not
        available: its copies are missing for this check."""
        return [(d.name, d.message or "") for d in self.destinations if d.outcome == "unavailable"]

    @property
    def offline(self) -> list[tuple[str, str]]:
        """(name, reason) of each destination marked offline that was away: not checked."""
        return [(d.name, d.message or "") for d in self.destinations if d.outcome == "offline"]

    @property
    def not_checked(self) -> list[str]:
        """Names of the destinations that could not be reached (unavailable or offline)."""
        return [d.name for d in self.destinations if d.outcome in ("unavailable", "offline")]

    @property
    def copies_missing(self) -> bool:
        """True when a copy is missing or damaged, a destination that should be
        connected was not available, or a destination holds another writer's newer
        manifest (a CONFLICT the user must see): ``keyvault verify`` exits 4."""
        return bool(self.problems or self.unavailable or self.conflicts)

    @property
    def exit_code(self) -> int:
        """The exit code of ``keyvault verify`` (the one place it is decided): 4
        (:attr:`ExitCode.COPY_MISSING_OR_DAMAGED`) when :attr:`copies_missing`, else 0."""
        return ExitCode.COPY_MISSING_OR_DAMAGED if self.copies_missing else ExitCode.OK

    def _dest_dict(self, dest: VerifiedDest) -> dict[str, Any]:
        checks = [c for c in self.checks if c.dest == dest.name]
        return {
            "dest": dest.name,
            "offline": dest.offline,
            "outcome": dest.outcome,
            "checked": len(checks),
            "problems": sum(1 for c in checks if not c.ok and c.result != "conflict"),
            "copies_missing": dest.outcome in ("problems", "unavailable"),
            "message": dest.message,
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "deep": self.deep,
            "checked": len(self.checks),
            "problems": len(self.problems),
            "copies_missing": self.copies_missing,
            "destinations": [self._dest_dict(d) for d in self.destinations],
            "checks": [c.to_dict() for c in self.checks],
            "unavailable": [{"dest": d, "message": m} for d, m in self.unavailable],
            "offline": [{"dest": d, "message": m} for d, m in self.offline],
            "unknown_objects": [{"dest": d, "key": k} for d, k in self.unknown_objects],
        }


@dataclass
class RepairReport:
    """The outcome of :func:`repair`: what was fixed, what could not be."""

    before: VerifyReport
    repaired: list[CopyCheck]
    unrepaired: list[CopyCheck]

    @property
    def exit_code(self) -> int:
        """The exit code of ``keyvault repair`` (the one place it is decided): 4
        (:attr:`ExitCode.COPY_MISSING_OR_DAMAGED`) when a copy it found missing or
        damaged could not be copied again, else 0 (a destination that was not connected
        is listed, not counted: ``verify`` is the command that asks for every one)."""
        return ExitCode.COPY_MISSING_OR_DAMAGED if self.unrepaired else ExitCode.OK

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "found": len(self.before.problems),
            "repaired": [c.to_dict() for c in self.repaired],
            "unrepaired": [c.to_dict() for c in self.unrepaired],
            "unavailable": [{"dest": d, "message": m} for d, m in self.before.unavailable],
            "offline": [{"dest": d, "message": m} for d, m in self.before.offline],
        }


@dataclass
class RestoreResult:
    """One restored item version, and whether it is the wallet recorded with it.

    ``identity_check`` (:func:`~.proof.compare`): ``same``, ``different`` (a copy that
    restores a *different* wallet than the one backed up: exit 4), ``unknown`` or
    ``not-recorded``; ``identity`` is rebuilt from the restored copy, ``recorded`` is
    the one stored with the version (local state for restore, the manifest for recover).
    """

    name: str
    kind: str
    version: int
    path: Path
    size: int
    sha256: str
    source: str
    identity: Identity | None = None
    recorded: Identity | None = None
    identity_check: str = "not-recorded"

    @property
    def identity_line(self) -> str:
        """One line for a report: same wallet as recorded, or not."""
        return describe(cast(IdentityCheck, self.identity_check), self.recorded, self.identity)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (identities in :meth:`Identity.to_json` form)."""
        return {
            "name": self.name,
            "kind": self.kind,
            "version": self.version,
            "path": str(self.path),
            "size": self.size,
            "sha256": self.sha256,
            "source": self.source,
            "identity_check": self.identity_check,
            "identity_line": self.identity_line,
            "identity": self.identity.to_json() if self.identity else None,
            "recorded_identity": self.recorded.to_json() if self.recorded else None,
        }


@dataclass(frozen=True)
class SealedVersion:
    """An item's sealed version, restored beside a newer version the seal does not cover."""

    name: str
    version: int
    path: Path
    identity: Identity | None
    #: The newer version restored under the item's own name (None: the current
    #: manifest no longer holds the item, or it failed to restore).
    current_version: int | None
    current_path: Path | None
    current_identity: Identity | None

    @property
    def same_wallet(self) -> bool:
        """True when the newer version holds the same wallet as the sealed one (both
        identities rebuilt and :meth:`Identity.same_wallet`); False when they differ or
        either could not be rebuilt: then recover exits 4."""
        if self.identity is None or self.current_identity is None:
            return False
        return self.identity.same_wallet(self.current_identity)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (documented in docs/threat-model.md, "Recover and the seal")."""
        return {
            "same_wallet": self.same_wallet,
            "item": self.name,
            "sealed_version": self.version,
            "sealed_path": str(self.path),
            "sealed_fingerprint": self.identity.fingerprint if self.identity else None,
            "sealed_proof": self.identity.proof if self.identity else None,
            "current_version": self.current_version,
            "current_path": str(self.current_path) if self.current_path else None,
            "current_fingerprint": (
                self.current_identity.fingerprint if self.current_identity else None
            ),
            "current_proof": self.current_identity.proof if self.current_identity else None,
        }


@dataclass
class RecoverReport:
    """The outcome of :func:`recover`."""

    vault_id: str
    generation: int
    restored: list[RestoreResult]
    failed: list[tuple[str, str]]
    #: (vault id, reason) of each vault folder at the source that was tried and skipped.
    skipped: list[tuple[str, str]] = field(default_factory=list)
    #: The owner's seal there: "sealed", "older", "none" or "invalid" (backup.sealcheck).
    seal: str = "none"
    #: The seal key derived from the vault key recover was given.
    seal_public: str = ""
    #: The generation the seal covers (None unless it verified).
    seal_generation: int | None = None
    #: Sealed versions restored beside newer, unsealed ones.
    sealed_versions: list[SealedVersion] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """The exit code of ``keyvault recover`` (the one place it is decided): 4
        (:attr:`ExitCode.COPY_MISSING_OR_DAMAGED`) when an item failed, a restored copy
        is not the wallet recorded with it, or a version written after the owner's seal
        holds another wallet than the sealed one (or one whose identity cannot be
        rebuilt); else 0."""
        if (
            self.failed
            or any(r.identity_check == "different" for r in self.restored)
            or any(not s.same_wallet for s in self.sealed_versions)
        ):
            return ExitCode.COPY_MISSING_OR_DAMAGED
        return ExitCode.OK

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "exit_code": self.exit_code,
            "vault_id": self.vault_id,
            "generation": self.generation,
            "restored": [r.to_dict() for r in self.restored],
            "failed": [{"item": n, "message": m} for n, m in self.failed],
            "skipped": [{"vault_id": v, "reason": r} for v, r in self.skipped],
            "seal": {
                "status": self.seal,
                "public": self.seal_public,
                "generation": self.seal_generation,
            },
            "sealed_versions": [s.to_dict() for s in self.sealed_versions],
        }
