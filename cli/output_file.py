"""Writing a command's ``-o FILE``: never over an existing file unless ``--force``.

The writer itself is atomic and decides the mode (0600 for anything secret); this module
only turns the two ways a write can fail into messages for the user.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from keyvault.errors import AlreadyExistsError

__all__ = ["check_free", "force_option", "output_option", "write_output"]

F = TypeVar("F", bound=Callable[..., Any])


def output_option(help_text: str) -> Callable[[F], F]:
    """``-o/--output FILE`` (required) as ``output_path: Path``."""
    return click.option(
        "-o",
        "--output",
        "output_path",
        required=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help=help_text,
    )


def force_option(func: F) -> F:
    """``--force``: replace the output file if it exists."""
    return click.option("--force", is_flag=True, help="Replace the output file if it exists.")(func)


def _exists(path: Path) -> AlreadyExistsError:
    return AlreadyExistsError(f"{path} already exists", hint="use --force to replace it")


def check_free(path: Path, force: bool) -> None:
    """Raise :class:`AlreadyExistsError` if ``path`` exists and ``force`` is off.

    Called before any slow or secret work, so a taken name fails fast; :func:`write_output`
    still catches a file that appears in between.
    """
    if path.exists() and not force:
        raise _exists(path)


def write_output(path: Path, write: Callable[[], object]) -> None:
    """Run ``write`` (an atomic write to ``path`` that raises ``FileExistsError`` when it
    must not replace the file): a taken name becomes :class:`AlreadyExistsError`, any other
    ``OSError`` a ``cannot write`` message."""
    try:
        write()
    except FileExistsError:
        raise _exists(path) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror}") from None
