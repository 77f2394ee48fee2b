"""``keyvault copy``: physical copies are dated records in the config."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from keyvault.vault.config import (
    Config,
    ItemConfig,
    PhysicalCopyConfig,
    VaultSection,
    load_config,
    save_config,
)

from .helpers import run_cli

VAULT = VaultSection(id="0a1b2c3d4e5f6a7b", recipient="age1example", created="2026-01-01T00:00Z")


def _setup(home: Path, copies: list[PhysicalCopyConfig] | None = None) -> None:
    # The vault and items are written directly: init and add belong to other parts.
    items = [
        ItemConfig("seed", "phrase", "2026-01-01T00:00:00+00:00", phrase_kind="bip39"),
        ItemConfig("wallet.dat", "file", "2026-01-01T00:00:00+00:00", path="/w/wallet.dat"),
    ]
    save_config(home, Config(vault=VAULT, items=items, copies=copies or []))


def test_record_a_copy_of_the_vault_key(kv_home: Path) -> None:
    _setup(kv_home)
    result = run_cli(
        "--json", "copy", "record", "vault-key",
        "--kind", "paper", "--location", "  Home   safe ", "--offsite",
        home=kv_home,
    )  # fmt: skip
    assert result.code == 0, result.stderr
    recorded = result.json()["recorded"]
    assert recorded["item"] == "vault-key" and recorded["kind"] == "paper"
    assert recorded["location"] == "Home safe"
    assert (recorded["offsite"], recorded["offline"]) == (True, True)
    assert recorded["counts"] is True and recorded["confirmed_days_ago"] == 0
    (entry,) = load_config(kv_home).copies
    assert entry.id == recorded["id"] and len(entry.id) == 6
    recorded_at = datetime.fromisoformat(entry.recorded)
    assert abs(datetime.now(timezone.utc) - recorded_at) < timedelta(minutes=5)
    assert entry.confirmed == entry.recorded


def test_record_a_metal_copy_of_a_phrase(kv_home: Path) -> None:
    _setup(kv_home)
    result = run_cli(
        "copy", "record", "seed", "--kind", "metal", "--location", "bank box", "--online",
        home=kv_home,
    )  # fmt: skip
    assert result.code == 0, result.stderr
    assert "recorded metal copy" in result.stdout
    assert "keyvault copy confirm" in result.stdout
    (entry,) = load_config(kv_home).copies
    assert (entry.item, entry.kind, entry.offsite, entry.offline) == ("seed", "metal", False, False)


def test_record_refuses_unknown_items_files_and_bad_input(kv_home: Path) -> None:
    _setup(kv_home)
    unknown = run_cli("--json", "copy", "record", "nope", "--kind", "paper", "--location", "x")
    assert (unknown.code, unknown.json()["error"]["type"]) == (1, "NotFoundError")
    file_item = run_cli("copy", "record", "wallet.dat", "--kind", "paper", "--location", "x")
    assert file_item.code == 2
    assert "only for seed phrases and the vault key" in file_item.stderr
    blank = run_cli("copy", "record", "seed", "--kind", "paper", "--location", "   ")
    assert blank.code == 2
    long = run_cli("copy", "record", "seed", "--kind", "paper", "--location", "x" * 201)
    assert long.code == 2
    wood = run_cli("copy", "record", "seed", "--kind", "wood", "--location", "x")
    assert wood.code == 2
    no_location = run_cli("copy", "record", "seed", "--kind", "paper")
    assert no_location.code == 2
    assert load_config(kv_home).copies == []


def _old_copy(days: int, copy_id: str = "c0ffee", item: str = "seed") -> PhysicalCopyConfig:
    when = (datetime.now(timezone.utc) - timedelta(days=days)).isoformat(timespec="seconds")
    return PhysicalCopyConfig(copy_id, item, "paper", "drawer", when, when, False, True)


def test_confirm_renews_the_date(kv_home: Path) -> None:
    _setup(kv_home, [_old_copy(400)])
    before = run_cli("--json", "copy", "list", home=kv_home).json()["copies"][0]
    assert before["confirmed_days_ago"] == 400 and before["counts"] is False
    result = run_cli("--json", "copy", "confirm", "c0ffee", home=kv_home)
    assert result.code == 0
    assert result.json()["confirmed"]["counts"] is True
    (entry,) = load_config(kv_home).copies
    confirmed = datetime.fromisoformat(entry.confirmed)
    assert datetime.now(timezone.utc) - confirmed < timedelta(minutes=5)
    assert entry.recorded != entry.confirmed
    unknown = run_cli("--json", "copy", "confirm", "123456", home=kv_home)
    assert (unknown.code, unknown.json()["error"]["type"]) == (1, "NotFoundError")


def test_list_all_or_per_item(kv_home: Path) -> None:
    _setup(kv_home, [_old_copy(10, "aaaaaa"), _old_copy(400, "bbbbbb", "vault-key")])
    rows = run_cli("--json", "copy", "list", home=kv_home).json()["copies"]
    assert [r["id"] for r in rows] == ["aaaaaa", "bbbbbb"]
    only = run_cli("--json", "copy", "list", "vault-key", home=kv_home).json()["copies"]
    assert [r["id"] for r in only] == ["bbbbbb"]
    human = run_cli("copy", "list", home=kv_home).stdout
    assert "aaaaaa  seed  paper  'drawer'  (confirmed 10 days ago, offline)" in human
    assert "bbbbbb" in human and "CONFIRM NOW (limit 365 days)" in human


def test_list_when_empty(kv_home: Path) -> None:
    _setup(kv_home)
    result = run_cli("copy", "list", home=kv_home)
    assert result.code == 0 and "no physical copies recorded" in result.stdout


def test_remove(kv_home: Path) -> None:
    _setup(kv_home, [_old_copy(1, "aaaaaa"), _old_copy(1, "bbbbbb")])
    result = run_cli("--json", "copy", "remove", "aaaaaa", home=kv_home)
    assert result.code == 0 and result.json()["removed"]["id"] == "aaaaaa"
    assert [c.id for c in load_config(kv_home).copies] == ["bbbbbb"]
    again = run_cli("--json", "copy", "remove", "aaaaaa", home=kv_home)
    assert (again.code, again.json()["error"]["type"]) == (1, "NotFoundError")
