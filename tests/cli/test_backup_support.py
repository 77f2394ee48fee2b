"""Shared helpers for the backup CLI tests (no tests here).

A vault is created through the library with the lowest scrypt work factor keyvault
accepts, so each test pays about a quarter second for it; everything after that goes
through the real CLI in a subprocess.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

from keyvault.crypto import X25519Identity
from keyvault.destinations.local import create_marker
from keyvault.secret import Secret
from keyvault.vault.config import DestinationConfig, load_config, save_config
from keyvault.vault.keystore import create_vault

PASSPHRASE = "correct horse battery staple for tests"
TEST_WORK_FACTOR = 16
PHRASE = "legal winner thank year wave sausage worth useful legal winner thank yellow"


def make_vault(home: Path) -> tuple[str, X25519Identity]:
    """Create a vault in ``home``; returns (vault id, identity)."""
    section, identity = create_vault(home, Secret(PASSPHRASE), work_factor=TEST_WORK_FACTOR)
    return section.id, identity


def add_local_dest(
    home: Path,
    name: str,
    path: Path,
    *,
    media: str = "external",
    offsite: bool = False,
    offline: bool = False,
) -> None:
    """What ``keyvault dest add local`` records (marker, config), done through the library
    so these tests do not depend on the ``dest`` command's options."""
    config = load_config(home)
    vault = config.require_vault()
    path.mkdir(parents=True, exist_ok=True)
    create_marker(path, vault.id, vault.created)
    config.destinations.append(
        DestinationConfig(
            name=name,
            type="local",
            media=media,
            offsite=offsite,
            offline=offline,
            options={"path": str(path)},
        )
    )
    save_config(home, config)


def can_mount() -> bool:
    """True when this process may mount a tmpfs (root in CI)."""
    if os.geteuid() != 0:
        return False
    probe = Path("/tmp") / f"kv-mount-probe-{os.getpid()}"
    probe.mkdir(exist_ok=True)
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)],
            capture_output=True,
        )
        if done.returncode != 0:
            return False
        subprocess.run(["umount", str(probe)], check=True)
        return True
    finally:
        with contextlib.suppress(OSError):
            probe.rmdir()


@contextlib.contextmanager
def tmpfs(path: Path, size: str = "8m") -> Iterator[Path]:
    """Mount a fresh tmpfs of ``size`` at ``path`` (a separate device) for the block."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def all_files(root: Path) -> list[Path]:
    """Every file under ``root``."""
    return sorted(p for p in root.rglob("*") if p.is_file())
