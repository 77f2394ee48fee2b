"""Before Qt loads: are the system libraries of Qt's X11 (xcb) platform plugin there?

Without them Qt aborts with "could not load the Qt platform plugin xcb" and no hint of what
to install (PySide6 >= 6.5 needs ``libxcb-cursor0``; a minimal desktop also lacks
``libxcb-icccm4``, ``libxcb-keysyms1``...). This module imports no Qt: it tries to load each
library the plugin links (``dlopen``, as Qt would) and names the Debian/Ubuntu packages of
those that fail, so :mod:`keyvault_gui.launch` can print one ``apt install`` line.

``XCB_LIBRARIES`` is the ``DT_NEEDED`` list of PySide6's ``libqxcb.so`` and
``libQt6XcbQpa.so.6`` (6.6 to 6.11), plus the system libraries of ``libQt6Gui``/``DBus``
that a minimal system may lack, without the Qt libraries (shipped in the wheel) and libc;
``tests/gui/test_xcb_check.py`` re-reads the installed plugin's list and fails when one is
not covered here.

Qt's Wayland plugin (``libqwayland.so``) links two more system libraries,
``WAYLAND_LIBRARIES``. They are checked only when Wayland alone is asked for
(``QT_QPA_PLATFORM=wayland``): there Qt has no fallback and aborts with the same hintless
message. Chosen by default (a Wayland session), a wayland plugin that will not load makes
Qt fall back to xcb (XWayland), so nothing is checked.
"""

from __future__ import annotations

import ctypes
import itertools
import sys
from collections.abc import Callable, Mapping, Sequence

__all__ = [
    "WAYLAND_LIBRARIES",
    "XCB_LIBRARIES",
    "apt_install_line",
    "check",
    "missing_packages",
    "platform_is_xcb",
]

#: soname -> the Debian 12 / Ubuntu 24.04 package that ships it (the one such table:
#: :data:`keyvault_gui.launch.QT_SYSTEM_PACKAGES` is looked up here too).
XCB_LIBRARIES: Mapping[str, str] = {
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
}

#: soname -> package, for the system libraries ``libqwayland.so`` and
#: ``libQt6WaylandClient.so.6`` link beyond those of Qt itself (libGL, libxkbcommon: above).
WAYLAND_LIBRARIES: Mapping[str, str] = {
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
}


def _requested_platform(environ: Mapping[str, str], argv: Sequence[str]) -> str:
    """The platform list asked for by ``-platform`` (the last one wins) or, without it,
    ``QT_QPA_PLATFORM``; "" when neither asks (Qt then picks by its default order)."""
    requested = ""
    for flag, value in itertools.pairwise(argv):
        if flag in ("-platform", "--platform"):
            requested = value
    return requested or environ.get("QT_QPA_PLATFORM", "")


def _first(platforms: str) -> str:
    # "wayland;xcb" means wayland first, xcb as the fallback; "xcb:arg" passes an argument.
    return platforms.split(";")[0].split(":")[0].strip()


def platform_is_xcb(environ: Mapping[str, str], argv: Sequence[str], system: str) -> bool:
    """Whether Qt will try its xcb plugin first: asked for by ``-platform``/``QT_QPA_PLATFORM``,
    or by default on Linux unless Qt sees a Wayland session (offscreen, wayland, vnc... skip).

    Qt 6's default order (``QGuiApplicationPrivate::createPlatformIntegration``) puts wayland
    first when ``WAYLAND_DISPLAY`` is set (even empty) or ``XDG_SESSION_TYPE`` is ``wayland``:
    a compositor started from a console (sway, weston: ``XDG_SESSION_TYPE=tty``) counts too.
    """
    if system != "linux":
        return False
    requested = _requested_platform(environ, argv)
    if requested:
        return _first(requested) == "xcb"
    return "WAYLAND_DISPLAY" not in environ and environ.get("XDG_SESSION_TYPE", "") != "wayland"


def _loads(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def missing_packages(
    loads: Callable[[str], bool] = _loads, libraries: Mapping[str, str] = XCB_LIBRARIES
) -> list[str]:
    """The packages (sorted, once each) whose library in ``libraries`` cannot be loaded."""
    return sorted({pkg for soname, pkg in libraries.items() if not loads(soname)})


def apt_install_line(packages: Sequence[str]) -> str:
    """The one command that installs ``packages``."""
    return "sudo apt install " + " ".join(packages)


def check(environ: Mapping[str, str], argv: Sequence[str]) -> str | None:
    """The message to print and exit 1 with, or None when the GUI can start."""
    if platform_is_xcb(environ, argv, sys.platform):
        missing, instead = missing_packages(), "without a display: QT_QPA_PLATFORM=offscreen"
    elif sys.platform == "linux" and _requested_platform(environ, argv).strip() == "wayland":
        missing = missing_packages(libraries=WAYLAND_LIBRARIES)
        instead = "through XWayland: QT_QPA_PLATFORM=xcb"
    else:
        return None
    if not missing:
        return None
    return (
        "the desktop app needs system libraries that are not installed "
        f"({', '.join(missing)}). Install them with:\n\n    {apt_install_line(missing)}\n\n"
        f"(or run it {instead})"
    )
