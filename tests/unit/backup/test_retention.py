"""Retention: last 10, then daily / weekly / monthly thinning; never the last good version."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from keyvault.backup.retention import RetentionPolicy, VersionFacts, versions_to_keep

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)


def _hourly(count: int, *, start: datetime = NOW) -> list[VersionFacts]:
    """``count`` versions, one per hour going back from ``start``; version 1 is the oldest."""
    return [
        VersionFacts(version=count - i, created=start - timedelta(hours=i)) for i in range(count)
    ]


def test_empty_and_few() -> None:
    assert versions_to_keep([], NOW) == frozenset()
    few = _hourly(5)
    assert versions_to_keep(few, NOW) == {1, 2, 3, 4, 5}


def test_keeps_last_ten_and_newest_per_day_for_a_week() -> None:
    # Ten days of hourly versions, 240 (now, Saturday 2026-11-28 12:00 UTC) back to 1.
    versions = _hourly(24 * 10)
    kept = versions_to_keep(versions, NOW)
    newest_ten = set(range(231, 241))
    # The 23:00 version of each of the seven previous days (Nov 27 back to Nov 21); the
    # ISO week Nov 16-22 and the month are already represented by those.
    newest_of_each_day = {227 - 24 * k for k in range(7)}
    assert kept == newest_ten | newest_of_each_day


def test_weekly_for_a_month_monthly_for_a_year_then_nothing() -> None:
    daily = [VersionFacts(version=800 - i, created=NOW - timedelta(days=i)) for i in range(800)]
    kept = versions_to_keep(daily, NOW)
    by_version = {v.version: v.created for v in daily}
    ages = sorted((NOW - by_version[v]).days for v in kept)
    assert all(age <= 365 for age in ages)
    between_month_and_year = [a for a in ages if 31 < a <= 365]
    # About one per month between a month and a year.
    assert 9 <= len(between_month_and_year) <= 12
    between_week_and_month = [a for a in ages if 9 < a <= 31]
    assert 2 <= len(between_week_and_month) <= 5


def test_never_prunes_newest_verified_version() -> None:
    # A good, deep-verified version two years old, then a flood of bad newer versions.
    good = VersionFacts(version=1, created=NOW - timedelta(days=730), verified=True)
    flood = [VersionFacts(version=2 + i, created=NOW - timedelta(minutes=i)) for i in range(500)]
    kept = versions_to_keep([good, *flood], NOW)
    assert 1 in kept
    older_verified = VersionFacts(version=0, created=NOW - timedelta(days=800), verified=True)
    kept = versions_to_keep([older_verified, good, *flood], NOW)
    assert 1 in kept and 0 not in kept


def test_newest_is_always_kept_even_with_zero_policy() -> None:
    policy = RetentionPolicy(keep_last=0, daily_days=0, weekly_days=0, monthly_days=0)
    old = [VersionFacts(version=i, created=NOW - timedelta(days=900 + i)) for i in range(5)]
    assert versions_to_keep(old, NOW, policy) == {0}


def test_order_by_time_not_number() -> None:
    # Version numbers need not follow time (clock changes): the newest by time wins.
    a = VersionFacts(version=7, created=NOW - timedelta(days=400))
    b = VersionFacts(version=3, created=NOW)
    policy = RetentionPolicy(keep_last=1, daily_days=0, weekly_days=0, monthly_days=0)
    assert versions_to_keep([a, b], NOW, policy) == {3}


def test_bad_inputs() -> None:
    with pytest.raises(ValueError):
        RetentionPolicy(keep_last=-1)
    with pytest.raises(ValueError):
        versions_to_keep([VersionFacts(1, datetime(2026, 1, 1))], NOW)
    with pytest.raises(ValueError):
        versions_to_keep([], datetime(2026, 1, 1))
