"""keyvault-gui names the missing xcb packages before Qt loads (and exits 1)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from keyvault_gui import launch, xcb_check


@pytest.mark.parametrize(
    ("environ", "argv", "system", "expected"),
    [
        ({}, [], "linux", True),
        ({"QT_QPA_PLATFORM": "xcb"}, [], "linux", True),
        ({"QT_QPA_PLATFORM": "offscreen"}, [], "linux", False),
        ({"QT_QPA_PLATFORM": "wayland;xcb"}, [], "linux", False),
        ({"XDG_SESSION_TYPE": "wayland"}, [], "linux", False),
        # Qt tries wayland first wherever WAYLAND_DISPLAY is set: sway or weston from a console.
        ({"XDG_SESSION_TYPE": "tty", "WAYLAND_DISPLAY": "wayland-1"}, [], "linux", False),
        ({"WAYLAND_DISPLAY": ""}, [], "linux", False),
        ({"XDG_SESSION_TYPE": "x11", "DISPLAY": ":0"}, [], "linux", True),
        ({"WAYLAND_DISPLAY": "wayland-0", "QT_QPA_PLATFORM": "xcb"}, [], "linux", True),
        ({"QT_QPA_PLATFORM": "offscreen"}, ["-platform", "xcb"], "linux", True),
        ({}, ["-platform", "offscreen"], "linux", False),
        ({}, [], "darwin", False),
    ],
)
def test_platform_is_xcb(
    environ: dict[str, str], argv: list[str], system: str, expected: bool
) -> None:
    assert xcb_check.platform_is_xcb(environ, argv, system) is expected


def test_the_check_passes_exactly_when_nothing_is_missing() -> None:
    missing = xcb_check.missing_packages()
    problem = xcb_check.check({"QT_QPA_PLATFORM": "xcb"}, [])
    if missing:
        assert problem is not None
        assert xcb_check.apt_install_line(missing) in problem
    else:
        assert problem is None
    assert xcb_check.check({"QT_QPA_PLATFORM": "offscreen"}, []) is None


def test_the_table_covers_what_the_installed_plugin_links() -> None:
    readelf = shutil.which("readelf")
    if readelf is None:
        pytest.skip("readelf (binutils) is not installed")
    import PySide6

    qt = Path(PySide6.__file__).parent / "Qt"

    def system_needed(*libs: str) -> set[str]:
        needed: set[str] = set()
        for lib in libs:
            out = subprocess.run(
                [readelf, "-d", str(qt / lib)], capture_output=True, text=True, check=True
            ).stdout
            needed |= {
                line.split("[", 1)[1].rstrip("]") for line in out.splitlines() if "NEEDED" in line
            }
        own = ("libQt6", "libc.so", "libm.so", "libstdc++", "libgcc_s", "libgthread")
        return {n for n in needed if not n.startswith(own)}

    xcb = system_needed("plugins/platforms/libqxcb.so", "lib/libQt6XcbQpa.so.6")
    assert xcb - set(xcb_check.XCB_LIBRARIES) == set()
    wayland = system_needed("plugins/platforms/libqwayland.so", "lib/libQt6WaylandClient.so.6")
    assert wayland - set(launch.QT_LIBRARIES) == set(xcb_check.WAYLAND_LIBRARIES)


def _gui_version(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "keyvault_gui", "--version"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_a_library_that_will_not_load_is_named_with_its_package(tmp_path: Path) -> None:
    # A real dlopen failure: a broken libxcb-cursor.so.0 found first on the search path.
    (tmp_path / "libxcb-cursor.so.0").write_bytes(b"not an ELF file")
    env = {**os.environ, "LD_LIBRARY_PATH": str(tmp_path), "QT_QPA_PLATFORM": "xcb"}
    result = _gui_version(env)
    assert result.returncode == 1
    expected = sorted({*xcb_check.missing_packages(), "libxcb-cursor0"})
    assert f"{xcb_check.apt_install_line(expected)}\n" in result.stderr
    assert "Traceback" not in result.stderr
    # Offscreen needs no xcb: the same broken library does not stop the app.
    env["QT_QPA_PLATFORM"] = "offscreen"
    ok = _gui_version(env)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("keyvault ")


def test_a_wayland_library_that_will_not_load_is_named_when_wayland_alone_is_asked_for(
    tmp_path: Path,
) -> None:
    # Without the check, Qt aborts (SIGABRT) with "no Qt platform plugin could be initialized".
    (tmp_path / "libwayland-client.so.0").write_bytes(b"not an ELF file")
    env = {**os.environ, "LD_LIBRARY_PATH": str(tmp_path), "QT_QPA_PLATFORM": "wayland"}
    result = _gui_version(env)
    assert result.returncode == 1
    # libwayland-cursor.so.0 links the broken libwayland-client.so.0, so it is named too.
    lines = [line.strip() for line in result.stderr.splitlines()]
    packages = next(line for line in lines if line.startswith("sudo apt install ")).split()[3:]
    assert "libwayland-client0" in packages
    assert set(packages) <= set(xcb_check.WAYLAND_LIBRARIES.values())
    assert "QT_QPA_PLATFORM=xcb" in result.stderr
    assert "Traceback" not in result.stderr
    # With a fallback (or by default, in a Wayland session) Qt goes on to xcb by itself.
    for environ in ({"QT_QPA_PLATFORM": "wayland;xcb"}, {"WAYLAND_DISPLAY": "wayland-0"}):
        env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
        ok = _gui_version(env | {"LD_LIBRARY_PATH": str(tmp_path), **environ})
        assert ok.returncode == 0, ok.stderr
        assert ok.stdout.startswith("keyvault ")


def test_a_qt_library_that_will_not_load_is_named_without_a_traceback(tmp_path: Path) -> None:
    # A real dlopen failure of a library Qt links on every platform, offscreen included.
    (tmp_path / "libEGL.so.1").write_bytes(b"not an ELF file")
    env = {**os.environ, "LD_LIBRARY_PATH": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    result = _gui_version(env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "Qt could not load" in result.stderr and "libEGL.so.1" in result.stderr
    assert xcb_check.apt_install_line(list(launch.QT_SYSTEM_PACKAGES)) in result.stderr


def test_the_message_is_one_apt_line() -> None:
    assert xcb_check.apt_install_line(["libxcb-cursor0", "libxcb-icccm4"]) == (
        "sudo apt install libxcb-cursor0 libxcb-icccm4"
    )
