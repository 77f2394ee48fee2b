"""Real mounts for tests: small tmpfs and ext4 loop filesystems (CI runs as root).

Where mounting is refused (not root, no loop devices), the calling test is skipped with
the reason; it never passes silently.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

__all__ = ["mounted_ext4", "mounted_tmpfs", "unmount"]


def _require_root(what: str) -> None:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip(f"mounting {what} needs root (CI runs as root)")


def _mount(arguments: list[str], what: str) -> None:
    """Run ``mount arguments``; skip the test when the system refuses (no privilege here)."""
    result = subprocess.run(["mount", *arguments], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"mounting {what} was refused: {result.stderr.strip()}")


def unmount(where: Path) -> None:
    """Unmount ``where`` (lazily if it is busy)."""
    result = subprocess.run(["umount", str(where)], capture_output=True, text=True)
    if result.returncode != 0:
        subprocess.run(["umount", "-l", str(where)], capture_output=True, text=True)


@contextlib.contextmanager
def mounted_tmpfs(where: Path, size: str = "1m", *, options: str = "") -> Iterator[Path]:
    """Mount a fresh tmpfs of ``size`` at ``where`` (created if missing) for the block."""
    _require_root("a tmpfs")
    where.mkdir(parents=True, exist_ok=True)
    all_options = f"size={size}" + (f",{options}" if options else "")
    _mount(["-t", "tmpfs", "-o", all_options, "tmpfs", str(where)], "a tmpfs")
    try:
        yield where
    finally:
        unmount(where)


def make_ext4_image(image: Path, uuid: str, size_mb: int = 4) -> None:
    """An ext4 filesystem image with the given UUID (skips when mkfs.ext4 is missing)."""
    if shutil.which("mkfs.ext4") is None:
        pytest.skip("mkfs.ext4 is not installed")
    with open(image, "wb") as handle:
        handle.truncate(size_mb * 1024 * 1024)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-U", uuid, str(image)], check=True)


@contextlib.contextmanager
def mounted_ext4(image: Path, where: Path) -> Iterator[Path]:
    """Mount an ext4 image through a loop device at ``where`` for the block."""
    _require_root("a loop device")
    where.mkdir(parents=True, exist_ok=True)
    _mount(["-o", "loop", str(image), str(where)], "a loop device")
    try:
        yield where
    finally:
        unmount(where)
