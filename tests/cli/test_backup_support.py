"""Shared helpers for the backup CLI tests (no tests here).

A vault is created through the library with the lowest scrypt work factor keyvault
accepts, so each test pays about a quarter second for it; everything after that goes
through the real CLI in a subprocess.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from keyvault.crypto import X25519Identity
from keyvault.destinations.local import create_marker
from keyvault.secret import Secret
from keyvault.vault.config import DestinationConfig, load_config, save_config
from keyvault.vault.keystore import create_vault

from ..destinations.local_fixtures import mounted_tmpfs

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


def tmpfs(path: Path, size: str = "8m") -> contextlib.AbstractContextManager[Path]:
    """Mount a fresh tmpfs of ``size`` at ``path`` (a separate device) for the block."""
    return mounted_tmpfs(path, size)


def needs_separate_devices() -> pytest.MarkDecorator:
    """The ``pytestmark`` of a module whose tests mount tmpfs filesystems (root only)."""
    return pytest.mark.skipif(
        not can_mount(), reason="mounting a tmpfs was refused (needs root): no separate devices"
    )


@contextlib.contextmanager
def separate_devices(
    tmp_path: Path, names: Sequence[str], size: str = "8m"
) -> Iterator[dict[str, Path]]:
    """One fresh tmpfs of ``size`` per name, mounted at ``tmp_path / name``, for the block."""
    with contextlib.ExitStack() as stack:
        yield {name: stack.enter_context(tmpfs(tmp_path / name, size)) for name in names}


def all_files(root: Path) -> list[Path]:
    """Every file under ``root``."""
    return sorted(p for p in root.rglob("*") if p.is_file())


def init_vault(home: Path, workdir: Path) -> Path:
    """``keyvault init`` through the CLI with a cheap work factor; returns the passphrase file."""
    from .helpers import run_cli

    passphrase_file = workdir / "passphrase.txt"
    passphrase_file.write_text(PASSPHRASE + "\n")
    done = run_cli(
        "init",
        "--work-factor",
        str(TEST_WORK_FACTOR),
        "--passphrase-file",
        str(passphrase_file),
        home=home,
    )
    assert done.code == 0, done.stderr
    return passphrase_file


def vault_identity(home: Path) -> X25519Identity:
    """The vault key, unlocked with the test passphrase."""
    from keyvault.vault.keystore import unlock_vault_key

    return unlock_vault_key(home, Secret(PASSPHRASE))


def vault_folder(dest_root: Path, home: Path) -> Path:
    """``<dest_root>/keyvault/<vault-id>``."""
    return dest_root / "keyvault" / load_config(home).require_vault().id


def manifest_of(dest_root: Path, home: Path) -> dict[str, object]:
    """The decrypted, authenticated manifest at a destination folder, as a dict."""
    from dataclasses import asdict

    from keyvault.backup.manifest import decrypt_manifest
    from keyvault.crypto.vaultkey import derive_manifest_mac_key

    identity = vault_identity(home)
    data = (vault_folder(dest_root, home) / "manifest.age").read_bytes()
    manifest = decrypt_manifest(data, [identity], derive_manifest_mac_key(identity))
    return asdict(manifest)


def object_path(dest_root: Path, home: Path, item: str) -> Path:
    """The file of ``item``'s newest version at a destination folder."""
    manifest = manifest_of(dest_root, home)
    for entry in manifest["items"]:  # type: ignore[attr-defined]
        if entry["name"] == item:
            newest = max(entry["versions"], key=lambda v: v["version"])
            return vault_folder(dest_root, home) / "objects" / f"{newest['object_id']}.age"
    raise KeyError(item)


def flip_byte(path: Path, offset: int) -> None:
    """Flip one bit of ``path`` at ``offset`` (modulo its size), in place."""
    data = bytearray(path.read_bytes())
    data[offset % len(data)] ^= 0x01
    path.write_bytes(bytes(data))
