"""A restored folder keeps its subfolders' and files' modes and modification times, within
the rules of tarfile's ``data`` filter (no group/other write, no set-uid/gid), through the
real CLI: on this Python (with tarfile's filters) and on Debian 12's own Python 3.11.2
(``/usr/bin/python3``, no filters), which runs the same CLI with this venv's packages.
"""

from __future__ import annotations

import os
import site
import stat
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from .helpers import run_cli
from .test_backup_support import PASSPHRASE, add_local_dest, init_vault

ENV = {"KEYVAULT_PASSPHRASE": PASSPHRASE}
DEBIAN_PYTHON = Path("/usr/bin/python3")
#: (relative path, mode set on the original, mode expected back, mtime)
TREE = [
    ("inner", 0o750, 0o750, 1_500_000_000),
    ("inner/deeper", 0o2775, 0o755, 1_500_000_100),  # set-gid and group write dropped
    ("private", 0o700, 0o700, 1_500_000_200),
    ("inner/wallet.dat", 0o640, 0o640, 1_400_000_000),
    ("inner/deeper/tool", 0o4755, 0o755, 1_400_000_100),
    ("private/keys.json", 0o600, 0o600, 1_400_000_200),
]


def _make_tree(root: Path) -> None:
    for relative, _, _, _ in TREE:
        path = root / relative
        if "." in path.name or path.name == "tool":
            path.write_bytes(relative.encode())
        else:
            path.mkdir(parents=True)
    # Modes and times last, deepest first, so creating entries does not move them.
    for relative, mode, _, mtime in sorted(TREE, key=lambda t: t[0].count("/"), reverse=True):
        (root / relative).chmod(mode)
        os.utime(root / relative, (mtime, mtime))


def _debian_cli(*args: str, home: Path) -> subprocess.CompletedProcess[bytes]:
    """The CLI on /usr/bin/python3 with this venv's site-packages first (before Debian's
    own, older packages; their .pth files too)."""
    code = (
        f"import site, runpy, sys; packages = {site.getsitepackages()!r}; "
        "sys.path[:0] = packages; [site.addsitedir(p) for p in packages]; "
        "sys.argv[0] = 'keyvault'; runpy.run_module('keyvault_cli', run_name='__main__')"
    )
    env = dict(os.environ, KEYVAULT_HOME=str(home), **ENV)
    return subprocess.run(
        [str(DEBIAN_PYTHON), "-c", code, *args], capture_output=True, env=env, timeout=120
    )


@pytest.mark.parametrize("python", ["this", "debian-12"])
def test_restored_folder_keeps_modes_and_times(kv_home: Path, tmp_path: Path, python: str) -> None:
    if python == "debian-12":
        probe = subprocess.run(
            [str(DEBIAN_PYTHON), "-c", "import sys, tarfile; "
             "sys.exit(sys.version_info[:2] != (3, 11) or hasattr(tarfile, 'data_filter'))"],
            capture_output=True, check=False,
        ) if DEBIAN_PYTHON.exists() else None  # fmt: skip
        if probe is None or probe.returncode != 0:
            pytest.skip("no Python 3.11 without tarfile filters at /usr/bin/python3")
    elif not hasattr(tarfile, "data_filter"):
        pytest.skip("this Python's tarfile has no extraction filters")
    init_vault(kv_home, tmp_path)
    original = tmp_path / "wallets"
    original.mkdir()
    _make_tree(original)
    assert run_cli("add", str(original), "--name", "wallets", home=kv_home).code == 0
    add_local_dest(kv_home, "usb", tmp_path / "usb")
    assert run_cli("backup", home=kv_home).code in (0, 3)

    out = tmp_path / "restored"
    args = ("restore", "wallets", "-o", str(out))
    if python == "this":
        done = run_cli(*args, home=kv_home, env=ENV)
        assert done.code == 0, done.stderr
    else:
        ran = _debian_cli(*args, home=kv_home)
        assert ran.returncode == 0, ran.stderr.decode()
    assert stat.S_IMODE(out.stat().st_mode) == 0o700  # the restored folder itself: private
    for relative, _, expected, mtime in TREE:
        info = (out / relative).stat()
        assert stat.S_IMODE(info.st_mode) == expected, (relative, oct(info.st_mode))
        assert info.st_mtime == mtime, relative
    assert (out / "inner" / "wallet.dat").read_bytes() == b"inner/wallet.dat"
    assert sys.version_info >= (3, 11)
