"""``keyvault encrypt`` and ``keyvault decrypt``: age v1 files, with the age CLI's flags.

encrypt: ``-r RECIPIENT`` (repeatable), ``-R FILE`` (repeatable), ``-p`` (passphrase, alone),
``-a`` (armor), ``-o OUT``, ``[IN]``; with none of ``-r``/``-R``/``-p`` it encrypts to the
vault recipient. decrypt: ``-i FILE`` (repeatable; an identity file may itself be
passphrase-encrypted, like a ``key.age``), ``-o OUT``, ``[IN]``; a passphrase-encrypted
file is opened with its passphrase, otherwise without ``-i`` with the vault key (and any
earlier, rotated vault keys). IN/OUT default to stdin/stdout (also ``-``). Like every
other ``-o``, an existing OUT is replaced only with ``--force``; OUT appears (0600,
atomically) only once all of it is written, and a failed write leaves nothing.

The vault modules are imported only when the vault key is used, so encrypting to a
recipient or decrypting with an identity file starts without them.

Passphrases come from ``--passphrase-file FILE`` (``-`` = stdin), ``KEYVAULT_PASSPHRASE`` or
a no-echo prompt, never from an option value.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import click

from keyvault.crypto import (
    HeaderInfo,
    Identity,
    Recipient,
    ScryptIdentity,
    ScryptRecipient,
    decrypt_bytes,
    decrypt_stream,
    encrypt_stream,
)
from keyvault.crypto.keys import (
    is_age_file,
    parse_identity_file,
    parse_recipient,
    parse_recipients_file,
)
from keyvault.crypto.scrypt import DEFAULT_WORK_FACTOR, MAX_WORK_FACTOR, MIN_WORK_FACTOR
from keyvault.errors import VaultNotInitializedError, WeakPassphraseError
from keyvault.secret import Secret

from ..context import get_app
from ..output_file import check_free, force_option, output_stream
from ..secrets_input import read_secret_bytes, read_vault_passphrase

__all__ = ["decrypt", "encrypt", "work_factor_option"]


F = TypeVar("F", bound=Callable[..., Any])


def work_factor_option(func: F) -> F:
    """``--work-factor N``: scrypt's log2 cost for new passphrase-encrypted files."""
    return click.option(
        "--work-factor",
        type=click.IntRange(MIN_WORK_FACTOR, MAX_WORK_FACTOR),
        default=DEFAULT_WORK_FACTOR,
        show_default=True,
        metavar="N",
        help="Advanced: scrypt work factor (log2 N) for the passphrase; 18 is age's default, "
        "each step doubles time and memory (18: about 1 s, 256 MiB).",
    )(func)


def _read_file_bytes(path: str, what: str) -> bytes:
    return bytes(read_secret_bytes(path, what))


def _check_stdin_use(input_path: str | None, passphrase_file: str | None) -> None:
    if (input_path in (None, "-")) and passphrase_file == "-":
        raise click.UsageError("stdin cannot carry both the input and the passphrase")


def _open_input(input_path: str | None) -> AbstractContextManager[BinaryIO]:
    if input_path is None or input_path == "-":
        return nullcontext(sys.stdin.buffer)
    try:
        # Unbuffered: the payload is read in 1 MiB blocks with readinto, one system call
        # each; the header parser keeps its own small buffer.
        return open(input_path, "rb", buffering=0)
    except OSError as exc:
        raise click.UsageError(f"cannot open {input_path}: {exc.strerror}") from None


def _recipients(recipients: Sequence[str], recipients_files: Sequence[str]) -> list[Recipient]:
    parsed: list[Recipient] = [parse_recipient(text) for text in recipients]
    for path in recipients_files:
        text = _read_file_bytes(path, "recipients file").decode("utf-8", "replace")
        parsed.extend(parse_recipients_file(text))
    return parsed


@click.command("encrypt")
@click.option(
    "-r",
    "--recipient",
    "recipients",
    multiple=True,
    metavar="RECIPIENT",
    help="Encrypt to this age1... recipient (repeatable).",
)
@click.option(
    "-R",
    "--recipients-file",
    "recipients_files",
    multiple=True,
    metavar="PATH",
    help="Encrypt to the recipients listed in PATH (repeatable).",
)
@click.option(
    "-p",
    "--passphrase",
    "use_passphrase",
    is_flag=True,
    help="Encrypt with a passphrase instead (it must be the only recipient).",
)
@click.option("-a", "--armor", is_flag=True, help="Write ASCII-armored (PEM) text.")
@click.option("-o", "--output", metavar="OUTPUT", help="Write to OUTPUT (default: stdout).")
@force_option
@click.option(
    "--passphrase-file",
    metavar="FILE",
    help="With -p: read the passphrase from FILE ('-' for stdin).",
)
@work_factor_option
@click.argument("input_path", metavar="[INPUT]", required=False)
def encrypt(
    recipients: tuple[str, ...],
    recipients_files: tuple[str, ...],
    use_passphrase: bool,
    armor: bool,
    output: str | None,
    force: bool,
    passphrase_file: str | None,
    work_factor: int,
    input_path: str | None,
) -> None:
    """Encrypt INPUT (default: stdin) to age recipients, a passphrase, or the vault key.

    Without -r, -R or -p the file is encrypted to the vault's recipient, so only the
    vault key (or its 24 words) opens it.
    """
    app = get_app()
    if use_passphrase and (recipients or recipients_files):
        raise click.UsageError("-p cannot be combined with -r or -R")
    if passphrase_file and not use_passphrase:
        raise click.UsageError("--passphrase-file needs -p")
    _check_stdin_use(input_path, passphrase_file)
    if output in (None, "-") and not armor and sys.stdout.isatty():
        raise click.UsageError(
            "refusing to write binary to the terminal; use -o FILE or -a for armored text"
        )
    if output not in (None, "-"):
        check_free(Path(output), force)
    chosen: list[Recipient]
    if use_passphrase:
        passphrase = read_vault_passphrase(
            passphrase_file, confirm=True, prompt="passphrase for this file"
        )
        if passphrase.is_empty():
            raise WeakPassphraseError("the passphrase is empty", hint="choose a passphrase")
        from keyvault.vault.passphrase_strength import estimate_strength

        strength = estimate_strength(passphrase)
        if not strength.ok:
            app.output.warn(f"this passphrase is weak ({strength.hint})")
        chosen = [ScryptRecipient(passphrase, work_factor)]
    elif recipients or recipients_files:
        chosen = _recipients(recipients, recipients_files)
    else:
        from keyvault.vault import keystore

        chosen = [keystore.vault_recipient(app.home)]
    with _open_input(input_path) as src:
        if output in (None, "-"):
            encrypt_stream(src, sys.stdout.buffer, chosen, armor=armor)
            sys.stdout.buffer.flush()
            return
        with output_stream(Path(output), force) as dst:
            size = encrypt_stream(src, dst, chosen, armor=armor)
    if app.output.json_mode:
        app.output.emit(
            {
                "encrypted": {
                    "output": output,
                    "plaintext_bytes": size,
                    "armor": armor,
                    "passphrase": use_passphrase,
                    "recipients": [str(r) for r in chosen if not use_passphrase],
                }
            }
        )


class _IdentityChooser:
    """Picks identities once the header is known, asking for secrets only when needed."""

    def __init__(self, identity_files: Sequence[str], passphrase_file: str | None) -> None:
        self._identity_files = identity_files
        self._passphrase_file = passphrase_file

    def __call__(self, header: HeaderInfo) -> Sequence[Identity]:
        if header.passphrase_encrypted:
            if self._identity_files:
                raise click.UsageError("the file is passphrase-encrypted; do not pass -i")
            return [
                ScryptIdentity(read_vault_passphrase(self._passphrase_file, prompt="passphrase"))
            ]
        if self._identity_files:
            found: list[Identity] = []
            for path in self._identity_files:
                found.extend(self._load_identity_file(path))
            return found
        from keyvault.vault import keystore

        home = get_app().home
        if not keystore.has_vault_key(home):
            raise VaultNotInitializedError(
                "no identity given and no vault key here",
                hint="pass -i IDENTITY_FILE, or run 'keyvault init'",
            )
        passphrase = read_vault_passphrase(self._passphrase_file)
        current = keystore.unlock_vault_key(home, passphrase)
        return [current, *keystore.previous_identities(home, passphrase)]

    def _load_identity_file(self, path: str) -> list[Identity]:
        data = _read_file_bytes(path, "identity file")
        if is_age_file(data):
            # An encrypted identity file, such as the vault's key.age.
            passphrase = read_vault_passphrase(
                self._passphrase_file, prompt=f"passphrase for identity file {path}"
            )
            data = decrypt_bytes(data, [ScryptIdentity(passphrase)])
        try:
            text = Secret(data.decode("utf-8"), label="identity file")
        except UnicodeDecodeError:
            raise click.UsageError(f"{path} is not an age identity file") from None
        return list(parse_identity_file(text))


@click.command("decrypt")
@click.option(
    "-i",
    "--identity",
    "identity_files",
    multiple=True,
    metavar="PATH",
    help="Use the identity file PATH (repeatable; may be passphrase-encrypted).",
)
@click.option("-o", "--output", metavar="OUTPUT", help="Write to OUTPUT (default: stdout).")
@force_option
@click.option(
    "--passphrase-file",
    metavar="FILE",
    help="Read the passphrase (of the file, the identity file or the vault) from FILE "
    "('-' for stdin).",
)
@click.argument("input_path", metavar="[INPUT]", required=False)
def decrypt(
    identity_files: tuple[str, ...],
    output: str | None,
    force: bool,
    passphrase_file: str | None,
    input_path: str | None,
) -> None:
    """Decrypt the age file INPUT (default: stdin; binary or armored).

    With -o, the plaintext appears only once the whole file authenticated; on any error
    no output file is left. Without -o, only authenticated 64 KiB chunks are written to
    stdout, but a damaged file can still stop part-way: treat the output as void unless
    the exit status is 0.
    """
    app = get_app()
    _check_stdin_use(input_path, passphrase_file)
    if output not in (None, "-"):
        check_free(Path(output), force)
    chooser = _IdentityChooser(identity_files, passphrase_file)
    with _open_input(input_path) as src:
        if output in (None, "-"):
            decrypt_stream(src, sys.stdout.buffer, chooser)
            sys.stdout.buffer.flush()
            return
        with output_stream(Path(output), force) as dst:
            size = decrypt_stream(src, dst, chooser)
    if app.output.json_mode:
        app.output.emit({"decrypted": {"output": output, "plaintext_bytes": size}})
