"""Run a program on a pseudo-terminal and answer its prompts (POSIX only).

This is how the tests drive ``age -p`` (which reads passphrases only from a terminal) and
check what keyvault prints when stdout is a terminal. Each answer is written only after
its prompt appeared *and* the terminal's echo flag went off: age prints its prompt before
it disables echo, so answering on the prompt alone sometimes echoed the passphrase.
``echo_off=False`` skips that wait.
"""

from __future__ import annotations

import os
import select
import signal
import time
from collections.abc import Mapping, Sequence


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
    import pty

    pid, fd = pty.fork()
    if pid == 0:  # child: the pty is its controlling terminal, stdin, stdout and stderr
        try:
            if cwd:
                os.chdir(cwd)
            os.execvpe(argv[0], list(argv), dict(env if env is not None else os.environ))
        finally:
            os._exit(127)
    output = bytearray()
    pending = list(answers)
    searched = 0
    deadline = time.monotonic() + timeout
    try:
        while True:
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
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
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), bytes(output)


def _wait_for_echo_off(fd: int, deadline: float) -> None:
    """Poll the pty's line discipline (shared by both sides on Linux) until ECHO is off."""
    import termios

    while termios.tcgetattr(fd)[3] & termios.ECHO:
        if time.monotonic() > deadline:
            raise TimeoutError("the program never turned terminal echo off")
        time.sleep(0.01)
