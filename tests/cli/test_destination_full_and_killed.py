"""Issue 12 on real parts: a small filesystem that fills up, and ``kill -9`` during restore.

- A 512 KiB tmpfs destination and an item that changes on every run: every run stores the
  newest version (older ones are pruned to make room) and ``restore`` returns it.
- ``restore`` killed with SIGKILL at several points: after the next ``restore`` into the
  same folder, nothing but the complete file is there.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .helpers import run_cli
from .test_backup_support import PASSPHRASE, add_local_dest, can_mount, init_vault, tmpfs

ENV = {"KEYVAULT_PASSPHRASE": PASSPHRASE}


@pytest.mark.skipif(not can_mount(), reason="needs root to mount a tmpfs")
def test_a_full_destination_always_takes_the_newest_version(kv_home: Path, tmp_path: Path) -> None:
    init_vault(kv_home, tmp_path)
    item = tmp_path / "wallet.dat"
    item.write_bytes(os.urandom(100_000))
    assert run_cli("add", str(item), "--name", "w").code == 0
    with tmpfs(tmp_path / "small", "512k") as small:
        add_local_dest(kv_home, "small", small)
        for run in range(8):
            item.write_bytes(os.urandom(100_000))
            done = run_cli("backup", "--json")
            assert "Traceback" not in done.stderr, done.stderr
            d0 = done.json()["destinations"][0]
            assert d0["state"] == "ok", (run, d0)
            out = tmp_path / f"restored-{run}"
            restored = run_cli("restore", "w", "-o", str(out), env=ENV)
            assert restored.code == 0, restored.stderr
            assert out.read_bytes() == item.read_bytes(), f"run {run}: not the newest"


@pytest.mark.parametrize("delay", [0.3, 0.6, 0.9, 1.2, 1.5])
def test_a_killed_restore_leaves_nothing_after_the_next_one(
    kv_home: Path, tmp_path: Path, delay: float
) -> None:
    init_vault(kv_home, tmp_path)
    item = tmp_path / "wallet.dat"
    item.write_bytes(os.urandom(48 << 20))
    assert run_cli("add", str(item), "--name", "w").code == 0
    add_local_dest(kv_home, "usb", tmp_path / "usb")
    assert run_cli("backup").code in (0, 3)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    env = dict(os.environ, KEYVAULT_HOME=str(kv_home), **ENV)
    proc = subprocess.Popen(
        [sys.executable, "-m", "keyvault_cli", "restore", "w", "-o", str(out_dir / "w")],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    again = run_cli("restore", "w", "-o", str(out_dir / "w"), "--force", env=ENV)
    assert again.code == 0, again.stderr
    assert [p.name for p in out_dir.iterdir()] == ["w"]
    assert (out_dir / "w").read_bytes() == item.read_bytes()
