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

from keyvault.errors import KeyvaultError
from keyvault.release import install_hint, release_source

from ..context import get_app

__all__ = ["gui"]


def _install_hint() -> str:
    """How to get the desktop app: from the owner's recorded source, never a package name."""
    try:
        source = release_source()
    except KeyvaultError:
        source = None
    if source is None:
        # Never a guessed package name: PySide6 (published by Qt) into keyvault's own
        # environment, as the README's commands make it.
        return (
            "install Qt's PySide6-Essentials where keyvault runs "
            "(from a clone: pip install -e '.[gui]')"
        )
    return f"{install_hint(source)} (its bundle includes the desktop app)"


def _require_pyside6() -> str:
    """PySide6's version, or a friendly error when it cannot be imported."""
    if importlib.util.find_spec("PySide6") is None:
        raise click.ClickException(
            f"the desktop app needs PySide6, which is not installed; {_install_hint()}"
        )
    try:
        pyside = importlib.import_module("PySide6")
        importlib.import_module("PySide6.QtWidgets")
    except ImportError as exc:
        raise click.ClickException(
            f"the desktop app needs PySide6, which cannot be loaded ({exc.name or 'Qt'}); "
            f"{_install_hint()}, and on Linux the system's OpenGL and xkbcommon libraries"
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
