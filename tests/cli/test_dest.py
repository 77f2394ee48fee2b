"""``keyvault dest``: end to end through the real CLI, with real folders and mounts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from keyvault.destinations import mounts
from keyvault.vault.config import (
    Config,
    DestinationConfig,
    VaultSection,
    load_config,
    save_config,
)

from ..destinations.local_fixtures import make_ext4_image, mounted_ext4, mounted_tmpfs
from .helpers import run_cli

VAULT = VaultSection(id="5e1f0c2a9b7d4e31", recipient="age1example", created="2026-01-01T00:00Z")


def _init_vault(home: Path) -> None:
    # Written directly: 'keyvault init' belongs to another part of the project.
    save_config(home, Config(vault=VAULT))


def test_add_needs_an_initialized_vault(kv_home: Path, tmp_path: Path) -> None:
    result = run_cli("--json", "dest", "add", "local", "usb", str(tmp_path), home=kv_home)
    assert result.code == 1
    assert result.json()["error"]["type"] == "VaultNotInitializedError"
    assert not (tmp_path / "keyvault").exists()


def test_add_local_writes_the_marker_and_the_config(kv_home: Path, tmp_path: Path) -> None:
    _init_vault(kv_home)
    folder = tmp_path / "backups"
    folder.mkdir()
    result = run_cli("dest", "add", "local", "home-disk", str(folder), "--json", home=kv_home)
    assert result.code == 0, result.stderr
    document = result.json()
    assert document["added"]["name"] == "home-disk"
    assert document["added"]["media"] == mounts.guess_media(folder) == "internal"
    marker = folder / "keyvault" / VAULT.id / "vault.json"
    assert Path(document["marker"]) == marker
    facts = json.loads(marker.read_text())
    assert set(facts) == {"keyvault", "format", "vault_id", "created"}
    assert facts["vault_id"] == VAULT.id
    (entry,) = load_config(kv_home).destinations
    assert (entry.name, entry.type, entry.media, entry.offsite, entry.offline) == (
        "home-disk",
        "local",
        "internal",
        False,
        False,
    )
    assert entry.options["path"] == str(folder.resolve())
    assert entry.options.get("fs_uuid") == mounts.filesystem_uuid(folder)


def test_add_with_media_and_flags(kv_home: Path, tmp_path: Path) -> None:
    _init_vault(kv_home)
    result = run_cli(
        "dest", "add", "local", "vault-usb", str(tmp_path),
        "--media", "external", "--offsite", "--offline",
        home=kv_home,
    )  # fmt: skip
    assert result.code == 0, result.stderr
    assert "added destination 'vault-usb'" in result.stdout
    (entry,) = load_config(kv_home).destinations
    assert (entry.media, entry.offsite, entry.offline) == ("external", True, True)


def test_add_refuses_duplicates_missing_folders_and_bad_input(
    kv_home: Path, tmp_path: Path
) -> None:
    _init_vault(kv_home)
    first = tmp_path / "a"
    first.mkdir()
    assert run_cli("dest", "add", "local", "a", str(first), home=kv_home).code == 0
    again = run_cli("--json", "dest", "add", "local", "a", str(tmp_path), home=kv_home)
    assert (again.code, again.json()["error"]["type"]) == (1, "AlreadyExistsError")
    same = run_cli("--json", "dest", "add", "local", "b", str(first), home=kv_home)
    assert (same.code, same.json()["error"]["type"]) == (1, "AlreadyExistsError")
    missing = run_cli("--json", "dest", "add", "local", "c", str(tmp_path / "nope"), home=kv_home)
    assert (missing.code, missing.json()["error"]["type"]) == (1, "NotFoundError")
    assert "mount" in missing.json()["error"]["hint"]
    assert not (tmp_path / "nope").exists()
    assert run_cli("dest", "add", "local", "bad name!", str(tmp_path), home=kv_home).code == 2
    assert run_cli("dest", "add", "local", "-x", str(tmp_path), home=kv_home).code == 2
    media = run_cli("dest", "add", "local", "d", str(tmp_path), "--media", "cloud", home=kv_home)
    assert media.code == 2
    assert [d.name for d in load_config(kv_home).destinations] == ["a"]


def test_list_shows_present_and_missing(kv_home: Path, tmp_path: Path) -> None:
    _init_vault(kv_home)
    disk, usb = tmp_path / "disk", tmp_path / "usb"
    disk.mkdir()
    usb.mkdir()
    assert run_cli("dest", "add", "local", "disk", str(disk), home=kv_home).code == 0
    assert run_cli("dest", "add", "local", "usb", str(usb), home=kv_home).code == 0
    (usb / "keyvault" / VAULT.id / "vault.json").unlink()
    result = run_cli("dest", "list", "--json", home=kv_home)
    assert result.code == 0
    rows = {row["name"]: row for row in result.json()["destinations"]}
    assert rows["disk"]["present"] is True and rows["disk"]["reason"] is None
    assert rows["usb"]["present"] is False
    assert "no keyvault marker" in rows["usb"]["reason"]
    human = run_cli("dest", "list", home=kv_home)
    assert "disk  present" in human.stdout
    assert "usb  MISSING" in human.stdout


def test_list_when_empty(kv_home: Path) -> None:
    _init_vault(kv_home)
    result = run_cli("dest", "list", home=kv_home)
    assert result.code == 0 and "no destinations yet" in result.stdout


def test_unmounted_drive_is_missing_and_its_mount_point_stays_empty(
    kv_home: Path, tmp_path: Path
) -> None:
    _init_vault(kv_home)
    mount_point = tmp_path / "media" / "usb"
    with mounted_tmpfs(mount_point, "1m"):
        added = run_cli("dest", "add", "local", "usb", str(mount_point), home=kv_home)
        assert added.code == 0, added.stderr
        present = run_cli("--json", "dest", "list", home=kv_home).json()["destinations"]
        assert present[0]["present"] is True
    assert os.listdir(mount_point) == []
    (row,) = run_cli("--json", "dest", "list", home=kv_home).json()["destinations"]
    assert row["present"] is False
    assert os.listdir(mount_point) == []


def test_add_records_the_filesystem_uuid_and_another_drive_is_missing(
    kv_home: Path, tmp_path: Path
) -> None:
    _init_vault(kv_home)
    first, second = tmp_path / "a.img", tmp_path / "b.img"
    make_ext4_image(first, "aaaaaaaa-1111-4222-8333-444444444444")
    make_ext4_image(second, "bbbbbbbb-1111-4222-8333-444444444444")
    mount_point = tmp_path / "mnt"
    with mounted_ext4(first, mount_point):
        assert run_cli("dest", "add", "local", "usb", str(mount_point), home=kv_home).code == 0
    (entry,) = load_config(kv_home).destinations
    if "fs_uuid" not in entry.options:
        pytest.skip("the OS does not tell filesystem UUIDs here (no udev, no blkid)")
    assert entry.options["fs_uuid"] == "aaaaaaaa-1111-4222-8333-444444444444"
    with mounted_ext4(second, mount_point):
        # A clone of the marker on another filesystem is not the destination.
        clone = mount_point / "keyvault" / VAULT.id
        clone.mkdir(parents=True)
        (clone / "vault.json").write_text(
            json.dumps({"format": 1, "vault_id": VAULT.id, "created": "x"})
        )
        (row,) = run_cli("--json", "dest", "list", home=kv_home).json()["destinations"]
        assert row["present"] is False
        assert "another filesystem" in row["reason"]


def test_remove_forgets_the_destination_and_keeps_its_data(kv_home: Path, tmp_path: Path) -> None:
    _init_vault(kv_home)
    assert run_cli("dest", "add", "local", "disk", str(tmp_path), home=kv_home).code == 0
    result = run_cli("--json", "dest", "remove", "disk", home=kv_home)
    assert result.code == 0
    assert result.json()["removed"]["name"] == "disk"
    assert load_config(kv_home).destinations == []
    assert (tmp_path / "keyvault" / VAULT.id / "vault.json").exists()
    unknown = run_cli("--json", "dest", "remove", "disk", home=kv_home)
    assert (unknown.code, unknown.json()["error"]["type"]) == (1, "NotFoundError")


def test_set_changes_offline_offsite_and_media(kv_home: Path, tmp_path: Path) -> None:
    _init_vault(kv_home)
    assert run_cli("dest", "add", "local", "usb", str(tmp_path), home=kv_home).code == 0
    result = run_cli(
        "--json",
        "dest",
        "set",
        "usb",
        "--offline",
        "--offsite",
        "--media",
        "external",
        home=kv_home,
    )
    assert result.code == 0, result.stderr
    document = result.json()
    assert document["changed"] == ["media", "offsite", "offline"]
    assert document["updated"]["name"] == "usb"
    (entry,) = load_config(kv_home).destinations
    assert (entry.media, entry.offsite, entry.offline) == ("external", True, True)
    (row,) = run_cli("--json", "dest", "list", home=kv_home).json()["destinations"]
    assert (row["media"], row["offsite"], row["offline"]) == ("external", True, True)
    human = run_cli("dest", "set", "usb", "--online", "--onsite", home=kv_home)
    assert human.code == 0
    assert "changed offsite, offline; now external" in human.stdout
    (entry,) = load_config(kv_home).destinations
    assert (entry.offsite, entry.offline) == (False, False)


def test_set_refuses_unknown_names_b2_media_and_nothing_to_change(
    kv_home: Path, tmp_path: Path
) -> None:
    _init_vault(kv_home)
    unknown = run_cli("--json", "dest", "set", "usb", "--offline", home=kv_home)
    assert (unknown.code, unknown.json()["error"]["type"]) == (1, "NotFoundError")
    config = load_config(kv_home)
    config.destinations.append(DestinationConfig("cloud", "b2", "cloud", True, False, {}))
    save_config(kv_home, config)
    before = (kv_home / "config.toml").read_bytes()
    refused = run_cli("--json", "dest", "set", "cloud", "--media", "external", home=kv_home)
    assert refused.code == 2
    assert refused.json()["error"]["type"] == "InvalidValueError"
    assert "cannot be 'external'" in refused.json()["error"]["message"]
    empty = run_cli("dest", "set", "cloud", home=kv_home)
    assert empty.code == 2 and "say what to change" in empty.stderr
    bad = run_cli("dest", "set", "cloud", "--media", "floppy", home=kv_home)
    assert bad.code == 2
    assert (kv_home / "config.toml").read_bytes() == before


def test_add_help_lists_local(kv_home: Path) -> None:
    result = run_cli("dest", "add", "--help", home=kv_home)
    assert result.code == 0
    assert "local" in result.stdout
