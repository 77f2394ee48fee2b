"""Where secrets come from on the command line: never from argv.

- The vault passphrase: ``--passphrase-file FILE`` (``-`` = stdin), else the
  ``KEYVAULT_PASSPHRASE`` environment variable, else a no-echo prompt on the terminal.
  A new one (:func:`read_new_vault_passphrase`) is asked again on the terminal when it is
  refused (too weak, or the two entries differ), up to :data:`NEW_PASSPHRASE_ATTEMPTS`.
- A BIP39 passphrase (the "25th word", a different secret): ``--bip39-passphrase-file``
  or the prompt; never from ``KEYVAULT_PASSPHRASE``.
- Phrases and shares: stdin when it is not a terminal, else a no-echo prompt.

Files are read as UTF-8 with one trailing newline (``\\n`` or ``\\r\\n``) removed.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from keyvault.errors import KeyvaultError
from keyvault.secret import Secret

__all__ = [
    "ENV_PASSPHRASE",
    "NEW_PASSPHRASE_ATTEMPTS",
    "read_bip39_passphrase",
    "read_new_vault_passphrase",
    "read_optional_bip39_passphrase",
    "read_secret_lines",
    "read_secret_text",
    "read_vault_passphrase",
    "stdin_is_terminal",
]

ENV_PASSPHRASE = "KEYVAULT_PASSPHRASE"
#: How many times a new passphrase is asked on the terminal before giving up.
NEW_PASSPHRASE_ATTEMPTS = 3

T = TypeVar("T")


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


_DIFFER = "the two entries differ"


def _prompt(prompt: str, *, confirm: bool) -> Secret:
    if not stdin_is_terminal() and not os.path.exists("/dev/tty"):
        raise click.UsageError("no terminal to ask for a secret; use a --...-file option")
    try:
        first = getpass.getpass(prompt + ": ")
        if confirm:
            second = getpass.getpass("again, to confirm: ")
            if first != second:
                raise click.UsageError(_DIFFER)
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


def read_new_vault_passphrase(
    passphrase_file: str | None,
    check: Callable[[Secret], T],
    *,
    prompt: str = "new vault passphrase",
    attempts: int = NEW_PASSPHRASE_ATTEMPTS,
) -> tuple[Secret, T]:
    """A new vault passphrase and what ``check`` said of it (e.g. its strength).

    ``check`` raises a :class:`~keyvault.errors.KeyvaultError` to refuse a passphrase.
    From a file or the environment, a refusal is raised at once. On the terminal the
    passphrase is asked twice; a refusal or two entries that differ are said on stderr
    and it is asked again, up to ``attempts`` times, after which the last refusal is
    raised (``click.UsageError`` for entries that differ). Refused entries are wiped.
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    if passphrase_file or os.environ.get(ENV_PASSPHRASE) is not None:
        return _checked(read_vault_passphrase(passphrase_file), check)
    for left in range(attempts - 1, 0, -1):
        try:
            passphrase = _prompt(prompt, confirm=True)
        except click.UsageError as exc:
            if exc.message != _DIFFER:
                raise
            click.echo(f"{_DIFFER}; try again ({left} left)", err=True)
            continue
        try:
            return _checked(passphrase, check)
        except KeyvaultError as exc:
            why = exc.message + (f" ({exc.hint})" if exc.hint else "")
            click.echo(f"{why}; try again ({left} left)", err=True)
    return _checked(_prompt(prompt, confirm=True), check)


def _checked(passphrase: Secret, check: Callable[[Secret], T]) -> tuple[Secret, T]:
    """``passphrase`` and ``check``'s verdict; the passphrase is wiped when refused."""
    try:
        return passphrase, check(passphrase)
    except BaseException:
        passphrase.wipe()
        raise


def read_bip39_passphrase(passphrase_file: str | None, *, confirm: bool = False) -> Secret:
    """The optional BIP39 passphrase: from its own file or the prompt (never the env)."""
    if passphrase_file:
        return _read_file(passphrase_file, "BIP39 passphrase")
    return _prompt("BIP39 passphrase (the 25th word)", confirm=confirm)


def read_optional_bip39_passphrase(prompt: bool, passphrase_file: str | None) -> Secret | None:
    """The BIP39 passphrase when asked for (``--bip39-passphrase`` or its file), else None.

    For commands that read the phrase from stdin: ``--bip39-passphrase-file -`` is refused
    while stdin is piped, since the phrase already consumed it (the passphrase would come
    back empty and open a different wallet without a word).
    """
    if passphrase_file == "-" and not stdin_is_terminal():
        raise click.UsageError("stdin carries the phrase; give the passphrase in a real file")
    if passphrase_file or prompt:
        return read_bip39_passphrase(passphrase_file)
    return None


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
