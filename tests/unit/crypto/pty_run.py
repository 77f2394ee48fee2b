"""Run a program on a pseudo-terminal and answer its prompts (POSIX only).

This is how the tests drive ``age -p`` (which reads passphrases only from a terminal) and
check what keyvault prints when stdout is a terminal. Each answer is written only after
its prompt appeared *and* the terminal's echo flag went off: age prints its prompt before
it disables echo, so answering on the prompt alone sometimes echoed the passphrase.
``echo_off=False`` skips that wait.

The child starts through ``subprocess`` (fork and exec with nothing run between them), not
``pty.fork``: the test process has threads (keyvault's pools, the B2 test server), and a
plain ``fork`` of a threaded process may deadlock in the child (Python 3.12 warns). A
small trampoline, a fresh single-threaded interpreter, makes the pty its controlling
terminal and execs the program, so ``/dev/tty`` is the pty as before.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence

# In the child, whose fds 0-2 are the pty: a new session with the pty as its controlling
# terminal (what os.login_tty does, spelled out for Python 3.10), then the program; 127 if
# it cannot be run, as a shell says.
_TRAMPOLINE = """
import fcntl, os, sys, termios
os.setsid()
fcntl.ioctl(0, termios.TIOCSCTTY, 0)
try:
    os.execvp(sys.argv[1], sys.argv[1:])
except OSError:
    os._exit(127)
"""


def run_in_pty(
    argv: Sequence[str],
    answers: Sequence[tuple[bytes, bytes]] = (),
    *,
    echo_off: bool = True,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    timeout: float = 120,
) -> tuple[int, bytes]:
    """(exit code, everything written to the terminal). ``answers``: (prompt, reply) pairs.

    With ``echo_off`` (the default) each reply waits until the program disabled echo.
    """
    fd, tty = os.openpty()
    try:
        child = subprocess.Popen(
            [sys.executable, "-I", "-c", _TRAMPOLINE, *argv],
            stdin=tty,
            stdout=tty,
            stderr=tty,
            env=dict(env if env is not None else os.environ),
            cwd=cwd or None,
        )
    except BaseException:
        os.close(fd)
        raise
    finally:
        # Only the child holds the terminal now, so its exit reads as EIO/EOF below.
        os.close(tty)
    output = bytearray()
    pending = list(answers)
    searched = 0
    deadline = time.monotonic() + timeout
    try:
        while True:
            if time.monotonic() > deadline:
                child.kill()
                child.wait()
                raise TimeoutError(f"{argv[0]} did not finish; output so far: {bytes(output)!r}")
            ready, _, _ = select.select([fd], [], [], 0.2)
            if not ready:
                continue
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            output += data
            while pending and output.find(pending[0][0], searched) >= 0:
                searched = output.find(pending[0][0], searched) + len(pending[0][0])
                if echo_off:
                    _wait_for_echo_off(fd, deadline)
                os.write(fd, pending.pop(0)[1])
    finally:
        os.close(fd)
    return child.wait(), bytes(output)


def _wait_for_echo_off(fd: int, deadline: float) -> None:
    """Poll the pty's line discipline (shared by both sides on Linux) until ECHO is off."""
    import termios

    while termios.tcgetattr(fd)[3] & termios.ECHO:
        if time.monotonic() > deadline:
            raise TimeoutError("the program never turned terminal echo off")
        time.sleep(0.01)
