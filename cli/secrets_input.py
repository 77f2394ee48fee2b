"""Where secrets come from on the command line: never from argv.

- The vault passphrase: ``--passphrase-file FILE`` (``-`` = stdin), else the
  ``KEYVAULT_PASSPHRASE`` environment variable, else a no-echo prompt on the terminal.
- A BIP39 passphrase (the "25th word", a different secret): ``--bip39-passphrase-file``
  or the prompt; never from ``KEYVAULT_PASSPHRASE``.
- Phrases and shares: stdin when it is not a terminal, else a no-echo prompt.

Files are read as UTF-8 with one trailing newline (``\\n`` or ``\\r\\n``) removed.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

import click

from keyvault.secret import Secret

__all__ = [
    "ENV_PASSPHRASE",
    "child_environment",
    "read_bip39_passphrase",
    "read_secret_lines",
    "read_secret_text",
    "read_vault_passphrase",
    "stdin_is_terminal",
]

ENV_PASSPHRASE = "KEYVAULT_PASSPHRASE"
SECRET_ENV_NAMES = (ENV_PASSPHRASE, "B2_APPLICATION_KEY", "B2_APPLICATION_KEY_ID")


def stdin_is_terminal() -> bool:
    """True when stdin is an interactive terminal."""
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _strip_one_newline(text: str) -> str:
    if text.endswith("\r\n"):
        return text[:-2]
    if text.endswith("\n"):
        return text[:-1]
    return text


def _read_file(path: str, what: str) -> Secret:
    if path == "-":
        return Secret(_strip_one_newline(sys.stdin.read()), label=what)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise click.UsageError(f"cannot read the {what} file {path}: {exc.strerror}") from None
    return Secret(_strip_one_newline(text), label=what)


def _prompt(prompt: str, *, confirm: bool) -> Secret:
    if not stdin_is_terminal() and not os.path.exists("/dev/tty"):
        raise click.UsageError("no terminal to ask for a secret; use a --...-file option")
    try:
        first = getpass.getpass(prompt + ": ")
        if confirm:
            second = getpass.getpass("again, to confirm: ")
            if first != second:
                raise click.UsageError("the two entries differ")
    except (EOFError, OSError):
        raise click.UsageError("no terminal to ask for a secret; use a --...-file option") from None
    return Secret(first, label="prompted")


def read_vault_passphrase(
    passphrase_file: str | None, *, confirm: bool = False, prompt: str = "vault passphrase"
) -> Secret:
    """The vault passphrase from the file, the environment or the prompt, in that order."""
    if passphrase_file:
        return _read_file(passphrase_file, "passphrase")
    env = os.environ.get(ENV_PASSPHRASE)
    if env is not None:
        return Secret(env, label="passphrase")
    return _prompt(prompt, confirm=confirm)


def read_bip39_passphrase(passphrase_file: str | None, *, confirm: bool = False) -> Secret:
    """The optional BIP39 passphrase: from its own file or the prompt (never the env)."""
    if passphrase_file:
        return _read_file(passphrase_file, "BIP39 passphrase")
    return _prompt("BIP39 passphrase (the 25th word)", confirm=confirm)


def read_secret_text(prompt: str) -> Secret:
    """A phrase: all of stdin when it is piped, else one no-echo line from the terminal."""
    if not stdin_is_terminal():
        return Secret(sys.stdin.read().strip(), label="phrase")
    return _prompt(prompt, confirm=False)


def read_secret_lines(prompt: str) -> list[Secret]:
    """Several secrets (e.g. shares), one per non-empty line of stdin or prompt until blank."""
    if not stdin_is_terminal():
        return [
            Secret(line.strip(), label="share")
            for line in sys.stdin.read().splitlines()
            if line.strip()
        ]
    lines: list[Secret] = []
    while True:
        entry = getpass.getpass(f"{prompt} {len(lines) + 1} (empty line to finish): ")
        if not entry.strip():
            return lines
        lines.append(Secret(entry.strip(), label="share"))


def child_environment() -> dict[str, str]:
    """A copy of the environment with every secret removed, for hooks and child processes."""
    return {k: v for k, v in os.environ.items() if k not in SECRET_ENV_NAMES}
