"""Per-OS folders where wallet programs keep their data.

A scanner (:mod:`.scanners`) names its default places as templates such as
``"APPDATA/Bitcoin"`` or ``"HOME/.bitcoin"``: the first part names a base folder of the
platform, the rest is joined under it. :func:`base_folders` says which base folders a
platform has, for a given home folder and environment (``APPDATA``, ``LOCALAPPDATA``,
``XDG_CONFIG_HOME``, ``XDG_DATA_HOME`` override their defaults), so tests can lay out a
Windows or macOS home on Linux. Pure: nothing here touches the disk.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

__all__ = ["Platform", "base_folders", "current_platform", "resolve"]

Platform = Literal["linux", "darwin", "windows"]


def current_platform() -> Platform:
    """This machine's platform in discovery's terms."""
    if sys.platform == "win32":
        return "windows"
    if sys.platform == "darwin":
        return "darwin"
    return "linux"


def base_folders(platform: Platform, home: Path, env: Mapping[str, str]) -> dict[str, Path]:
    """The base folders a template may start with on ``platform``; ``ValueError`` for an
    unknown platform."""

    def env_dir(name: str, default: Path) -> Path:
        value = env.get(name)
        return Path(value) if value else default

    if platform == "windows":
        return {
            "HOME": home,
            "APPDATA": env_dir("APPDATA", home / "AppData" / "Roaming"),
            "LOCALAPPDATA": env_dir("LOCALAPPDATA", home / "AppData" / "Local"),
        }
    if platform == "darwin":
        return {"HOME": home, "SUPPORT": home / "Library" / "Application Support"}
    if platform == "linux":
        return {
            "HOME": home,
            "XDG_CONFIG_HOME": env_dir("XDG_CONFIG_HOME", home / ".config"),
            "XDG_DATA_HOME": env_dir("XDG_DATA_HOME", home / ".local" / "share"),
        }
    raise ValueError(f"unknown platform {platform!r}")


def resolve(template: str, folders: Mapping[str, Path]) -> Path:
    """``"APPDATA/Exodus/exodus.wallet"`` -> the folder under that base folder."""
    base, *parts = template.split("/")
    return folders[base].joinpath(*parts)
