"""Crash safety: ``keyvault backup`` killed with SIGKILL at random points of its progress.

After every kill each destination must still hold a complete version (the previous
one or the new one): its manifest decrypts and is authentic, every object it lists is
there with its recorded sha256, and each item's newest version is either what was
backed up before or the new content. Then the next run completes and leaves the new
content everywhere.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from keyvault.backup.manifest import decrypt_manifest
from keyvault.crypto.vaultkey import derive_manifest_mac_key

from .helpers import run_cli
from .test_backup_support import add_local_dest, init_vault, vault_folder, vault_identity

TRIALS = 50


def _snapshot_sha(path: Path) -> str:
    from keyvault.backup.snapshot import snapshot_digest

    return snapshot_digest(path).sha256


def _entries(folders: list[Path]) -> set[Path]:
    """Every entry in ``folders`` now (an absent folder has none)."""
    return {entry for folder in folders if folder.is_dir() for entry in folder.iterdir()}


@pytest.mark.slow
# 50 killed runs, each a real CLI process: about 3 minutes alone, far more on a shared
# machine; the suite-wide 300 s limit is for a hang, not for this test.
@pytest.mark.timeout(1200)
def test_sigkill_at_random_points_never_breaks_a_destination(kv_home: Path, tmp_path: Path) -> None:
    rng = random.Random(20261128)
    init_vault(kv_home, tmp_path)
    src = tmp_path / "src"
    src.mkdir()
    files = [src / f"wallet{i}.dat" for i in range(4)]
    for path in files:
        path.write_bytes(os.urandom(150_000))
        assert run_cli("add", str(path)).code == 0
    folder = src / "keys"
    folder.mkdir()
    for i in range(5):
        (folder / f"key{i}").write_bytes(os.urandom(20_000))
    assert run_cli("add", str(folder)).code == 0
    dests = [tmp_path / "d1", tmp_path / "d2"]
    for i, dest in enumerate(dests):
        add_local_dest(kv_home, f"d{i + 1}", dest)
    assert run_cli("backup").code in (0, 3)

    identity = vault_identity(kv_home)
    mac_key = derive_manifest_mac_key(identity)
    items = {path.name: path for path in [*files, folder]}
    env = dict(os.environ, KEYVAULT_HOME=str(kv_home))
    killed_mid_run = 0
    last_generation = {d: 0 for d in dests}
    objects = [vault_folder(dest, kv_home) / "objects" for dest in dests]

    for trial in range(TRIALS):
        before = {name: _snapshot_sha(path) for name, path in items.items()}
        changed = rng.sample(files, rng.randint(1, 3))
        for path in changed:
            path.write_bytes(os.urandom(rng.randint(300_000, 2_000_000)))
        folder_changed = rng.random() < 0.5
        if folder_changed:
            (folder / f"key{rng.randrange(5)}").write_bytes(os.urandom(20_000))
        after = {name: _snapshot_sha(path) for name, path in items.items()}

        # Kill at a point of the run's progress, not of the clock: once the k-th new entry
        # (an object or its temporary file) shows up at the destinations. Every changed
        # item leaves one new object per destination before any manifest is replaced,
        # so the kill lands inside the run on any machine, fast or slow.
        new_objects = (len(changed) + folder_changed) * len(dests)
        kill_after = rng.randint(1, new_objects)
        old = _entries(objects)
        proc = subprocess.Popen(
            [sys.executable, "-m", "keyvault_cli", "backup"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        seen: set[Path] = set()
        while proc.poll() is None:
            seen |= _entries(objects) - old
            if len(seen) >= kill_after:
                os.kill(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.001)
        if proc.wait() == -signal.SIGKILL:
            killed_mid_run += 1

        for dest in dests:
            vault_dir = vault_folder(dest, kv_home)
            manifest = decrypt_manifest(
                (vault_dir / "manifest.age").read_bytes(), [identity], mac_key
            )
            assert manifest.generation >= last_generation[dest], trial
            last_generation[dest] = manifest.generation
            for entry in manifest.items:
                for version in entry.versions:
                    stored = vault_dir / "objects" / f"{version.object_id}.age"
                    data = stored.read_bytes()
                    assert hashlib.sha256(data).hexdigest() == version.stored_sha256, trial
                newest = entry.newest()
                assert newest is not None
                assert newest.sha256 in (before[entry.name], after[entry.name]), (trial, entry.name)

        finished = run_cli("backup", "--json")
        assert finished.code in (0, 3), (trial, finished.stdout, finished.stderr)
        assert not finished.json()["failed"], (trial, finished.stdout)
        for dest in dests:
            vault_dir = vault_folder(dest, kv_home)
            manifest = decrypt_manifest(
                (vault_dir / "manifest.age").read_bytes(), [identity], mac_key
            )
            for entry in manifest.items:
                assert entry.newest().sha256 == after[entry.name], trial  # type: ignore[union-attr]
        if trial % 10 == 9:
            assert run_cli("verify").code == 0, trial

    # The kills must land inside runs for the test to mean something (a run can only end
    # first when the last new object appears just before the kill: manifests remain).
    assert killed_mid_run >= TRIALS // 2
    assert not list((kv_home / "spool").glob("*")) if (kv_home / "spool").exists() else True
