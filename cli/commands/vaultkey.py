"""``keyvault init`` and ``keyvault key show|export|import|passwd|rotate``: the vault key.

The vault key is stored only as ``key.age`` (scrypt-encrypted with the vault passphrase).
Its 24-word recovery phrase is printed only to a terminal (by ``init`` and ``key rotate``),
never into a pipe or a log; scripts export it explicitly with ``key export``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from keyvault.atomic import atomic_write
from keyvault.crypto import X25519Identity
from keyvault.crypto.keys import is_age_file, parse_identity_file
from keyvault.crypto.vaultkey import identity_from_words, identity_to_words
from keyvault.errors import AlreadyExistsError, WeakPassphraseError
from keyvault.secret import Secret
from keyvault.vault import keystore
from keyvault.vault.config import VaultSection, load_config
from keyvault.vault.passphrase_strength import PassphraseStrength, check_passphrase

from ..context import get_app
from ..options import passphrase_file_option
from ..secrets_input import (
    ENV_PASSPHRASE,
    read_new_vault_passphrase,
    read_secret_bytes,
    read_secret_text,
    read_vault_passphrase,
    stdin_is_terminal,
)
from .crypt import work_factor_option

__all__ = ["init", "key"]

F = TypeVar("F", bound=Callable[..., Any])


def _insecure_empty_option(func: F) -> F:
    return click.option(
        "--insecure-empty-passphrase",
        is_flag=True,
        help="Allow an empty passphrase (anyone who gets key.age then has the vault key).",
    )(func)


def _vault_dict(section: VaultSection) -> dict[str, Any]:
    return {
        "id": section.id,
        "recipient": section.recipient,
        "created": section.created,
        "previous_recipients": list(section.previous_recipients),
    }


def _can_ask(passphrase_file: str | None) -> None:
    import os

    if passphrase_file is None and ENV_PASSPHRASE not in os.environ and not stdin_is_terminal():
        raise click.UsageError(
            f"no terminal to ask for the passphrase; use --passphrase-file FILE or {ENV_PASSPHRASE}"
        )


def _new_passphrase(
    passphrase_file: str | None, allow_empty: bool, prompt: str = "new vault passphrase"
) -> Secret:
    """A new vault passphrase, strength-checked: asked twice on a terminal, and asked
    again there when refused; from a file or the environment a refusal is final."""
    app = get_app()

    def check(passphrase: Secret) -> PassphraseStrength | None:
        if not passphrase.is_empty():
            return check_passphrase(passphrase)
        if not allow_empty:
            raise WeakPassphraseError(
                "the passphrase is empty",
                hint="choose a passphrase, or pass --insecure-empty-passphrase",
            )
        return None

    passphrase, strength = read_new_vault_passphrase(passphrase_file, check, prompt=prompt)
    if strength is None:
        app.output.warn("the vault key is protected by an EMPTY passphrase")
    elif stdin_is_terminal() and not app.output.json_mode:
        app.output.info(f"passphrase strength: about {strength.bits:.0f} bits of guessing work")
    return passphrase


def _show_words(identity: X25519Identity, title: str) -> bool:
    """Print the 24 words only when stdout is a terminal (and not in --json mode)."""
    app = get_app()
    if app.output.json_mode or not sys.stdout.isatty():
        app.output.info(
            "the 24-word recovery phrase is shown only on a terminal; "
            "save it with 'keyvault key export --format words -o FILE'"
        )
        return False
    words = identity_to_words(identity).reveal_text().split()
    lines = [title, ""]
    for row in range(6):
        lines.append(
            "  ".join(f"{row * 4 + col + 1:2}. {words[row * 4 + col]:<9}" for col in range(4))
        )
    lines += ["", "write these words down, in order, and keep them offline", ""]
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
    return True


@click.command("init")
@passphrase_file_option
@_insecure_empty_option
@work_factor_option
def init(passphrase_file: str | None, insecure_empty_passphrase: bool, work_factor: int) -> None:
    """Create the vault key, protected by a new vault passphrase (once per vault)."""
    app = get_app()
    home = app.home
    if keystore.has_vault_key(home) or load_config(home).vault is not None:
        raise AlreadyExistsError(
            "a vault already exists here; its key is never replaced",
            hint="see 'keyvault key --help' (show, export, passwd, rotate)",
        )
    _can_ask(passphrase_file)
    passphrase = _new_passphrase(passphrase_file, insecure_empty_passphrase)
    try:
        section, identity = keystore.create_vault(home, passphrase, work_factor=work_factor)
    finally:
        passphrase.wipe()
    app.output.emit(
        {"vault": _vault_dict(section), "key_file": str(keystore.key_path(home))},
        f"vault {section.id} created\nrecipient: {section.recipient}\n"
        f"vault key (passphrase-encrypted): {keystore.key_path(home)}",
    )
    _show_words(identity, "vault key recovery phrase (24 words):")


@click.group("key")
def key() -> None:
    """Show, export, import, re-protect or rotate the vault key."""


@key.command("show")
def show() -> None:
    """Print the vault's public recipient (no passphrase needed)."""
    app = get_app()
    section = load_config(app.home).require_vault()
    human = f"recipient: {section.recipient}\nvault: {section.id} (created {section.created})"
    if section.previous_recipients:
        human += "\nprevious recipients: " + ", ".join(section.previous_recipients)
    app.output.emit(
        {
            "vault": _vault_dict(section),
            "key_file": str(keystore.key_path(app.home)),
            "key_present": keystore.has_vault_key(app.home),
        },
        human,
    )


def _age_key_text(identity: X25519Identity, previous: list[X25519Identity], vault_id: str) -> str:
    lines = [
        f"# keyvault vault key (vault {vault_id})",
        f"# public key: {identity.recipient}",
        identity.to_secret().reveal_text(),
    ]
    for old in previous:
        lines += [
            "# an earlier vault key (before 'keyvault key rotate'), for older backups",
            f"# public key: {old.recipient}",
            old.to_secret().reveal_text(),
        ]
    return "\n".join(lines) + "\n"


@key.command("export")
@click.option(
    "--format",
    "export_format",
    type=click.Choice(["age", "words"]),
    default="age",
    show_default=True,
    help="age: an age identity file (age -d -i FILE); words: the 24-word recovery phrase.",
)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    required=True,
    help="Write to FILE (created with mode 0600; '-' writes to stdout).",
)
@passphrase_file_option
def export(export_format: str, output: str, passphrase_file: str | None) -> None:
    """Write the vault key in clear, for the stock age CLI or a paper backup.

    The age format also holds earlier (rotated) vault keys, so older backups open too.
    """
    app = get_app()
    home = app.home
    section = load_config(home).require_vault()
    if output != "-" and Path(output).exists():
        raise AlreadyExistsError(f"{output} already exists; it is not overwritten")
    _can_ask(passphrase_file)
    passphrase = read_vault_passphrase(passphrase_file)
    identity = keystore.unlock_vault_key(home, passphrase)
    if export_format == "age":
        previous = keystore.previous_identities(home, passphrase)
        secret = Secret(_age_key_text(identity, previous, section.id), label="exported key")
    else:
        secret = Secret(identity_to_words(identity).reveal_text() + "\n", label="exported words")
    passphrase.wipe()
    try:
        if output == "-":
            sys.stdout.write(secret.reveal_text())
            sys.stdout.flush()
            return
        atomic_write(Path(output), secret.reveal(), mode=0o600, overwrite=False)
    finally:
        secret.wipe()
    app.output.emit(
        {"exported": {"format": export_format, "output": output}},
        f"vault key written to {output} ({export_format} format, mode 0600); keep it offline",
    )


def _identity_from_text(text: Secret) -> tuple[X25519Identity, str]:
    if "AGE-SECRET-KEY-" in text.reveal_text().upper():
        return parse_identity_file(text)[0], "age-key"
    return identity_from_words(text), "words"


@key.command("import")
@click.argument("source", metavar="[FILE]", required=False)
@passphrase_file_option
@click.option(
    "--new-passphrase-file",
    metavar="FILE",
    help="For words or a plain key file: read the new vault passphrase from FILE.",
)
@_insecure_empty_option
@work_factor_option
def import_key(
    source: str | None,
    passphrase_file: str | None,
    new_passphrase_file: str | None,
    insecure_empty_passphrase: bool,
    work_factor: int,
) -> None:
    """Install the vault key on this machine: from a key.age (with its passphrase), an age
    key file (AGE-SECRET-KEY-1...), or the 24 words (FILE, or stdin / a no-echo prompt).
    """
    app = get_app()
    home = app.home
    if keystore.has_vault_key(home):
        raise AlreadyExistsError(
            "a vault key already exists here; it is never replaced",
            hint="import on a new machine, or into another --config-dir",
        )
    if source is not None:
        data = bytes(read_secret_bytes(source, "key"))
    else:
        data = read_secret_text("the 24 words or AGE-SECRET-KEY-1...").reveal()
    stdin_used = source in (None, "-")
    if stdin_used and "-" in (passphrase_file, new_passphrase_file):
        raise click.UsageError("stdin cannot carry both the key and a passphrase")
    if is_age_file(data):
        _can_ask(passphrase_file)
        passphrase = read_vault_passphrase(passphrase_file, prompt="passphrase of this key.age")
        section, _ = keystore.install_encrypted_key(home, data, passphrase)
        kind = "key.age"
    else:
        try:
            text = Secret(data.decode("utf-8"), label="imported key")
        except UnicodeDecodeError:
            raise click.UsageError("the input is not a key file, a key.age or 24 words") from None
        identity, kind = _identity_from_text(text)
        _can_ask(new_passphrase_file or passphrase_file)
        new = _new_passphrase(new_passphrase_file or passphrase_file, insecure_empty_passphrase)
        section = keystore.install_vault_key(home, identity, new, work_factor=work_factor)
    app.output.emit(
        {"vault": _vault_dict(section), "imported_from": kind},
        f"vault key imported from {kind}\nrecipient: {section.recipient}",
    )


@key.command("passwd")
@passphrase_file_option
@click.option(
    "--new-passphrase-file",
    metavar="FILE",
    help="Read the new passphrase from FILE ('-' for stdin) instead of the prompt.",
)
@_insecure_empty_option
@work_factor_option
def passwd(
    passphrase_file: str | None,
    new_passphrase_file: str | None,
    insecure_empty_passphrase: bool,
    work_factor: int,
) -> None:
    """Change the vault passphrase; the vault key itself stays the same."""
    app = get_app()
    home = app.home
    load_config(home).require_vault()
    if passphrase_file == "-" and new_passphrase_file == "-":
        raise click.UsageError("stdin cannot carry both passphrases")
    _can_ask(passphrase_file)
    old = read_vault_passphrase(passphrase_file, prompt="current vault passphrase")
    keystore.unlock_vault_key(home, old)  # fail early, before asking for the new one
    if new_passphrase_file is None and not stdin_is_terminal():
        raise click.UsageError(
            "no terminal to ask for the new passphrase; use --new-passphrase-file"
        )
    new = _new_passphrase(new_passphrase_file, insecure_empty_passphrase)
    keystore.change_passphrase(home, old, new, work_factor=work_factor)
    app.output.emit(
        {"passphrase_changed": True},
        "vault passphrase changed; the next backup copies the re-protected key.age",
    )


@key.command("rotate")
@passphrase_file_option
@work_factor_option
def rotate(passphrase_file: str | None, work_factor: int) -> None:
    """Replace the vault key with a new one (same passphrase).

    The old key is kept, encrypted, as key-<n>.age, so older backups stay readable; the
    next backups use the new key. Record the new 24 words: the old ones stop being enough.
    """
    app = get_app()
    home = app.home
    load_config(home).require_vault()
    _can_ask(passphrase_file)
    passphrase = read_vault_passphrase(passphrase_file)
    new, old = keystore.rotate_vault_key(home, passphrase, work_factor=work_factor)
    # Phrase items are stored only encrypted: re-encrypt them to the new key now, while
    # the old one is open (the next backup re-encrypts files and folders from originals).
    from keyvault.vault.items import reencrypt_phrases

    reencrypt_phrases(home, [old, new])
    section = load_config(home).require_vault()
    app.output.emit(
        {"vault": _vault_dict(section), "previous_recipient": str(old.recipient)},
        f"new vault key\nrecipient: {new.recipient}\nprevious recipient: {old.recipient}",
    )
    _show_words(new, "new vault key recovery phrase (24 words):")
