"""The run lock: one backup, verify or repair at a time per config dir.

The lock is an OS lock on ``<home>/<name>.lock`` (``fcntl.flock`` on POSIX,
``msvcrt.locking`` on Windows). The OS drops it when the holding process ends, however it
ends (SIGKILL, power loss), so a dead process can never leave it stuck. Who holds it (pid,
host, start time) is written beside it in ``<name>.lock.json``, for the error message only.

Where neither OS lock exists, a pid file is used instead: created atomically, and treated
as stale (detected, not obeyed) when its process is gone or its pid now belongs to a
process started at another time.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Literal

from keyvault.atomic import atomic_write
from keyvault.errors import LockedError

__all__ = ["LockHolder", "LockMethod", "RunLock", "pid_alive", "process_start_time"]

LockMethod = Literal["auto", "fcntl", "msvcrt", "pidfile"]


@dataclass(frozen=True)
class LockHolder:
    """Who holds (or held) a lock."""

    pid: int
    host: str
    #: The process's start time as the OS tells it (opaque; ``None`` when unknown).
    started: str | None


def process_start_time(pid: int) -> str | None:
    """An opaque start time of process ``pid`` (Linux ``/proc``), or ``None`` when unknown."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    fields = raw.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None


def pid_alive(pid: int) -> bool:
    """True when a process ``pid`` exists (never signals it, also on Windows)."""
    if pid <= 0:
        return False
    if os.name == "nt":  # pragma: no cover - Windows uses msvcrt; kept for completeness
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        kernel32.CloseHandle(handle)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _auto_method() -> LockMethod:
    try:
        import fcntl  # noqa: F401
    except ImportError:
        try:
            import msvcrt  # noqa: F401
        except ImportError:
            return "pidfile"
        return "msvcrt"
    return "fcntl"


class RunLock:
    """A non-blocking exclusive lock; raises :class:`LockedError` when another run holds it.

    Use as a context manager::

        with RunLock(home):
            ...
    """

    def __init__(self, home: Path, name: str = "run", *, method: LockMethod = "auto") -> None:
        self.home = Path(home)
        self.path = self.home / f"{name}.lock"
        self.info_path = self.home / f"{name}.lock.json"
        self.method: LockMethod = _auto_method() if method == "auto" else method
        self._handle: IO[bytes] | None = None
        self._held = False

    def __repr__(self) -> str:
        return f"RunLock({str(self.path)!r}, method={self.method!r}, held={self._held})"

    # --- public ----------------------------------------------------------------------------

    def holder(self) -> LockHolder | None:
        """Who the info file says holds the lock (may describe a dead process)."""
        source = self.path if self.method == "pidfile" else self.info_path
        try:
            data = json.loads(source.read_text(encoding="utf-8"))
            return LockHolder(int(data["pid"]), str(data["host"]), data.get("started"))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def acquire(self) -> None:
        """Take the lock now or raise :class:`LockedError` (never waits)."""
        if self._held:
            raise RuntimeError("the lock is already held by this object")
        self.home.mkdir(mode=0o700, parents=True, exist_ok=True)
        if self.method == "pidfile":
            self._acquire_pidfile()
        else:
            self._acquire_os()
            with contextlib.suppress(OSError):
                atomic_write(self.info_path, self._me())
        self._held = True

    def release(self) -> None:
        """Give the lock up (idempotent)."""
        if not self._held:
            return
        self._held = False
        if self.method == "pidfile":
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
            return
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.info_path)
        handle, self._handle = self._handle, None
        if handle is not None:
            if self.method == "msvcrt":  # pragma: no cover - Windows
                import msvcrt

                with contextlib.suppress(OSError):
                    handle.seek(0)
                    msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
            handle.close()  # closing the descriptor drops an fcntl lock

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    # --- internals -------------------------------------------------------------------------

    def _me(self) -> bytes:
        pid = os.getpid()
        document = {"pid": pid, "host": socket.gethostname(), "started": process_start_time(pid)}
        return json.dumps(document).encode("utf-8")

    def _locked_error(self) -> LockedError:
        holder = self.holder()
        if holder is None:
            return LockedError(hint="wait for the other keyvault run to finish")
        return LockedError(
            f"another keyvault run holds the lock (pid {holder.pid} on {holder.host})",
            hint="wait for it to finish",
        )

    def _acquire_os(self) -> None:
        # The lock file is never written: it only carries the OS lock.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        handle = os.fdopen(fd, "r+b")
        try:
            if self.method == "fcntl":
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            else:  # pragma: no cover - Windows
                import msvcrt

                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            handle.close()
            raise self._locked_error() from None
        self._handle = handle

    def _holder_is_stale(self, holder: LockHolder | None) -> bool:
        if holder is None:
            return True  # unreadable: a crash cannot leave it half-written, so not ours to trust
        if holder.host != socket.gethostname():
            return False  # another machine's lock (shared config dir): obey it
        if not pid_alive(holder.pid):
            return True
        current = process_start_time(holder.pid)
        return holder.started is not None and current is not None and current != holder.started

    def _acquire_pidfile(self) -> None:
        for _attempt in range(3):
            try:
                atomic_write(self.path, self._me(), overwrite=False)
                return
            except FileExistsError:
                pass
            if not self._holder_is_stale(self.holder()):
                raise self._locked_error()
            # Stale: move it aside under a unique name (atomic), then try to create ours.
            aside = self.path.with_name(f"{self.path.name}.stale.{os.getpid()}")
            with contextlib.suppress(FileNotFoundError):
                os.replace(self.path, aside)
                os.unlink(aside)
        raise self._locked_error()
