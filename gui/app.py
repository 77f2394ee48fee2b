"""Start the desktop app: ``keyvault-gui [--config-dir DIR]`` (or ``keyvault gui``).

:func:`create_application` sets up Qt (names, high-DPI rounding, the platform style);
:func:`main` opens the :class:`~keyvault_gui.views.main_window.MainWindow` over the config
dir (``--config-dir``, ``KEYVAULT_HOME`` or the platform default) and runs the event loop.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from keyvault import __version__
from keyvault.vault.home import resolve_home

from . import theme
from .binding_check import BrokenBindingError, check_binding
from .views.main_window import MainWindow

__all__ = ["create_application", "create_main_window", "main"]


def create_application(argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication (created once; later calls return the existing one)."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    # Fractional scale factors (150 %) render crisply instead of being rounded to 1x or 2x.
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    app = QApplication(list(argv) if argv is not None else sys.argv[:1])
    app.setApplicationName("keyvault")
    app.setApplicationDisplayName("keyvault")
    app.setOrganizationName("keyvault")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("keyvault")
    theme.follow_system(app)
    return app


def create_main_window(home: Path | None = None) -> MainWindow:
    """The main window over ``home`` (default: the resolved config dir)."""
    return MainWindow(home if home is not None else resolve_home())


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="keyvault-gui", description="keyvault's desktop app")
    parser.add_argument(
        "--config-dir",
        metavar="DIR",
        default=None,
        help="keep local state in DIR (default: KEYVAULT_HOME, else the user config dir)",
    )
    parser.add_argument("--version", action="version", version=f"keyvault {__version__}")
    # Qt's own options (-style, -platform ...) pass through to QApplication.
    known, _ = parser.parse_known_args(list(argv))
    return known


def main(argv: Sequence[str] | None = None) -> int:
    """Run the desktop app; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    options = _parse(args)
    try:
        check_binding()
    except BrokenBindingError as exc:
        sys.stderr.write(f"keyvault-gui: error: {exc}\n")
        return 1
    app = create_application([sys.argv[0] if sys.argv else "keyvault-gui", *args])
    window = create_main_window(resolve_home(options.config_dir))
    window.show()
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())
