"""Writing to a full or read-only disk, through the real CLI: a typed error, no traceback.

The output disks are real small tmpfs mounts (the test is skipped where mounting is
refused); the source of each command stays intact.
"""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import pytest

from ..destinations.local_fixtures import mounted_tmpfs
from .helpers import Result, run_cli
from .test_backup_support import PASSPHRASE, add_local_dest, init_vault

ENV = {"KEYVAULT_PASSPHRASE": PASSPHRASE}
PHRASE = "legal winner thank year wave sausage worth useful legal winner thank yellow"


def _typed(result: Result, error_type: str) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.code == 1, (result.stdout, result.stderr)
    error = result.json()["error"]
    assert error["type"] == error_type, error
    return str(error["message"])


def _backed_up_wallet(kv_home: Path, tmp_path: Path, size: int) -> Path:
    init_vault(kv_home, tmp_path)
    wallet = tmp_path / "src" / "wallet.dat"
    wallet.parent.mkdir()
    wallet.write_bytes(os.urandom(size))
    assert run_cli("add", str(wallet), "--name", "wallet").code == 0
    add_local_dest(kv_home, "usb", tmp_path / "usb")
    assert run_cli("backup").code in (0, 3)
    return wallet


def test_restore_and_recover_to_a_full_disk(kv_home: Path, tmp_path: Path) -> None:
    wallet = _backed_up_wallet(kv_home, tmp_path, 600_000)
    note = tmp_path / "src" / "note.txt"
    note.write_bytes(b"small enough")
    assert run_cli("add", str(note), "--name", "note").code == 0
    assert run_cli("backup").code in (0, 3)
    with mounted_tmpfs(tmp_path / "small", "256k") as small:
        out = small / "wallet.dat"
        restored = run_cli("--json", "restore", "wallet", "-o", str(out), env=ENV)
        # The message names the file asked for (a failed write names none of its own).
        assert _typed(restored, "DiskFullError") == f"no space left on device: {out}"
        # recover reports the item the disk refused and goes on with the others.
        recovered = run_cli(
            "--json", "recover", str(tmp_path / "usb"), "-o", str(small / "all"), env=ENV
        )
        assert "Traceback" not in recovered.stderr, recovered.stderr
        assert recovered.code == 4, (recovered.stdout, recovered.stderr)
        report = recovered.json()
        failed = {entry["item"]: entry["message"] for entry in report["failed"]}
        assert failed["wallet"] == f"no space left on device: {small / 'all' / 'wallet'}"
        assert [entry["name"] for entry in report["restored"]] == ["note"]
        restored_path = Path(report["restored"][0]["path"])
        assert restored_path.read_bytes() == b"small enough"
        assert sorted(p.name for p in (small / "all").iterdir()) == [restored_path.name]
    assert run_cli("restore", "wallet", "-o", str(tmp_path / "ok.dat"), env=ENV).code == 0
    assert (tmp_path / "ok.dat").read_bytes() == wallet.read_bytes()


def test_restore_and_decrypt_to_a_read_only_disk(kv_home: Path, tmp_path: Path) -> None:
    _backed_up_wallet(kv_home, tmp_path, 1000)
    plain = tmp_path / "note.txt"
    plain.write_text("note")
    encrypted = tmp_path / "note.txt.age"
    made = run_cli(
        "encrypt", "-p", "--passphrase-file", "-", "--work-factor", "16", "-o", str(encrypted),
        str(plain), input=PASSPHRASE,
    )  # fmt: skip
    assert made.code == 0, made.stderr
    with mounted_tmpfs(tmp_path / "ro", "1m") as ro:
        subprocess.run(["mount", "-o", "remount,ro", str(ro)], check=True)
        restored = run_cli("--json", "restore", "wallet", "-o", str(ro / "w.dat"), env=ENV)
        # The target, not the temp file the write began with (.kv-tmp-w.dat.<random>).
        assert _typed(restored, "ReadOnlyError") == f"read-only file system: {ro / 'w.dat'}"
        decrypted = run_cli(
            "--json", "decrypt", "--passphrase-file", "-", "-o", str(ro / "note.txt"),
            str(encrypted), input=PASSPHRASE,
        )  # fmt: skip
        _typed(decrypted, "ReadOnlyError")


def _fill(disk: Path) -> None:
    """Write ``disk`` full, so the next write of any size fails with ENOSPC."""
    with open(disk / "filler", "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc


@pytest.mark.parametrize(
    ("command", "name"),
    [(["paper", "blank"], "blank.pdf"), (["qr", "encode"], "seed.png")],
    ids=["paper", "qr"],
)
def test_written_outputs_to_a_full_or_read_only_disk(
    tmp_path: Path, command: list[str], name: str
) -> None:
    """The ``-o`` files written whole (a sheet, an image) fail as restore's do: typed, with
    the hint, naming the file asked for."""
    with mounted_tmpfs(tmp_path / "full", "64k") as full:
        _fill(full)
        target = full / name
        done = run_cli("--json", *command, "-o", str(target), input=PHRASE)
        assert _typed(done, "DiskFullError") == f"no space left on device: {target}"
        assert "nothing was lost" in done.json()["error"]["hint"]
        assert sorted(p.name for p in full.iterdir()) == ["filler"]
    with mounted_tmpfs(tmp_path / "ro", "1m") as ro:
        subprocess.run(["mount", "-o", "remount,ro", str(ro)], check=True)
        target = ro / name
        done = run_cli("--json", *command, "-o", str(target), input=PHRASE)
        assert _typed(done, "ReadOnlyError") == f"read-only file system: {target}"
        assert done.json()["error"]["hint"] == "write to a disk that is not read-only"
