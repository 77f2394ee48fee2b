"""Per-OS base folders and the templates scanners name their places with."""

from __future__ import annotations

from pathlib import Path

import pytest

from keyvault.wallets.locations import base_folders, current_platform, resolve


def test_base_folders_per_platform_and_their_overrides(tmp_path: Path) -> None:
    home = tmp_path / "h"
    assert base_folders("windows", home, {}) == {
        "HOME": home,
        "APPDATA": home / "AppData" / "Roaming",
        "LOCALAPPDATA": home / "AppData" / "Local",
    }
    assert base_folders("windows", home, {"APPDATA": "/r", "LOCALAPPDATA": ""})["APPDATA"] == (
        Path("/r")
    )
    assert base_folders("darwin", home, {"XDG_DATA_HOME": "/ignored"}) == {
        "HOME": home,
        "SUPPORT": home / "Library" / "Application Support",
    }
    linux = base_folders("linux", home, {"XDG_CONFIG_HOME": "/c"})
    assert linux == {
        "HOME": home,
        "XDG_CONFIG_HOME": Path("/c"),
        "XDG_DATA_HOME": home / ".local" / "share",
    }


def test_resolve_and_unknown_names(tmp_path: Path) -> None:
    folders = base_folders("linux", tmp_path, {})
    assert resolve("HOME/.walletwasabi/client", folders) == tmp_path / ".walletwasabi" / "client"
    with pytest.raises(KeyError):
        resolve("APPDATA/Bitcoin", folders)  # Linux has no APPDATA
    with pytest.raises(ValueError, match="unknown platform"):
        base_folders("plan9", tmp_path, {})  # type: ignore[arg-type]
    assert current_platform() in ("linux", "darwin", "windows")
