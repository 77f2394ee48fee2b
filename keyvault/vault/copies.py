"""Physical copies (paper, metal) of seed phrases and of the vault key: dated records.

keyvault cannot read a steel plate, so a physical copy is a record in the config: what
it is a copy of (a phrase item, or :data:`VAULT_KEY_ITEM` for the vault key's recovery
kit), its kind, where it is kept in words, and when it was last confirmed to be there
and readable. The 3-2-1 status counts it while that confirmation is younger than the
policy's ``physical_max_age_days`` (:class:`CopyStanding` says whether it does now).

Each change loads the config, applies itself and saves it (atomically, through
:func:`~keyvault.vault.config.save_config`). The CLI (``keyvault copy``) and the GUI
call these same functions. A location is public text: never put the words themselves
in it.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from keyvault.errors import InvalidValueError, NotFoundError

from .config import Config, PhysicalCopyConfig, load_config, save_config

__all__ = [
    "MAX_LOCATION",
    "PHYSICAL_KINDS",
    "VAULT_KEY_ITEM",
    "CopyStanding",
    "clean_location",
    "confirm_physical_copy",
    "copy_standing",
    "list_physical_copies",
    "record_physical_copy",
    "remove_physical_copy",
]

#: The item name under which copies of the vault key (its recovery kit) are recorded.
VAULT_KEY_ITEM = "vault-key"
#: What a physical copy can be.
PHYSICAL_KINDS: tuple[str, ...] = ("paper", "metal")
#: The longest location text accepted, in characters (after spaces are tidied).
MAX_LOCATION = 200


@dataclass(frozen=True)
class CopyStanding:
    """A recorded copy and whether it counts for 3-2-1 at the moment asked.

    ``confirmed_days_ago`` is ``None`` when the confirmation date cannot be read (then
    the copy does not count); ``max_age_days`` is the policy's limit it was judged by.
    """

    copy: PhysicalCopyConfig
    confirmed_days_ago: int | None
    counts: bool
    max_age_days: int

    def to_dict(self) -> dict[str, Any]:
        """The record's fields plus ``confirmed_days_ago`` and ``counts`` (JSON-ready)."""
        row: dict[str, Any] = asdict(self.copy)
        return row | {"confirmed_days_ago": self.confirmed_days_ago, "counts": self.counts}


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(timezone.utc)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def copy_standing(copy: PhysicalCopyConfig, max_age_days: int, now: datetime) -> CopyStanding:
    """Judge ``copy`` at ``now`` (timezone-aware) against a limit of ``max_age_days``.

    A confirmation date without a time zone is read as UTC; one that cannot be read at
    all makes the copy not count.
    """
    now = _now(now)
    try:
        confirmed = datetime.fromisoformat(copy.confirmed)
    except ValueError:
        return CopyStanding(copy, None, False, max_age_days)
    if confirmed.tzinfo is None:
        confirmed = confirmed.replace(tzinfo=timezone.utc)
    age = now - confirmed
    return CopyStanding(copy, max(0, age.days), age <= timedelta(days=max_age_days), max_age_days)


def clean_location(text: str) -> str:
    """``text`` with runs of white space made single spaces and the ends trimmed.

    Raises :class:`~keyvault.errors.InvalidValueError` when nothing is left or it is
    longer than :data:`MAX_LOCATION` characters.
    """
    place = " ".join(text.split())
    if not place:
        raise InvalidValueError("say where the copy is kept, e.g. 'home safe'")
    if len(place) > MAX_LOCATION:
        raise InvalidValueError(f"keep the location under {MAX_LOCATION} characters")
    return place


def _new_id(config: Config) -> str:
    taken = {c.id for c in config.copies}
    while True:
        candidate = secrets.token_hex(3)
        if candidate not in taken:
            return candidate


def _find(config: Config, copy_id: str) -> PhysicalCopyConfig:
    found = next((c for c in config.copies if c.id == copy_id), None)
    if found is None:
        raise NotFoundError(f"no recorded copy with id {copy_id!r}")
    return found


def record_physical_copy(
    home: Path,
    item: str,
    kind: str,
    location: str,
    *,
    offsite: bool = False,
    offline: bool = True,
    now: datetime | None = None,
) -> CopyStanding:
    """Record a ``kind`` copy of ``item`` kept at ``location``, confirmed at ``now``.

    ``item`` is a phrase item's name or :data:`VAULT_KEY_ITEM`. The copy gets a new random
    6-hex-digit id, unique in the config. Paper and metal are offline by nature, hence
    the default. Raises :class:`~keyvault.errors.NotFoundError` for an unknown item,
    :class:`~keyvault.errors.InvalidValueError` for an item that is not a phrase (a
    paper copy of a wallet file does not count) or a bad location (see
    :func:`clean_location`); ``ValueError`` for a kind not in :data:`PHYSICAL_KINDS`.
    """
    if kind not in PHYSICAL_KINDS:
        raise ValueError(f"unknown physical copy kind {kind!r}")
    place = clean_location(location)
    moment = _now(now)
    config = load_config(home)
    if item != VAULT_KEY_ITEM:
        found = config.item(item)
        if found is None:
            raise NotFoundError(f"no item called {item!r}")
        if found.kind != "phrase":
            raise InvalidValueError(
                f"{item!r} is a {found.kind}: paper and metal copies count only for seed "
                "phrases and the vault key"
            )
    stamp = _stamp(moment)
    entry = PhysicalCopyConfig(_new_id(config), item, kind, place, stamp, stamp, offsite, offline)
    config.copies.append(entry)
    save_config(home, config)
    return copy_standing(entry, config.policy.physical_max_age_days, moment)


def confirm_physical_copy(home: Path, copy_id: str, *, now: datetime | None = None) -> CopyStanding:
    """Record that copy ``copy_id`` was found in its place and readable at ``now``.

    Raises :class:`~keyvault.errors.NotFoundError` when no copy has that id.
    """
    moment = _now(now)
    config = load_config(home)
    entry = _find(config, copy_id)
    entry.confirmed = _stamp(moment)
    save_config(home, config)
    return copy_standing(entry, config.policy.physical_max_age_days, moment)


def remove_physical_copy(home: Path, copy_id: str) -> PhysicalCopyConfig:
    """Forget copy ``copy_id`` (destroyed or lost); the removed record is returned.

    Raises :class:`~keyvault.errors.NotFoundError` when no copy has that id.
    """
    config = load_config(home)
    entry = _find(config, copy_id)
    config.copies.remove(entry)
    save_config(home, config)
    return entry


def list_physical_copies(
    home: Path, item: str | None = None, *, now: datetime | None = None
) -> list[CopyStanding]:
    """The recorded copies (of ``item`` only, when given), in config order, judged at ``now``."""
    moment = _now(now)
    config = load_config(home)
    limit = config.policy.physical_max_age_days
    return [
        copy_standing(c, limit, moment) for c in config.copies if item is None or c.item == item
    ]
