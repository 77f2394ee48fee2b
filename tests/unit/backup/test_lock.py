"""The run lock: exclusive, and a dead holder never leaves it stuck."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from keyvault.errors import LockedError
from keyvault.vault.lock import RunLock, process_start_time

_HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from keyvault.vault.lock import RunLock
    lock = RunLock(Path(sys.argv[1]), method=sys.argv[2])
    lock.acquire()
    print("held", flush=True)
    time.sleep(600)
    """
)


def _hold_in_child(home: Path, method: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(home), method], stdout=subprocess.PIPE
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == b"held"
    return proc


@pytest.mark.parametrize("method", ["fcntl", "pidfile"])
def test_second_holder_is_refused_with_the_holders_pid(kv_home: Path, method: str) -> None:
    proc = _hold_in_child(kv_home, method)
    try:
        with pytest.raises(LockedError, match=f"pid {proc.pid}"):
            RunLock(kv_home, method=method).acquire()  # type: ignore[arg-type]
    finally:
        proc.kill()
        proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()


@pytest.mark.parametrize("method", ["fcntl", "pidfile"])
def test_a_killed_holder_does_not_leave_the_lock_stuck(kv_home: Path, method: str) -> None:
    proc = _hold_in_child(kv_home, method)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.stdout is not None
    proc.stdout.close()
    with RunLock(kv_home, method=method) as lock:  # type: ignore[arg-type]
        holder = lock.holder()
        assert holder is not None and holder.pid == os.getpid()
    # Released: it can be taken again at once.
    with RunLock(kv_home, method=method):  # type: ignore[arg-type]
        pass


def test_same_process_second_lock_object_is_refused(kv_home: Path) -> None:
    with RunLock(kv_home), pytest.raises(LockedError):
        RunLock(kv_home).acquire()


def test_acquire_twice_on_one_object_is_a_caller_mistake(kv_home: Path) -> None:
    lock = RunLock(kv_home)
    lock.acquire()
    try:
        with pytest.raises(RuntimeError):
            lock.acquire()
    finally:
        lock.release()
    lock.release()  # idempotent


def test_pidfile_reused_pid_with_other_start_time_is_stale(kv_home: Path) -> None:
    # Our own pid, but a start time that is not ours: the pid was reused, the lock is stale.
    lock_file = kv_home / "run.lock"
    document = {"pid": os.getpid(), "host": socket.gethostname(), "started": "1"}
    lock_file.write_text(json.dumps(document))
    assert process_start_time(os.getpid()) not in (None, "1")
    with RunLock(kv_home, method="pidfile"):
        pass


def test_pidfile_of_another_host_is_obeyed(kv_home: Path) -> None:
    lock_file = kv_home / "run.lock"
    lock_file.write_text(json.dumps({"pid": 1, "host": "elsewhere.invalid", "started": None}))
    with pytest.raises(LockedError, match=r"elsewhere\.invalid"):
        RunLock(kv_home, method="pidfile").acquire()


def test_pidfile_of_a_dead_process_is_stale(kv_home: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    lock_file = kv_home / "run.lock"
    lock_file.write_text(
        json.dumps({"pid": proc.pid, "host": socket.gethostname(), "started": None})
    )
    with RunLock(kv_home, method="pidfile"):
        assert json.loads(lock_file.read_text())["pid"] == os.getpid()
    assert not lock_file.exists()
