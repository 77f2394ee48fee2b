"""keyvault-gui on Qt's real Wayland platform, under a headless weston (skipped without it).

Ubuntu 24.04's default session is Wayland, where Qt 6 picks its wayland plugin (PySide6's
``libqwayland.so``, which links ``libwayland-client0`` and ``libwayland-cursor0``) before
xcb. Each test starts its own ``weston --backend=headless-backend.so`` on a private socket
in a private ``XDG_RUNTIME_DIR`` (0700) and runs the app as ``python -m keyvault_gui``
would, in a child process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

SOCKET = "wayland-kv"

# The real entry point (launch.main: the library check, argparse, the binding check, the
# window, the event loop), with one addition: once the main window and the first-run wizard
# (a child toplevel) are on the compositor's screen (exposed: weston configured them and Qt
# drew them), close every window as a user would and let the event loop end on its own.
# The wizard is waited for: it opens when the vault check comes back from the pool, and
# would reopen after an earlier close.
CLOSE_WHEN_SHOWN = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from keyvault_gui import app, launch

made = app.create_main_window

def create_and_close(home=None):
    window = made(home)

    def close():
        exposed = QTest.qWaitForWindowExposed(window, 60_000)
        for _ in range(1200):
            if window.wizard is not None:
                break
            QTest.qWait(50)
        wizard = window.wizard is not None and QTest.qWaitForWindowExposed(window.wizard, 60_000)
        name = QApplication.platformName()
        print(f"platform={name} exposed={exposed} wizard={wizard}", flush=True)
        QApplication.closeAllWindows()

    QTimer.singleShot(0, close)
    return window

app.create_main_window = create_and_close
code = launch.main(sys.argv[1:])
print(f"exit={code}", flush=True)
sys.exit(code)
"""


@pytest.fixture
def weston() -> Iterator[dict[str, str]]:
    """The environment of a client of a fresh headless weston (no X display)."""
    if shutil.which("weston") is None:
        pytest.skip("weston is not installed (apt-get install --no-install-recommends weston)")
    # Not tmp_path: a unix socket path must stay under 108 bytes.
    runtime = Path(tempfile.mkdtemp(prefix="kv-xdg-"))
    runtime.chmod(0o700)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "QT_QPA_PLATFORM")}
    env |= {"XDG_RUNTIME_DIR": str(runtime), "XDG_SESSION_TYPE": "wayland"}
    log = (runtime / "weston.log").open("w")
    server = subprocess.Popen(
        ["weston", "--backend=headless-backend.so", f"--socket={SOCKET}", "--idle-time=0"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not (runtime / SOCKET).exists():
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"weston did not start: {(runtime / 'weston.log').read_text()}")
            time.sleep(0.1)
        yield env | {"WAYLAND_DISPLAY": SOCKET}
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
        shutil.rmtree(runtime, ignore_errors=True)


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_the_app_shows_its_window_on_wayland_and_closes_cleanly(
    weston: dict[str, str], tmp_path: Path
) -> None:
    env = weston | {"QT_QPA_PLATFORM": "wayland"}
    version = _run(env, "-m", "keyvault_gui", "--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith("keyvault ")
    result = _run(env, "-c", CLOSE_WHEN_SHOWN, "--config-dir", str(tmp_path / "home"))
    assert result.returncode == 0, result.stderr
    assert "platform=wayland exposed=True wizard=True\n" in result.stdout
    assert result.stdout.endswith("exit=0\n")
    assert "Traceback" not in result.stderr
    assert "Could not load the Qt platform plugin" not in result.stderr


def test_wayland_is_the_default_platform_where_qt_sees_a_wayland_display(
    weston: dict[str, str], tmp_path: Path
) -> None:
    # A compositor started from a console (XDG_SESSION_TYPE=tty) with no X display: Qt
    # picks wayland by itself, so a broken xcb library must not stop the app.
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib/libxcb-cursor.so.0").write_bytes(b"not an ELF file")
    env = weston | {"XDG_SESSION_TYPE": "tty", "LD_LIBRARY_PATH": str(tmp_path / "lib")}
    result = _run(env, "-c", CLOSE_WHEN_SHOWN, "--config-dir", str(tmp_path / "home"))
    assert result.returncode == 0, result.stderr
    assert "platform=wayland exposed=True wizard=True\n" in result.stdout
    assert "Traceback" not in result.stderr
