"""The pty helper itself: the program's controlling terminal is the pty, and starting it
from a process with threads forks nothing that Python 3.12+ warns about."""

from __future__ import annotations

import sys
import threading
import warnings

import pytest

from .pty_run import run_in_pty

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX pseudo-terminals")


def test_a_threaded_test_process_runs_a_program_on_its_own_terminal() -> None:
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait)  # as the B2 test server or a crypto pool
    worker.start()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            code, output = run_in_pty(
                ["sh", "-c", "echo ready; read -r answer </dev/tty; echo got=$answer; exit 3"],
                [(b"ready", b"yes\n")],
                echo_off=False,
            )
    finally:
        stop.set()
        worker.join()
    # /dev/tty opened, so the pty is the controlling terminal, as pty.fork made it.
    assert (code, output.splitlines()[-1]) == (3, b"got=yes")
    assert [str(w.message) for w in caught] == []


def test_a_missing_program_exits_127() -> None:
    assert run_in_pty(["keyvault-no-such-program"]) == (127, b"")
