"""Which versions of an item to keep: pure, no I/O.

The rule (ARCHITECTURE.md, issue 4): keep the newest :attr:`RetentionPolicy.keep_last`
versions; of the older ones keep the newest per day for a week, per ISO week for a month
and per month for a year. Two versions always stay, whatever their age: the newest one,
and the newest one that passed a deep verification (decrypted, plaintext hash matched),
so a wallet that ransomware encrypts and keeps rewriting cannot push every good version
out. Everything else may be pruned.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

__all__ = ["RetentionPolicy", "VersionFacts", "versions_to_keep"]


@dataclass(frozen=True)
class RetentionPolicy:
    """The retention numbers; the defaults are the documented policy."""

    keep_last: int = 10
    daily_days: int = 7
    weekly_days: int = 31
    monthly_days: int = 365

    def __post_init__(self) -> None:
        for name in ("keep_last", "daily_days", "weekly_days", "monthly_days"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")


@dataclass(frozen=True)
class VersionFacts:
    """What retention needs to know about one version (``created`` timezone-aware)."""

    version: int
    created: datetime
    #: True when the version passed a deep verification (restorable).
    verified: bool = False


def _newest_per_bucket(
    versions: Sequence[VersionFacts],
    now: datetime,
    days: int,
    bucket: Callable[[datetime], Hashable],
) -> set[int]:
    kept: set[int] = set()
    seen: set[Hashable] = set()
    horizon = now - timedelta(days=days)
    for facts in versions:  # newest first
        if facts.created < horizon:
            continue
        key = bucket(facts.created)
        if key not in seen:
            seen.add(key)
            kept.add(facts.version)
    return kept


def versions_to_keep(
    versions: Sequence[VersionFacts], now: datetime, policy: RetentionPolicy | None = None
) -> frozenset[int]:
    """The version numbers to keep; every other version may be pruned.

    ``now`` and every ``created`` must be timezone-aware. Versions are ordered by
    ``created`` then by number (newest first); days, weeks and months are UTC calendar
    buckets, each represented by its newest version.
    """
    policy = policy or RetentionPolicy()
    if now.tzinfo is None or any(v.created.tzinfo is None for v in versions):
        raise ValueError("retention needs timezone-aware datetimes")
    if not versions:
        return frozenset()
    ordered = sorted(versions, key=lambda v: (v.created, v.version), reverse=True)
    kept = {v.version for v in ordered[: policy.keep_last]}
    kept.add(ordered[0].version)
    utc = [VersionFacts(v.version, v.created.astimezone(timezone.utc), v.verified) for v in ordered]
    now = now.astimezone(timezone.utc)
    kept |= _newest_per_bucket(utc, now, policy.daily_days, lambda t: t.date())
    kept |= _newest_per_bucket(utc, now, policy.weekly_days, lambda t: t.isocalendar()[:2])
    kept |= _newest_per_bucket(utc, now, policy.monthly_days, lambda t: (t.year, t.month))
    newest_verified = next((v for v in ordered if v.verified), None)
    if newest_verified is not None:
        kept.add(newest_verified.version)
    return frozenset(kept)
