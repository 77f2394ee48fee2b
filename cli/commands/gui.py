"""``keyvault gui``: start the desktop app (the same as ``keyvault-gui``).

The GUI package and PySide6 are imported only here, when the command runs, and by name
(``importlib``): the CLI does not depend on the GUI's code, it only starts it, so
``keyvault --help`` stays light and a CLI-only install works. Without PySide6 the command
says how to install it instead of failing with an import error.
"""

from __future__ import annotations

import importlib
import importlib.util
import os

import click

from ..context import get_app

__all__ = ["gui"]

INSTALL_HINT = "install it with: pip install 'keyvault-backup[gui]'"


def _require_pyside6() -> str:
    """PySide6's version, or a friendly error when it cannot be imported."""
    if importlib.util.find_spec("PySide6") is None:
        raise click.ClickException(
            f"the desktop app needs PySide6, which is not installed; {INSTALL_HINT}"
        )
    try:
        pyside = importlib.import_module("PySide6")
        importlib.import_module("PySide6.QtWidgets")
    except ImportError as exc:
        raise click.ClickException(
            f"the desktop app needs PySide6, which cannot be loaded ({exc.name or 'Qt'}); "
            f"{INSTALL_HINT}, and on Linux the system's OpenGL and xkbcommon libraries"
        ) from None
    return str(getattr(pyside, "__version__", "?"))


@click.command("gui")
@click.option(
    "--check",
    is_flag=True,
    help="Only check that the desktop app can start (PySide6 present), then exit.",
)
def gui(check: bool) -> None:
    """Start the desktop app over the same config dir as the CLI."""
    app = get_app()
    version = _require_pyside6()
    launch = importlib.import_module("keyvault_gui.launch")
    if check:
        problem = importlib.import_module("keyvault_gui.xcb_check").check(os.environ, [])
        if problem is not None:
            raise click.ClickException(problem)
        app.output.emit(
            {"gui": "available", "pyside6": version},
            f"the desktop app is available (PySide6 {version})",
        )
        return
    code = int(launch.main(["--config-dir", str(app.home)]))
    if code:
        raise SystemExit(code)
