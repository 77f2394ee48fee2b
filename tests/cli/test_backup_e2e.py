"""Issue 4 end to end through the CLI: 3-2-1 on separate devices, a lost copy found by
verify and repaired, two destinations on one device, an unmounted drive, a full drive.

Separate devices are small tmpfs mounts (CI runs as root); where mounting is refused the
tests skip and say why.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from .helpers import run_cli
from .test_backup_support import (
    PASSPHRASE,
    PHRASE,
    can_mount,
    init_vault,
    object_path,
    tmpfs,
    vault_folder,
)

pytestmark = pytest.mark.skipif(
    not can_mount(), reason="mounting a tmpfs was refused (needs root): no separate devices"
)

ENV = {"KEYVAULT_PASSPHRASE": PASSPHRASE}


@pytest.fixture
def devices(tmp_path: Path) -> Iterator[dict[str, Path]]:
    """Three separate filesystems: the internal disk (holding the originals and the
    internal destination), a USB drive and a drive kept offsite."""
    with (
        tmpfs(tmp_path / "disk", "16m") as disk,
        tmpfs(tmp_path / "usb", "16m") as usb,
        tmpfs(tmp_path / "away", "16m") as away,
    ):
        yield {"disk": disk, "usb": usb, "away": away}


def _protect_three_items(kv_home: Path, disk: Path) -> Path:
    wallet = disk / "wallets" / "wallet.dat"
    wallet.parent.mkdir()
    wallet.write_bytes(b"WALLET" + os.urandom(5000))
    keystore = disk / "wallets" / "keystore"
    keystore.mkdir()
    (keystore / "UTC--2026--abc").write_bytes(b"KEYSTORE JSON")
    assert run_cli("add", str(wallet), "--name", "main wallet").code == 0
    assert run_cli("add", str(keystore)).code == 0
    assert run_cli("add-phrase", "--name", "ledger", input=PHRASE).code == 0
    return wallet


def _add_dest(name: str, path: Path, *flags: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    done = run_cli("dest", "add", "local", name, str(path), *flags)
    assert done.code == 0, done.stderr


def test_three_devices_hold_321_lost_copy_verify_status_repair(
    kv_home: Path, tmp_path: Path, devices: dict[str, Path]
) -> None:
    init_vault(kv_home, tmp_path)
    _protect_three_items(kv_home, devices["disk"])
    _add_dest("internal", devices["disk"] / "backups", "--media", "internal")
    _add_dest("usb", devices["usb"] / "kv", "--media", "external")
    _add_dest("away", devices["away"] / "kv", "--media", "external", "--offsite")

    first = run_cli("backup", "--json")
    assert first.code == 0, first.stdout + first.stderr
    assert first.json()["policy_met"] is True
    status = run_cli("status", "--json")
    assert status.code == 0
    items = {i["item"]: i for i in status.json()["items"]}
    assert set(items) == {"main wallet", "keystore", "ledger", "vault-key"}
    assert all(i["state"] == "ok" for i in items.values())
    wallet = items["main wallet"]
    # The internal destination shares the original's disk: it is there but counted once.
    assert {c["name"] for c in wallet["counted"]} == {"original", "usb", "away"}
    same = [c for c in wallet["not_counted"] if c["name"] == "internal"]
    assert same and same[0]["code"] == "same-place"
    assert set(wallet["media_kinds"]) == {"internal", "external"} and wallet["offsite"] == 1

    # Remove one destination's copy of the wallet.
    lost = object_path(devices["usb"] / "kv", kv_home, "main wallet")
    lost.unlink()
    verify = run_cli("verify", "--json")
    assert verify.code == 4
    problems = [c for c in verify.json()["checks"] if c["result"] != "ok"]
    assert [(c["dest"], c["item"], c["result"]) for c in problems] == [
        ("usb", "main wallet", "missing")
    ]
    red = run_cli("status")
    assert red.code == 3
    assert "main wallet: NOT MET" in red.stdout
    assert "usb: missing or damaged at the last check" in red.stdout
    assert "keyvault repair" in red.stdout

    fixed = run_cli("repair", "--json")
    assert fixed.code == 0, fixed.stdout + fixed.stderr
    assert [(c["dest"], c["item"]) for c in fixed.json()["repaired"]] == [("usb", "main wallet")]
    assert lost.exists()
    assert run_cli("verify").code == 0
    assert run_cli("status").code == 0

    # Two destinations on one device count once, and status says so.
    _add_dest("usb-again", devices["usb"] / "second", "--media", "external")
    assert run_cli("backup").code == 0
    again = {i["item"]: i for i in run_cli("status", "--json").json()["items"]}
    twin = [c for c in again["main wallet"]["not_counted"] if c["name"] == "usb-again"]
    assert twin and twin[0]["code"] == "same-place"
    assert "'usb'" in twin[0]["reason"] and "one place, one copy" in twin[0]["reason"]
    human = run_cli("status").stdout
    assert "usb-again: on the same filesystem as 'usb': one place, one copy" in human


def test_unmounted_destination_is_missing_and_nothing_is_written(
    kv_home: Path, tmp_path: Path, devices: dict[str, Path]
) -> None:
    init_vault(kv_home, tmp_path)
    _protect_three_items(kv_home, devices["disk"])
    mount_point = tmp_path / "stick"
    with tmpfs(mount_point, "4m"):
        _add_dest("stick", mount_point, "--media", "external")
        _add_dest("usb", devices["usb"] / "kv", "--media", "external")
        assert run_cli("backup").code in (0, 3)
    # The drive is gone: its mount point is an empty folder on the internal disk.
    assert mount_point.is_dir() and list(mount_point.iterdir()) == []
    report = run_cli("backup", "--json")
    assert report.code in (0, 3), report.stderr
    dests = {d["name"]: d for d in report.json()["destinations"]}
    assert dests["stick"]["state"] == "missing"
    assert "not available" in dests["stick"]["message"]
    assert dests["usb"]["state"] == "ok"
    assert list(mount_point.iterdir()) == []
    human = run_cli("backup")
    assert "-> stick: MISSING" in human.stdout
    verify = run_cli("verify")
    assert "stick: NOT AVAILABLE" in verify.stdout
    assert list(mount_point.iterdir()) == []
    explicit = run_cli("verify", "--dest", "stick")
    assert explicit.code == 1 and "not available" in explicit.stderr


def test_full_destination_gives_a_clear_error_and_keeps_the_previous_version(
    kv_home: Path, tmp_path: Path, devices: dict[str, Path]
) -> None:
    init_vault(kv_home, tmp_path)
    wallet = devices["disk"] / "wallet.dat"
    wallet.write_bytes(b"first version")
    assert run_cli("add", str(wallet)).code == 0
    with tmpfs(tmp_path / "small", "128k") as small:
        _add_dest("small", small, "--media", "external")
        assert run_cli("backup").code in (0, 3)
        folder = vault_folder(small, kv_home)
        before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
        wallet.write_bytes(os.urandom(400_000))
        full = run_cli("backup", "--json")
        assert full.code == 1
        dest = full.json()["destinations"][0]
        assert dest["state"] == "full"
        assert "is full" in dest["message"] and "previous backup is intact" in dest["message"]
        human = run_cli("backup")
        assert "FULL: destination 'small' is full" in human.stdout
        after = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
        assert after == before
        assert run_cli("verify", "--dest", "small").code == 0
        out = tmp_path / "restored.dat"
        restored = run_cli("restore", "wallet.dat", "--version", "1", "-o", str(out), env=ENV)
        assert restored.code == 0, restored.stderr
        assert out.read_bytes() == b"first version"
        leftovers = [p for p in small.rglob("*") if ".kv-tmp-" in p.name]
        assert leftovers == []


def test_restore_never_overwrites_without_force(
    kv_home: Path, tmp_path: Path, devices: dict[str, Path]
) -> None:
    init_vault(kv_home, tmp_path)
    wallet = _protect_three_items(kv_home, devices["disk"])
    _add_dest("usb", devices["usb"] / "kv", "--media", "external")
    assert run_cli("backup").code in (0, 3)
    out = tmp_path / "out.dat"
    out.write_bytes(b"precious")
    refused = run_cli("restore", "main wallet", "-o", str(out), env=ENV)
    assert refused.code == 1 and "already exists" in refused.stderr
    assert out.read_bytes() == b"precious"
    forced = run_cli("restore", "main wallet", "-o", str(out), "--force", env=ENV)
    assert forced.code == 0, forced.stderr
    assert out.read_bytes() == wallet.read_bytes()
    assert oct(out.stat().st_mode & 0o777) == oct(0o600)
    folder_out = tmp_path / "ks"
    assert run_cli("restore", "keystore", "-o", str(folder_out), env=ENV).code == 0
    assert (folder_out / "UTC--2026--abc").read_bytes() == b"KEYSTORE JSON"
    wrong = run_cli(
        "restore",
        "keystore",
        "-o",
        str(tmp_path / "x"),
        env={"KEYVAULT_PASSPHRASE": "not the passphrase"},
    )
    assert wrong.code == 1 and "passphrase" in wrong.stderr
