"""Where secrets come from on the command line: never from argv.

- The vault passphrase: ``--passphrase-file FILE`` (``-`` = stdin), else the
  ``KEYVAULT_PASSPHRASE`` environment variable, else a no-echo prompt on the terminal.
  A new one (:func:`read_new_vault_passphrase`) is asked again on the terminal when it is
  refused (too weak, or the two entries differ), up to :data:`NEW_PASSPHRASE_ATTEMPTS`.
- A BIP39 passphrase (the "25th word", a different secret): ``--bip39-passphrase-file``
  or the prompt; never from ``KEYVAULT_PASSPHRASE``.
- Phrases and shares: stdin when it is not a terminal, else a no-echo prompt.

Every secret input (stdin, a file, the environment) goes through one bounded reader
(:func:`read_secret_input`): at most :data:`MAX_SECRET_BYTES`, strict UTF-8, and a pipe,
FIFO or device (``--passphrase-file /dev/zero``, ``<(pass show vault)``, stdin from a
pipe) is polled, never blocked on, for at most ``KEYVAULT_INPUT_TIMEOUT`` seconds
(default :data:`DEFAULT_INPUT_TIMEOUT`). Bad input is a typed
:class:`~keyvault.errors.SecretInputError` that never quotes the input. Files lose one
trailing newline (``\\n`` or ``\\r\\n``).
"""

from __future__ import annotations

import getpass
import os
import select
import stat
import sys
import time
from collections.abc import Callable
from typing import TypeVar

import click

from keyvault.errors import (
    KeyvaultError,
    SecretInputNotTextError,
    SecretInputTimeoutError,
    SecretInputTooLargeError,
)
from keyvault.secret import Secret

__all__ = [
    "DEFAULT_INPUT_TIMEOUT",
    "ENV_INPUT_TIMEOUT",
    "ENV_PASSPHRASE",
    "MAX_SECRET_BYTES",
    "NEW_PASSPHRASE_ATTEMPTS",
    "read_bip39_passphrase",
    "read_bounded_fd",
    "read_new_vault_passphrase",
    "read_optional_bip39_passphrase",
    "read_secret_bytes",
    "read_secret_input",
    "read_secret_lines",
    "read_secret_text",
    "read_vault_passphrase",
    "stdin_is_terminal",
]

ENV_PASSPHRASE = "KEYVAULT_PASSPHRASE"
#: How many times a new passphrase is asked on the terminal before giving up.
NEW_PASSPHRASE_ATTEMPTS = 3
#: The most bytes any secret input may hold: passphrases, phrases, 16 shares of 33 words
#: and dice rolls all fit many times over.
MAX_SECRET_BYTES = 64 * 1024
#: Seconds to wait for a pipe, FIFO, device or terminal to end, from this variable.
ENV_INPUT_TIMEOUT = "KEYVAULT_INPUT_TIMEOUT"
#: The default wait: long enough for a password manager asking for its own passphrase.
DEFAULT_INPUT_TIMEOUT = 120.0
_CHUNK = 16 * 1024

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


def _input_timeout() -> float:
    raw = os.environ.get(ENV_INPUT_TIMEOUT)
    try:
        value = float(raw) if raw else DEFAULT_INPUT_TIMEOUT
    except ValueError:
        raise click.UsageError(f"{ENV_INPUT_TIMEOUT} must be a number of seconds") from None
    if not value > 0:
        raise click.UsageError(f"{ENV_INPUT_TIMEOUT} must be a number of seconds above 0")
    return value


def _wait_readable(fd: int, deadline: float, what: str) -> None:
    """Return once ``fd`` has data or its end; :class:`SecretInputTimeoutError` at ``deadline``."""
    if not hasattr(select, "poll"):  # Windows: no poll on pipes; the read blocks
        return
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    left = deadline - time.monotonic()
    if left <= 0 or not poller.poll(left * 1000):
        raise SecretInputTimeoutError(
            f"the {what} did not end in time",
            hint=f"give it in a regular file, or allow more seconds in {ENV_INPUT_TIMEOUT}",
        )


def read_bounded_fd(
    fd: int,
    what: str,
    *,
    limit: int = MAX_SECRET_BYTES,
    too_large: Callable[[], KeyvaultError] | None = None,
) -> bytearray:
    """At most ``limit`` bytes from ``fd`` to its end (typed errors, no hang).

    A regular file is read as it is; anything else (pipe, FIFO, device, terminal) is
    polled before each read, up to one deadline for the whole input
    (:class:`~keyvault.errors.SecretInputTimeoutError`). More than ``limit`` bytes raise
    ``too_large()`` (default: :class:`~keyvault.errors.SecretInputTooLargeError`), after
    the bytes read are wiped. The one bounded loop behind every secret input and the
    descriptor command's input files.
    """
    refuse = too_large or (lambda: _too_large(what))
    regular = stat.S_ISREG(os.fstat(fd).st_mode)
    if regular and os.fstat(fd).st_size > limit:
        raise refuse()
    deadline = time.monotonic() + _input_timeout()
    data = bytearray()
    while len(data) <= limit:
        if not regular:
            _wait_readable(fd, deadline, what)
        try:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - len(data)))
        except (BlockingIOError, InterruptedError):
            continue
        if not chunk:
            return data
        data += chunk
    _wipe(data)
    raise refuse()


def _too_large(what: str) -> SecretInputTooLargeError:
    return SecretInputTooLargeError(
        f"the {what} is larger than {MAX_SECRET_BYTES // 1024} KiB",
        hint="give only the secret itself (was the wrong file named?)",
    )


def _wipe(data: bytearray) -> None:
    data[:] = bytes(len(data))


def _decode(data: bytearray, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # The position only: the bytes themselves may be part of the secret.
        raise SecretInputNotTextError(
            f"the {what} is not UTF-8 text (byte {exc.start + 1} of {len(data)})",
            hint="save it as UTF-8 text",
        ) from None
    finally:
        _wipe(data)


def read_secret_input(path: str, what: str) -> str:
    """The text of the secret input ``path`` (``-`` = stdin), bounded and checked.

    Raises :class:`~keyvault.errors.SecretInputError` subclasses for input that is not
    UTF-8, larger than :data:`MAX_SECRET_BYTES` or never ending, and ``click.UsageError``
    for a file that cannot be opened. A named file is opened non-blocking (a FIFO with no
    writer cannot hang the open); a directory is refused.
    """
    return _decode(read_secret_bytes(path, what), what)


def read_secret_bytes(path: str, what: str) -> bytearray:
    """:func:`read_secret_input` without the decoding, for binary secrets (a ``key.age``).

    A ``bytearray``, so a caller that can keep it as one may wipe it when done.
    """
    if path == "-":
        try:
            fd = sys.stdin.fileno()
        except (AttributeError, ValueError, OSError):
            raise click.UsageError(f"no stdin to read the {what} from") from None
        return read_bounded_fd(fd, what)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise click.UsageError(f"cannot read the {what} file {path}: {exc.strerror}") from None
    try:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise click.UsageError(f"the {what} file {path} is a folder")
        return read_bounded_fd(fd, what)
    except OSError as exc:
        raise click.UsageError(f"cannot read the {what} file {path}: {exc.strerror}") from None
    finally:
        os.close(fd)


def _read_file(path: str, what: str) -> Secret:
    return Secret(_strip_one_newline(read_secret_input(path, what)), label=what)


def _from_environment(name: str, what: str) -> Secret | None:
    value = os.environ.get(name)
    if value is None:
        return None
    try:
        size = len(value.encode("utf-8"))  # non-UTF-8 bytes arrive as lone surrogates
    except UnicodeEncodeError:
        raise SecretInputNotTextError(
            f"the {what} in {name} is not UTF-8 text", hint="set it as UTF-8 text"
        ) from None
    if size > MAX_SECRET_BYTES:
        raise _too_large(what)
    return Secret(value, label=what)


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
    env = _from_environment(ENV_PASSPHRASE, "passphrase")
    if env is not None:
        return env
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
        return Secret(read_secret_input("-", "input on stdin").strip(), label="phrase")
    return _prompt(prompt, confirm=False)


def read_secret_lines(prompt: str) -> list[Secret]:
    """Several secrets (e.g. shares), one per non-empty line of stdin or prompt until blank."""
    if not stdin_is_terminal():
        return [
            Secret(line.strip(), label="share")
            for line in read_secret_input("-", "input on stdin").splitlines()
            if line.strip()
        ]
    lines: list[Secret] = []
    while True:
        entry = getpass.getpass(f"{prompt} {len(lines) + 1} (empty line to finish): ")
        if not entry.strip():
            return lines
        lines.append(Secret(entry.strip(), label="share"))
