"""The ``keyvault-gui`` command: check the system before Qt loads, then start the app.

Imports no Qt until :func:`keyvault_gui.xcb_check.check` has passed: a missing xcb library
(or Wayland one, with ``QT_QPA_PLATFORM=wayland``) makes Qt abort without a hint, so the
missing packages are named first (exit 1). A library
Qt itself links (libEGL, libGL, fontconfig...) that will not load is named too, with the
packages the README lists, instead of an ImportError traceback (exit 1).
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence

from . import xcb_check

__all__ = ["QT_LIBRARIES", "QT_SYSTEM_PACKAGES", "main"]

#: The system libraries Qt links on every platform, offscreen included (README's list).
QT_LIBRARIES = (
    "libEGL.so.1",
    "libGL.so.1",
    "libxkbcommon.so.0",
    "libfontconfig.so.1",
    "libdbus-1.so.3",
)
#: Their Debian/Ubuntu packages, from the one soname -> package table (xcb_check's).
QT_SYSTEM_PACKAGES = tuple(xcb_check.XCB_LIBRARIES[soname] for soname in QT_LIBRARIES)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the desktop app (see :func:`keyvault_gui.app.main`); 1 when a library is missing."""
    args = list(sys.argv[1:] if argv is None else argv)
    problem = xcb_check.check(os.environ, args)
    if problem is not None:
        sys.stderr.write(f"keyvault-gui: error: {problem}\n")
        return 1
    try:
        app = importlib.import_module("keyvault_gui.app")
    except ImportError as exc:  # a shared library of Qt's that the dynamic loader refused
        sys.stderr.write(
            f"keyvault-gui: error: Qt could not load: {exc}\n"
            f"hint: {xcb_check.apt_install_line(list(QT_SYSTEM_PACKAGES))}\n"
        )
        return 1
    return int(app.main(args))


if __name__ == "__main__":
    sys.exit(main())
