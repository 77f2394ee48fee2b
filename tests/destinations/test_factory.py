"""open_destination: config entries become destinations, bad entries typed errors."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from keyvault.destinations.factory import open_destination
from keyvault.destinations.local import LocalDestination, create_marker
from keyvault.destinations.memory import MemoryDestination
from keyvault.errors import ConfigError, DestinationUnavailableError, VaultNotInitializedError
from keyvault.vault.config import Config, DestinationConfig, VaultSection, save_config

VAULT = VaultSection(id="a1b2c3d4", recipient="age1example", created="2026-01-01T00:00:00Z")


def _home_with_vault(home: Path) -> Path:
    save_config(home, Config(vault=VAULT))
    return home


def test_local_destination_from_config(kv_home: Path, tmp_path: Path) -> None:
    _home_with_vault(kv_home)
    create_marker(tmp_path, VAULT.id, VAULT.created)
    cfg = DestinationConfig(
        "usb", "local", "external", offsite=True, offline=True, options={"path": str(tmp_path)}
    )
    dest = open_destination(cfg, kv_home)
    assert isinstance(dest, LocalDestination)
    assert (dest.name, dest.media, dest.offsite, dest.offline, dest.immutable) == (
        "usb",
        "external",
        True,
        True,
        False,
    )
    assert dest.path == tmp_path and dest.vault_id == VAULT.id
    dest.check_available()


def test_recorded_uuid_is_enforced(kv_home: Path, tmp_path: Path) -> None:
    _home_with_vault(kv_home)
    create_marker(tmp_path, VAULT.id, VAULT.created)
    cfg = DestinationConfig(
        "usb", "local", "external", options={"path": str(tmp_path), "fs_uuid": "not-this-one"}
    )
    with pytest.raises(DestinationUnavailableError):
        open_destination(cfg, kv_home).check_available()


def test_missing_drive_still_opens(kv_home: Path, tmp_path: Path) -> None:
    _home_with_vault(kv_home)
    cfg = DestinationConfig("usb", "local", "external", options={"path": str(tmp_path / "no")})
    dest = open_destination(cfg, kv_home)
    with pytest.raises(DestinationUnavailableError):
        dest.check_available()


def test_vault_id_option_opens_without_a_vault(kv_home: Path, tmp_path: Path) -> None:
    create_marker(tmp_path, "recovered", VAULT.created)
    cfg = DestinationConfig(
        "src", "local", "internal", options={"path": str(tmp_path), "vault_id": "recovered"}
    )
    open_destination(cfg, kv_home).check_available()
    del cfg.options["vault_id"]
    with pytest.raises(VaultNotInitializedError):
        open_destination(cfg, kv_home)


@pytest.mark.parametrize(
    "cfg",
    [
        DestinationConfig("x", "local", "internal", options={}),
        DestinationConfig("x", "local", "floppy", options={"path": "/tmp"}),
        DestinationConfig("x", "ftp", "internal", options={"path": "/tmp"}),
    ],
)
def test_bad_entries_are_config_errors(kv_home: Path, cfg: DestinationConfig) -> None:
    _home_with_vault(kv_home)
    with pytest.raises(ConfigError):
        open_destination(cfg, kv_home)


def test_b2_without_b2_support_is_a_config_error(
    kv_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "keyvault.destinations.b2", None)
    cfg = DestinationConfig("cloud", "b2", "cloud", offsite=True, options={"bucket": "b"})
    with pytest.raises(ConfigError, match="B2 support"):
        open_destination(cfg, kv_home)


def test_b2_is_delegated_to_the_b2_module(kv_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[DestinationConfig, Path]] = []
    module = types.ModuleType("keyvault.destinations.b2")

    def open_b2_destination(cfg: DestinationConfig, home: Path) -> MemoryDestination:
        calls.append((cfg, home))
        return MemoryDestination(cfg.name, "cloud", True)

    module.open_b2_destination = open_b2_destination  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyvault.destinations.b2", module)
    cfg = DestinationConfig("cloud", "b2", "cloud", offsite=True, options={"bucket": "b"})
    dest = open_destination(cfg, kv_home)
    assert dest.name == "cloud" and calls == [(cfg, kv_home)]
