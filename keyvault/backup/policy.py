"""The 3-2-1 policy, evaluated (pure: values in, a verdict out; no I/O, no clock).

The rules (ARCHITECTURE.md, "The 3-2-1 policy"; numbers from :class:`PolicyConfig`):

- copies: at least ``min_copies`` copies of the current version count. The original
  counts when present and unchanged; a destination copy when intact and verified within
  ``verify_max_age_days`` (the read-back at write counts); a physical copy (paper, metal;
  phrases and the vault key only) when confirmed within ``physical_max_age_days``.
- one place, one copy: counting copies with the same ``location_id`` (a filesystem's
  UUID or device, a bucket, a physical place) count once, the original's included.
- media: the counting copies span at least ``min_media_kinds`` kinds of media.
- offsite: at least ``min_offsite`` counting copies are offsite.
- stale original: an original changed after its last backup makes the verdict
  "backup-now" at once and "not-met" after ``stale_original_hours``.
- strict (3-2-1-1-0): also one counting copy immutable or offline, and 0 errors at the
  last verification.

:func:`evaluate` returns a :class:`Verdict`: the state, which copies count, why each other
copy does not, and exactly one next action, the step that fixes the most.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal, get_args

from keyvault.destinations.base import MEDIA_KINDS
from keyvault.vault.config import PolicyConfig

__all__ = [
    "ACTION_CODES",
    "ActionCode",
    "CopyEvidence",
    "CopyKind",
    "NotCounted",
    "State",
    "Verdict",
    "evaluate",
    "physical_location_id",
]

CopyKind = Literal["original", "destination", "physical"]
State = Literal["ok", "backup-now", "not-met"]
ItemKind = Literal["file", "folder", "phrase", "vault-key"]
#: The next action as a stable code, for programs (the GUI's buttons, scripts reading
#: ``--json``): ``backup`` (copy the current version), ``restore`` (the original is
#: missing), ``repair`` (re-copy a missing or damaged copy), ``verify`` (a copy is
#: unverified, or errors remain), ``confirm-copy`` (a physical copy is unconfirmed),
#: ``add-offsite`` (a copy kept elsewhere), ``add-media`` (a copy on another kind of
#: media), ``add-destination`` (one more copy), ``move-destination`` (a destination shares
#: a filesystem with another copy), ``add-immutable`` (an offline or Object Lock copy),
#: ``none`` (the policy holds).
ActionCode = Literal[
    "none",
    "backup",
    "restore",
    "repair",
    "verify",
    "confirm-copy",
    "add-offsite",
    "add-media",
    "add-destination",
    "move-destination",
    "add-immutable",
]
ACTION_CODES: tuple[str, ...] = get_args(ActionCode)

# Reason codes of copies that do not count, the fixable ones in the order their fixes are
# preferred: repair a bad copy, back up a stale one, verify, confirm a physical copy.
_FIXES = ("missing-or-damaged", "older-version", "unverified", "unconfirmed", "original-missing")


@dataclass(frozen=True)
class CopyEvidence:
    """What is known about one copy of an item (the engine gathers it; no I/O here).

    ``verified_at``: for a destination the last successful verification or read-back at
    write; for a physical copy the date it was last confirmed; unused for the original.
    ``ok``: the copy was present and intact at the last check (for the original: the
    file is there). ``current_version``: it holds the newest backed-up version (for the
    original: it is unchanged since that backup). ``location_id``: the physical place
    (``None`` when unknown: then the copy is a place of its own).
    """

    kind: CopyKind
    name: str
    location_id: str | None
    media: str
    offsite: bool = False
    offline: bool = False
    immutable: bool = False
    current_version: bool = True
    verified_at: datetime | None = None
    ok: bool = True
    #: Free text shown with a bad copy (e.g. "damaged at the last verify").
    detail: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ("original", "destination", "physical"):
            raise ValueError(f"unknown copy kind {self.kind!r}")
        if self.media not in MEDIA_KINDS:
            raise ValueError(f"unknown media kind {self.media!r}")
        if self.verified_at is not None and self.verified_at.tzinfo is None:
            raise ValueError("verified_at must be timezone-aware")


@dataclass(frozen=True)
class NotCounted:
    """A copy that does not count, with a stable ``code`` and the reason in words."""

    copy: CopyEvidence
    code: str
    reason: str


@dataclass(frozen=True)
class Verdict:
    """The policy's answer for one item."""

    item: str
    state: State
    counted: tuple[CopyEvidence, ...]
    not_counted: tuple[NotCounted, ...]
    #: The distinct media kinds among the counting copies, sorted.
    media_kinds: tuple[str, ...]
    #: How many counting copies are offsite.
    offsite: int
    #: How many counting copies are immutable or offline (the extra "1" of 3-2-1-1-0).
    immutable_or_offline: int
    #: Each rule that fails, in words ("only 2 of 3 copies count").
    problems: tuple[str, ...]
    #: The one next step, in words (naming the CLI command).
    action: str
    #: The same step as a stable code (see :data:`ActionCode`).
    action_code: ActionCode
    strict: bool = False
    required: PolicyConfig = field(default_factory=PolicyConfig)

    @property
    def copies(self) -> int:
        """How many copies count."""
        return len(self.counted)

    @property
    def ok(self) -> bool:
        """True when the policy holds."""
        return self.state == "ok"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (for ``--json`` and the GUI)."""
        return {
            "item": self.item,
            "state": self.state,
            "strict": self.strict,
            "copies": self.copies,
            "required_copies": self.required.min_copies,
            "counted": [_copy_dict(c) for c in self.counted],
            "not_counted": [
                {**_copy_dict(n.copy), "code": n.code, "reason": n.reason} for n in self.not_counted
            ],
            "media_kinds": list(self.media_kinds),
            "offsite": self.offsite,
            "immutable_or_offline": self.immutable_or_offline,
            "problems": list(self.problems),
            "action": self.action,
            "action_code": self.action_code,
        }


def _copy_dict(copy: CopyEvidence) -> dict[str, Any]:
    return {
        "kind": copy.kind,
        "name": copy.name,
        "media": copy.media,
        "offsite": copy.offsite,
        "offline": copy.offline,
        "immutable": copy.immutable,
        "verified_at": copy.verified_at.isoformat() if copy.verified_at else None,
    }


def physical_location_id(location: str) -> str:
    """The location id of a physical copy: its place in words, case and spaces ignored."""
    return "place:" + " ".join(location.casefold().split())


# --- counting -----------------------------------------------------------------------------


def _age_text(age: timedelta) -> str:
    hours = age.total_seconds() / 3600
    return f"{int(hours)} h" if hours < 48 else f"{int(hours // 24)} days"


def _disqualify(
    copy: CopyEvidence,
    policy: PolicyConfig,
    now: datetime,
    original_changed: bool,
    item_kind: ItemKind | None,
) -> tuple[str, str] | None:
    """Why ``copy`` does not count on its own, as (code, reason); None when it does."""
    if copy.kind == "original":
        if not copy.ok:
            return "original-missing", "the original is missing" + _detail(copy)
        if original_changed or not copy.current_version:
            return "changed", "changed since its last backup: the copies hold an older version"
        return None
    if copy.kind == "physical" and item_kind in ("file", "folder"):
        return "not-applicable", "paper and metal copies count only for phrases and the vault key"
    if not copy.ok:
        return "missing-or-damaged", "missing or damaged at the last check" + _detail(copy)
    if not copy.current_version:
        return "older-version", "holds an older version"
    if copy.kind == "destination":
        return _stale(copy, now, policy.verify_max_age_days, "unverified", "verified")
    return _stale(copy, now, policy.physical_max_age_days, "unconfirmed", "confirmed")


def _stale(
    copy: CopyEvidence, now: datetime, max_days: int, code: str, verb: str
) -> tuple[str, str] | None:
    """(code, reason) when ``copy`` was never checked or not within ``max_days``; else None."""
    if copy.verified_at is None:
        return code, f"never {verb}"
    age = now - copy.verified_at
    if age > timedelta(days=max_days):
        return code, f"last {verb} {_age_text(age)} ago (limit {max_days} days)"
    return None


def _detail(copy: CopyEvidence) -> str:
    return f" ({copy.detail})" if copy.detail else ""


_ORDER = {"original": 0, "destination": 1, "physical": 2}


@dataclass(frozen=True)
class _Count:
    counted: tuple[CopyEvidence, ...]
    not_counted: tuple[NotCounted, ...]
    media_kinds: tuple[str, ...]
    offsite: int
    immutable_or_offline: int
    #: (rule, words) of each failing rule; rules: copies, media, offsite, immutable, errors.
    failures: tuple[tuple[str, str], ...]
    shortfall: int


def _count(
    copies: Sequence[CopyEvidence],
    policy: PolicyConfig,
    now: datetime,
    *,
    strict: bool,
    original_changed: bool,
    last_verify_errors: int,
    item_kind: ItemKind | None,
    forgiven: CopyEvidence | None = None,
    failed_drills: Sequence[str] = (),
) -> _Count:
    eligible: list[CopyEvidence] = []
    rejected: list[NotCounted] = []
    for copy in copies:
        why = _disqualify(copy, policy, now, original_changed, item_kind)
        if why is None or copy is forgiven:
            eligible.append(copy)
        else:
            rejected.append(NotCounted(copy, *why))
    # One place, one copy: the original first, then destinations, then physical copies.
    counted: list[CopyEvidence] = []
    holder: dict[str, CopyEvidence] = {}
    for copy in sorted(eligible, key=lambda c: _ORDER[c.kind]):
        if copy.location_id is not None and copy.location_id in holder:
            first = holder[copy.location_id]
            what = "the original" if first.kind == "original" else repr(first.name)
            rejected.append(
                NotCounted(
                    copy, "same-place", f"on the same filesystem as {what}: one place, one copy"
                )
            )
            continue
        if copy.location_id is not None:
            holder[copy.location_id] = copy
        counted.append(copy)
    rejected.sort(key=lambda n: copies.index(n.copy))
    media = tuple(sorted({c.media for c in counted}))
    offsite = sum(c.offsite for c in counted)
    sealed = sum(c.immutable or c.offline for c in counted)
    failures: list[tuple[str, str]] = []
    if len(counted) < policy.min_copies:
        failures.append(("copies", f"only {len(counted)} of {policy.min_copies} copies count"))
    if len(media) < policy.min_media_kinds:
        kinds = ", ".join(media) or "none"
        failures.append(
            (
                "media",
                f"only {len(media)} kind of media ({kinds}); {policy.min_media_kinds} needed",
            )
        )
    if offsite < policy.min_offsite:
        failures.append(("offsite", "no offsite copy" if offsite == 0 else "too few offsite"))
    if strict and sealed < 1:
        failures.append(("immutable", "no immutable or offline copy (3-2-1-1-0)"))
    if strict and last_verify_errors > 0:
        failures.append(
            ("errors", f"the last verification found {last_verify_errors} error(s) (3-2-1-1-0)")
        )
    if strict and failed_drills:
        failures.append(
            (
                "errors",
                f"the last drill of the copy at {', '.join(failed_drills)} failed (3-2-1-1-0)",
            )
        )
    return _Count(
        tuple(counted),
        tuple(rejected),
        media,
        offsite,
        sealed,
        tuple(failures),
        max(0, policy.min_copies - len(counted)),
    )


# --- the next action ----------------------------------------------------------------------


def _fix_text(item: NotCounted, item_name: str) -> tuple[ActionCode, str]:
    copy = item.copy
    if item.code == "original-missing":
        return "restore", f"restore the original: 'keyvault restore {item_name} -o PATH'"
    if item.code == "missing-or-damaged":
        return (
            "repair",
            f"run 'keyvault repair' to re-copy the missing or damaged copy at {copy.name!r}",
        )
    if item.code == "older-version":
        return "backup", f"run 'keyvault backup' to copy the current version to {copy.name!r}"
    if item.code == "unverified":
        return "verify", f"run 'keyvault verify --dest {copy.name}' ({item.reason})"
    return (
        "confirm-copy",
        f"check the {copy.media} copy {copy.name!r} is still there and readable, then run "
        f"'keyvault copy confirm {copy.name}'",
    )


def _better(after: _Count, before: _Count) -> bool:
    rules_before = {rule for rule, _ in before.failures}
    rules_after = {rule for rule, _ in after.failures}
    return rules_after < rules_before or (
        rules_after <= rules_before and after.shortfall < before.shortfall
    )


_ADD_ORDER = ("offsite", "media", "copies", "immutable", "errors")


def _add_text(rule: str, result: _Count, item_kind: ItemKind | None) -> tuple[ActionCode, str]:
    physical_ok = item_kind in ("phrase", "vault-key")
    if rule == "offsite":
        if physical_ok:
            return (
                "add-offsite",
                "keep a copy offsite: record a paper or metal copy kept elsewhere "
                "('keyvault copy record ... --offsite') or add a B2 bucket",
            )
        return (
            "add-offsite",
            "add an offsite destination, e.g. a B2 bucket ('keyvault dest add b2 ...')",
        )
    if rule == "media":
        present = set(result.media_kinds)
        options = [k for k in ("external", "cloud", "nas", "paper") if k not in present]
        if not physical_ok:
            options = [k for k in options if k != "paper"]
        example = " or ".join(options[:2]) or "another kind"
        return "add-media", f"add a copy on another kind of media, e.g. {example}"
    if rule == "copies":
        crowded = [n for n in result.not_counted if n.code == "same-place"]
        if crowded:
            return (
                "move-destination",
                f"move destination {crowded[0].copy.name!r} to a separate drive: "
                f"{crowded[0].reason}",
            )
        return (
            "add-destination",
            f"add another destination on a separate drive ({result.shortfall} more needed)",
        )
    if rule == "immutable":
        return (
            "add-immutable",
            "add an offline or immutable copy: a drive marked --offline, a B2 bucket with "
            "Object Lock, or a paper copy",
        )
    return "verify", "run 'keyvault verify', then 'keyvault repair', until it reports 0 errors"


def _choose_action(
    item_name: str,
    result: _Count,
    recount: Callable[[CopyEvidence | None], _Count],
    stale: bool,
    item_kind: ItemKind | None,
) -> tuple[ActionCode, str]:
    """The one next step as (code, words)."""
    if stale:
        return "backup", "run 'keyvault backup' now: the original changed after its last backup"
    fixable = sorted(
        (n for n in result.not_counted if n.code in _FIXES),
        key=lambda n: _FIXES.index(n.code),
    )
    if result.failures:
        for item in fixable:
            if _better(recount(item.copy), result):
                return _fix_text(item, item_name)
        # A new offsite copy also adds a copy (and often a kind of media): ask for it first.
        failing = {rule for rule, _ in result.failures}
        rule = next(r for r in _ADD_ORDER if r in failing)
        return _add_text(rule, result, item_kind)
    if fixable:
        return _fix_text(fixable[0], item_name)
    return "none", "nothing to do: the policy holds"


# --- the verdict --------------------------------------------------------------------------


def evaluate(
    item_name: str,
    copies: Sequence[CopyEvidence],
    policy: PolicyConfig,
    *,
    now: datetime,
    strict: bool = False,
    original_changed_since_backup_at: datetime | None = None,
    last_verify_errors: int = 0,
    item_kind: ItemKind | None = None,
    failed_drills: Sequence[str] = (),
) -> Verdict:
    """Apply the policy to the copies of one item.

    ``now`` and every datetime are timezone-aware. ``original_changed_since_backup_at`` is
    when the original was seen changed after its last backup (``None``: unchanged).
    ``item_kind`` tunes the advice and leaves physical copies of files uncounted.
    ``failed_drills`` names the destinations whose copy of the item failed its last
    drill: errors for 3-2-1-1-0's "0 errors", like a verification's.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if last_verify_errors < 0:
        raise ValueError("last_verify_errors must not be negative")
    changed_at = original_changed_since_backup_at
    if changed_at is not None and changed_at.tzinfo is None:
        raise ValueError("original_changed_since_backup_at must be timezone-aware")

    def recount(forgiven: CopyEvidence | None = None) -> _Count:
        return _count(
            copies,
            policy,
            now,
            strict=strict,
            original_changed=changed_at is not None,
            last_verify_errors=last_verify_errors,
            item_kind=item_kind,
            forgiven=forgiven,
            failed_drills=failed_drills,
        )

    result = recount()
    problems = [words for _, words in result.failures]
    stale_for_long = False
    if changed_at is not None:
        age = max(now - changed_at, timedelta(0))
        stale_for_long = age > timedelta(hours=policy.stale_original_hours)
        still = "still " if stale_for_long else ""
        problems.insert(0, f"the original changed {_age_text(age)} ago and is {still}not backed up")
    if result.failures or stale_for_long:
        state: State = "not-met"
    elif changed_at is not None:
        state = "backup-now"
    else:
        state = "ok"
    action_code, action = _choose_action(
        item_name, result, recount, changed_at is not None, item_kind
    )
    return Verdict(
        item=item_name,
        state=state,
        counted=result.counted,
        not_counted=result.not_counted,
        media_kinds=result.media_kinds,
        offsite=result.offsite,
        immutable_or_offline=result.immutable_or_offline,
        problems=tuple(problems),
        action=action,
        action_code=action_code,
        strict=strict,
        required=replace(policy),
    )
