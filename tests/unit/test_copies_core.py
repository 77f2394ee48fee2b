"""keyvault.vault.copies: physical copies are dated records in the real config file."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from keyvault.errors import InvalidValueError, NotFoundError
from keyvault.vault.config import (
    Config,
    ItemConfig,
    PhysicalCopyConfig,
    PolicyConfig,
    VaultSection,
    load_config,
    save_config,
)
from keyvault.vault.copies import (
    MAX_LOCATION,
    VAULT_KEY_ITEM,
    clean_location,
    confirm_physical_copy,
    copy_standing,
    list_physical_copies,
    record_physical_copy,
    remove_physical_copy,
)

VAULT = VaultSection(id="0a1b2c3d4e5f6a7b", recipient="age1example", created="2026-01-01T00:00Z")
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


def _setup(home: Path, copies: list[PhysicalCopyConfig] | None = None, limit: int = 365) -> None:
    items = [
        ItemConfig("seed", "phrase", "2026-01-01T00:00:00+00:00", phrase_kind="bip39"),
        ItemConfig("wallet.dat", "file", "2026-01-01T00:00:00+00:00", path="/w/wallet.dat"),
    ]
    policy = PolicyConfig(physical_max_age_days=limit)
    save_config(home, Config(vault=VAULT, policy=policy, items=items, copies=copies or []))


def _copy(copy_id: str, confirmed: str, item: str = "seed") -> PhysicalCopyConfig:
    return PhysicalCopyConfig(copy_id, item, "paper", "drawer", confirmed, confirmed)


def test_record_a_copy_of_the_vault_key(kv_home: Path) -> None:
    _setup(kv_home)
    standing = record_physical_copy(
        kv_home, VAULT_KEY_ITEM, "paper", "  Home \t  safe ", offsite=True, now=NOW
    )
    entry = standing.copy
    assert (entry.item, entry.kind, entry.location) == ("vault-key", "paper", "Home safe")
    assert (entry.offsite, entry.offline) == (True, True)
    assert entry.recorded == entry.confirmed == "2026-06-01T12:00:00+00:00"
    assert len(entry.id) == 6 and int(entry.id, 16) >= 0
    assert (standing.confirmed_days_ago, standing.counts, standing.max_age_days) == (0, True, 365)
    assert load_config(kv_home).copies == [entry]
    row = standing.to_dict()
    assert row["id"] == entry.id and row["counts"] is True and row["confirmed_days_ago"] == 0


def test_record_a_metal_copy_of_a_phrase_online(kv_home: Path) -> None:
    _setup(kv_home)
    entry = record_physical_copy(kv_home, "seed", "metal", "bank box", offline=False).copy
    assert (entry.item, entry.kind, entry.offsite, entry.offline) == ("seed", "metal", False, False)
    recorded = datetime.fromisoformat(entry.recorded)
    assert abs(datetime.now(timezone.utc) - recorded) < timedelta(minutes=5)


def test_ids_are_unique(kv_home: Path) -> None:
    _setup(kv_home)
    ids = {record_physical_copy(kv_home, "seed", "paper", f"place {n}").copy.id for n in range(40)}
    assert len(ids) == 40
    assert {c.id for c in load_config(kv_home).copies} == ids


def test_record_refuses_bad_input_and_writes_nothing(kv_home: Path) -> None:
    _setup(kv_home)
    with pytest.raises(NotFoundError, match="no item called 'nope'"):
        record_physical_copy(kv_home, "nope", "paper", "x")
    with pytest.raises(InvalidValueError, match="only for seed phrases and the vault key"):
        record_physical_copy(kv_home, "wallet.dat", "paper", "x")
    with pytest.raises(InvalidValueError, match="say where"):
        record_physical_copy(kv_home, "seed", "paper", " \n\t ")
    with pytest.raises(InvalidValueError, match=f"under {MAX_LOCATION}"):
        record_physical_copy(kv_home, "seed", "paper", "x" * (MAX_LOCATION + 1))
    with pytest.raises(ValueError, match="kind"):
        record_physical_copy(kv_home, "seed", "wood", "x")
    with pytest.raises(ValueError, match="timezone"):
        record_physical_copy(kv_home, "seed", "paper", "x", now=datetime(2026, 1, 1))
    assert load_config(kv_home).copies == []


def test_clean_location_keeps_the_limit_inclusive() -> None:
    assert clean_location("x" * MAX_LOCATION) == "x" * MAX_LOCATION
    assert clean_location(" a\n b ") == "a b"


def test_confirm_renews_the_date(kv_home: Path) -> None:
    old = (NOW - timedelta(days=400)).isoformat(timespec="seconds")
    _setup(kv_home, [_copy("c0ffee", old)])
    (before,) = list_physical_copies(kv_home, now=NOW)
    assert (before.confirmed_days_ago, before.counts) == (400, False)
    after = confirm_physical_copy(kv_home, "c0ffee", now=NOW)
    assert (after.confirmed_days_ago, after.counts) == (0, True)
    (entry,) = load_config(kv_home).copies
    assert entry.confirmed == NOW.isoformat(timespec="seconds") and entry.recorded == old
    with pytest.raises(NotFoundError, match="no recorded copy with id '123456'"):
        confirm_physical_copy(kv_home, "123456")


def test_remove_forgets_one_copy(kv_home: Path) -> None:
    stamp = NOW.isoformat()
    _setup(kv_home, [_copy("aaaaaa", stamp), _copy("bbbbbb", stamp)])
    removed = remove_physical_copy(kv_home, "aaaaaa")
    assert removed.id == "aaaaaa"
    assert [c.id for c in load_config(kv_home).copies] == ["bbbbbb"]
    with pytest.raises(NotFoundError):
        remove_physical_copy(kv_home, "aaaaaa")


def test_list_filters_by_item_and_judges_by_the_policy_limit(kv_home: Path) -> None:
    ten_days = (NOW - timedelta(days=10)).isoformat()
    _setup(
        kv_home,
        [_copy("aaaaaa", ten_days), _copy("bbbbbb", ten_days, item=VAULT_KEY_ITEM)],
        limit=7,
    )
    rows = list_physical_copies(kv_home, now=NOW)
    assert [(r.copy.id, r.confirmed_days_ago, r.counts) for r in rows] == [
        ("aaaaaa", 10, False),
        ("bbbbbb", 10, False),
    ]
    assert [r.copy.id for r in list_physical_copies(kv_home, VAULT_KEY_ITEM, now=NOW)] == ["bbbbbb"]
    assert list_physical_copies(kv_home, "nothing") == []


@pytest.mark.parametrize(
    ("confirmed", "days", "counts"),
    [
        ("2026-06-01T00:00:00", 0, True),  # no time zone: read as UTC
        ("2025-06-01T12:00:00+00:00", 365, True),  # exactly at the limit
        ("2025-05-31T12:00:00+00:00", 366, False),
        ("2026-06-02T12:00:00+00:00", 0, True),  # a clock ahead: never negative
        ("yesterday", None, False),
    ],
)
def test_copy_standing(confirmed: str, days: int | None, counts: bool) -> None:
    standing = copy_standing(_copy("aaaaaa", confirmed), 365, NOW)
    assert (standing.confirmed_days_ago, standing.counts) == (days, counts)
