"""Options shared by several commands. None of them ever takes a secret as its value."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

__all__ = ["bip39_passphrase_options", "data_dir_option", "passphrase_file_option"]

F = TypeVar("F", bound=Callable[..., Any])


def passphrase_file_option(func: F) -> F:
    """``--passphrase-file FILE`` for the vault passphrase (``-`` reads stdin)."""
    return click.option(
        "--passphrase-file",
        metavar="FILE",
        default=None,
        help="Read the vault passphrase from FILE ('-' for stdin) instead of the prompt "
        "or KEYVAULT_PASSPHRASE.",
    )(func)


def bip39_passphrase_options(func: F) -> F:
    """``--bip39-passphrase`` (a switch: prompt) and ``--bip39-passphrase-file FILE``."""
    func = click.option(
        "--bip39-passphrase-file",
        metavar="FILE",
        default=None,
        help="Read the optional BIP39 passphrase from FILE.",
    )(func)
    return click.option(
        "--bip39-passphrase",
        "bip39_passphrase_prompt",
        is_flag=True,
        help="Ask for the optional BIP39 passphrase (the '25th word').",
    )(func)


def data_dir_option(help_text: str) -> Callable[[F], F]:
    """``--data-dir DIR`` (repeatable, an existing folder) as ``data_dirs: tuple[Path, ...]``:
    a wallet data folder that discovery searches besides the default places."""
    return click.option(
        "--data-dir",
        "data_dirs",
        multiple=True,
        metavar="DIR",
        type=click.Path(file_okay=False, dir_okay=True, exists=True, path_type=Path),
        help=help_text,
    )
