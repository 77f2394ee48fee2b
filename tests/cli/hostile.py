"""Hostile destination files and a CLI runner that measures the child's peak memory.

What an attacker with write access to one destination folder (and no key) can put in place
of a file there: :data:`MUTATIONS` maps a name to a function that replaces ``path``.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

#: 8 GiB apparent size, a few blocks on disk.
HUGE = 8 << 30


def _clear(path: Path) -> None:
    if path.is_symlink() or path.is_file() or path.is_fifo():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def _random(path: Path) -> None:
    size = max(path.stat().st_size, 64)
    _clear(path)
    path.write_bytes(os.urandom(size))


def _truncated(path: Path) -> None:
    data = path.read_bytes()
    _clear(path)
    path.write_bytes(data[: len(data) // 2])


def _sparse(path: Path) -> None:
    _clear(path)
    with path.open("wb") as handle:
        handle.truncate(HUGE)


def _fifo(path: Path) -> None:
    _clear(path)
    os.mkfifo(path)


def _link_to_file(path: Path) -> None:
    # A copy of the real bytes elsewhere: a follower would accept it, so refusal shows.
    target = path.parent.parent.parent.parent / f"elsewhere-{path.name}"
    shutil.copyfile(path, target) if path.is_file() else target.write_bytes(b"x")
    _clear(path)
    path.symlink_to(target)


def _link_to_dir(path: Path) -> None:
    _clear(path)
    path.symlink_to("/")


def _dangling(path: Path) -> None:
    _clear(path)
    path.symlink_to(path.parent / "no-such-file")


def _directory(path: Path) -> None:
    _clear(path)
    path.mkdir()
    (path / "inside").write_bytes(b"x")


def _deep_json(path: Path) -> None:
    _clear(path)
    path.write_bytes(b"[" * 100_000 + b"]" * 100_000)


def _bad_utf16_json(path: Path) -> None:
    _clear(path)
    path.write_bytes(b'{"keyvault": "destination marker", "format": 1, "vault_id": "\\ud800"}')


MUTATIONS: dict[str, Callable[[Path], None]] = {
    "random": _random,
    "truncated": _truncated,
    "sparse-8g": _sparse,
    "fifo": _fifo,
    "link-file": _link_to_file,
    "link-dir": _link_to_dir,
    "dangling": _dangling,
    "directory": _directory,
    "deep-json": _deep_json,
    "utf16-json": _bad_utf16_json,
}


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    max_rss_mib: float
    timed_out: bool


def _high_water_kib(pid: int) -> int:
    """The process's peak resident memory so far (``VmHWM``), 0 once it has exited.

    ``wait4``'s ``ru_maxrss`` cannot serve: Linux folds into it the RSS of the memory the
    child held when it called exec (a copy of the whole pytest process: 300 MiB late in
    a full run). Polled every 20 ms, a spike shorter than that can be missed; reading a
    huge file into memory, what the peak guards against, takes far longer."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def run_measured(
    *args: str,
    home: Path,
    env: dict[str, str] | None = None,
    timeout: float = 60,
    file_size_limit: int | None = None,
) -> Run:
    """``python -m keyvault_cli ARGS`` in its own process group; its peak RSS (``VmHWM``).
    On timeout the group is killed and ``timed_out`` is set (the caller asserts on it).
    ``file_size_limit``: no file the child writes may grow past it (``RLIMIT_FSIZE``: a
    write beyond fails with EFBIG), so a read that is not bounded shows as an error."""
    import resource
    import subprocess

    def limit() -> None:
        if file_size_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

    full_env = dict(os.environ, KEYVAULT_HOME=str(home), **(env or {}))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "keyvault_cli", *args],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=full_env,
            start_new_session=True,
            preexec_fn=limit if file_size_limit is not None else None,
        )
        deadline = time.monotonic() + timeout
        timed_out = False
        peak_kib = 0
        while True:
            peak_kib = max(peak_kib, _high_water_kib(proc.pid))
            pid, status, _ = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)
                _, status, _ = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait again
        out.seek(0)
        err.seek(0)
        return Run(
            proc.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            peak_kib / 1024,
            timed_out,
        )
