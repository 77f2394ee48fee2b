"""When each copy was last drilled and proven (``drill.json`` in the config dir), and what
those dates say: which copies are overdue, which failed their last drill.

Read by :mod:`.drill` (which writes the dates), by status (a failed drill is an error
for 3-2-1-1-0's "0 errors") and by the scheduler's alerts and the dashboard. The file is
public facts only (item and destination names, dates, results, sizes); an absent or
damaged one is an empty history, never an error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from keyvault.atomic import atomic_write
from keyvault.vault.config import load_config
from keyvault.vault.state import parse_time

__all__ = [
    "DEFAULT_DRILL_EVERY",
    "DRILL_FILE",
    "PROBLEMS",
    "ItemDrills",
    "copy_key",
    "drill_findings",
    "drill_status",
    "load_dates",
    "save_dates",
    "when",
]

DRILL_FILE = "drill.json"
DEFAULT_DRILL_EVERY = timedelta(days=90)
_FORMAT = "keyvault drill state"
_MAX_STATE = 4 << 20
#: Results that make a drill fail (exit 4 in the CLI; an error for ``status --strict``).
PROBLEMS: frozenset[str] = frozenset({"mismatch", "damaged", "missing"})


def copy_key(item: str, destination: str) -> str:
    return json.dumps([item, destination])


def load_dates(home: Path) -> dict[str, dict[str, Any]]:
    """The drill dates by copy; an absent or damaged file is an empty history (the next
    drill then simply drills everything first)."""
    path = Path(home) / DRILL_FILE
    try:
        if path.is_symlink() or path.stat().st_size > _MAX_STATE:
            return {}
        document = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(document, dict):
        return {}
    copies = document.get("copies")
    if document.get("format") != _FORMAT or not isinstance(copies, dict):
        return {}
    return {k: v for k, v in copies.items() if isinstance(v, dict)}


def save_dates(home: Path, copies: dict[str, dict[str, Any]]) -> None:
    document = {"format": _FORMAT, "version": 1, "copies": copies}
    atomic_write(Path(home) / DRILL_FILE, (json.dumps(document, indent=2) + "\n").encode())


def when(entry: dict[str, Any] | None, field_name: str) -> datetime | None:
    value = entry.get(field_name) if entry else None
    if not isinstance(value, str):
        return None
    try:
        return parse_time(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class ItemDrills:
    """What the drill dates say of one item's copies (status, alerts, the dashboard)."""

    #: When a copy of the item was last proven restorable, None if never.
    last_proven: datetime | None
    #: Destinations whose copy is overdue: not proven within ``drill_every``.
    overdue: tuple[str, ...]
    #: Destinations whose copy failed its last drill (mismatch, damaged, missing).
    failed: tuple[str, ...] = ()


def drill_status(
    home: Path,
    copies: Mapping[str, tuple[Sequence[str], datetime | None]],
    *,
    now: datetime,
    drill_every: timedelta = DEFAULT_DRILL_EVERY,
) -> dict[str, ItemDrills]:
    """Read ``drill.json`` (never writes, never fails: a damaged file is no history).

    ``copies`` maps each item to (the destinations holding a copy, when it was first
    backed up). A copy never proven is overdue only once the item's first backup is
    older than ``drill_every`` (a new item is not overdue on its first day).
    """
    state = load_dates(Path(home))
    found: dict[str, ItemDrills] = {}
    for item, (destinations, since) in copies.items():
        proven = {d: when(state.get(copy_key(item, d)), "proven") for d in destinations}
        overdue = tuple(
            d
            for d, at in proven.items()
            if (at is not None and now - at > drill_every)
            or (at is None and since is not None and now - since > drill_every)
        )
        dates = [at for at in proven.values() if at is not None]
        failed = tuple(
            d for d in destinations if state.get(copy_key(item, d), {}).get("result") in PROBLEMS
        )
        found[item] = ItemDrills(max(dates, default=None), overdue, failed)
    return found


def drill_findings(
    home: Path, *, now: datetime, drill_every: timedelta = DEFAULT_DRILL_EVERY
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(failed, overdue): the (item, destination) copies of the vault at ``home`` whose
    last drill failed, and those not proven within ``drill_every`` (a copy never drilled
    once its item was added longer ago than that). For the scheduler's alerts."""
    config = load_config(Path(home))
    destinations = [d.name for d in config.destinations]
    copies: dict[str, tuple[Sequence[str], datetime | None]] = {}
    for item in config.items:
        try:
            added: datetime | None = parse_time(item.added)
        except ValueError:
            added = None
        copies[item.name] = (destinations, added)
    found = drill_status(home, copies, now=now, drill_every=drill_every)
    failed = [(item, d) for item, drills in found.items() for d in drills.failed]
    overdue = [(item, d) for item, drills in found.items() for d in drills.overdue]
    return failed, overdue
