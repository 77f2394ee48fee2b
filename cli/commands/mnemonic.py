"""``keyvault mnemonic``: create, check, inspect, split and combine seed phrases.

Phrases and shares come from stdin (when piped) or a no-echo prompt, never from argv.
``check`` exits 0 for a valid phrase and 1 for an invalid one, with the precise reason
(the word position, the closest words, or the words that would complete the checksum).

This module holds the group and the commands on one BIP39 phrase (``new``, ``check``,
``inspect``, each recognising Electrum seeds); the other subcommands are siblings:
:mod:`.mnemonic_slip39` (``split``, ``combine``), :mod:`.mnemonic_bip85`,
:mod:`.mnemonic_xor`, :mod:`.mnemonic_plate` and :mod:`.holders`; what they share is
:mod:`.mnemonic_common`.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from keyvault.errors import InvalidMnemonicError
from keyvault.secret import Secret
from keyvault.seedphrase import bip39, electrum

from ..context import get_app
from ..guard import phrase_guard
from ..options import bip39_passphrase_options
from ..secrets_input import (
    read_optional_bip39_passphrase,
    read_secret_text,
    stdin_is_terminal,
)
from .holders import holders
from .mnemonic_bip85 import bip85_child
from .mnemonic_common import LANGUAGE, phrase_fingerprint
from .mnemonic_plate import plate
from .mnemonic_slip39 import combine, split
from .mnemonic_xor import xor

__all__ = ["mnemonic"]

_SCRIPTS = ("p2wpkh", "p2tr", "p2sh-p2wpkh")


@click.group("mnemonic")
def mnemonic() -> None:
    """Create, check, inspect, split and combine seed phrases (BIP39, SLIP-39)."""


@mnemonic.command("new")
@click.option(
    "--words",
    "word_count",
    type=click.Choice([str(n) for n in bip39.WORD_COUNTS]),
    default="24",
    show_default=True,
    help="Number of words.",
)
@click.option("--language", type=LANGUAGE, default="english", show_default=True)
@click.option(
    "--dice",
    is_flag=True,
    help="Also type dice rolls (1-6); they are mixed with the system's random generator.",
)
def new(word_count: str, language: str, dice: bool) -> None:
    """Create a new random BIP39 phrase from the operating system's CSPRNG."""
    app = get_app()
    words = int(word_count)
    full = bip39.DICE_ROLLS_FOR_FULL_STRENGTH[words]
    rolls: str | None = None
    if dice:
        if stdin_is_terminal():
            app.output.info(
                f"type your dice rolls (digits 1-6); {full} rolls alone would give full "
                f"strength for {words} words, and fewer still add to the system's randomness"
            )
        rolls = read_secret_text("dice rolls").reveal_text()
        try:
            created = bip39.generate(words, language, dice=rolls)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
    else:
        created = bip39.generate(words, language)
    phrase = bip39.check(created, language)
    fingerprint = phrase_fingerprint(phrase)
    payload: dict[str, Any] = {
        "mnemonic": phrase.words.reveal_text(),
        "words": words,
        "language": language,
        "fingerprint": fingerprint,
    }
    if rolls is not None:
        count = sum(c in "123456" for c in rolls)
        payload["dice"] = {"rolls": count, "rolls_for_full_strength": full}

    def human() -> None:
        sys.stdout.write(phrase.words.reveal_text() + "\n")
        app.output.info(f"fingerprint {fingerprint} (without a BIP39 passphrase)")
        if rolls is not None:
            app.output.info(
                f"mixed {payload['dice']['rolls']} dice rolls into the system's random bytes "
                f"({full} rolls alone would give full strength)"
            )
        app.output.info("write the words down on paper; never store them unencrypted")

    app.output.emit(payload, human)


@mnemonic.command("check")
@click.option("--language", type=LANGUAGE, default=None, help="Wordlist (default: detect).")
def check(language: str | None) -> None:
    """Check a phrase: exit 0 if valid, 1 with the precise reason if not.

    Accepts any case and spacing and 4-letter prefixes; type ? for a word you cannot read
    to list the words that fit there.
    """
    app = get_app()
    text = read_secret_text("seed phrase")
    try:
        phrase = bip39.check(text, language)
    except InvalidMnemonicError as error:
        if _report_electrum(text, error):
            return
        payload: dict[str, Any] = {
            "valid": False,
            "reason": error.message,
            "position": error.position,
            "suggestions": list(error.suggestions),
            "error": {"type": error.type_name, "message": error.message},
        }
        if error.hint:
            payload["hint"] = error.hint
            payload["error"]["hint"] = error.hint
        lines = [f"invalid: {error.message}"]
        if error.suggestions:
            lines.append("suggestions: " + ", ".join(error.suggestions))
        if error.hint:
            lines.append(f"hint: {error.hint}")
        app.output.emit(payload, "\n".join(lines))
        raise click.exceptions.Exit(1) from None
    fingerprint = phrase_fingerprint(phrase)
    guard = phrase_guard(app.home, phrase, None, app.output)
    payload = {
        "valid": True,
        "kind": "bip39",
        "words": phrase.word_count,
        "language": phrase.language,
        "fingerprint": fingerprint,
        **guard.payload(),
    }
    human = (
        f"valid: {phrase.word_count} {phrase.language} words, fingerprint {fingerprint} "
        "(without a BIP39 passphrase)"
    )
    also = electrum.kind(text)
    if also is not None:
        payload["also_electrum"] = also
        human += (
            f"\nnote: these words are also an {electrum.describe(also)}; Electrum would "
            "restore a different wallet from them"
        )
    app.output.emit(payload, human)
    guard.say(app.output)


def _report_electrum(text: Secret, error: InvalidMnemonicError) -> bool:
    """For ``check``: say so when a phrase that fails BIP39 is an Electrum seed."""
    app = get_app()
    found = electrum.kind(text)
    if found is None:
        return False
    wallet = electrum.inspect(text, count=0)
    what = electrum.describe(found)
    message = f"this is an {what}, not BIP39: restore it in Electrum, or inspect it here"
    hint = (
        "'keyvault mnemonic inspect' shows its fingerprint and first addresses; if the words "
        f"came from a BIP39 wallet instead, a word is wrong ({error.message})"
    )
    app.output.emit(
        {
            "valid": True,
            "kind": f"electrum-{found}",
            "bip39": False,
            "words": len(text.reveal_text().split()),
            "fingerprint": wallet.fingerprint,
            "message": message,
            "hint": hint,
        },
        f"{message}\nfingerprint {wallet.fingerprint} (Electrum root, no passphrase)\nhint: {hint}",
    )
    return True


@mnemonic.command("inspect")
@bip39_passphrase_options
@click.option(
    "--script",
    type=click.Choice(_SCRIPTS),
    default="p2wpkh",
    show_default=True,
    help="p2wpkh: native segwit (BIP84); p2tr: taproot (BIP86); "
    "p2sh-p2wpkh: nested segwit (BIP49).",
)
@click.option("--testnet", is_flag=True, help="Testnet keys and addresses.")
@click.option(
    "--count",
    type=click.IntRange(0, 1000),
    default=5,
    show_default=True,
    help="How many receive addresses to show.",
)
@click.option("--account", type=click.IntRange(0, 2**31 - 1), default=0, show_default=True)
@click.option("--language", type=LANGUAGE, default=None, help="Wordlist (default: detect).")
def inspect(
    bip39_passphrase_prompt: bool,
    bip39_passphrase_file: str | None,
    script: str,
    testnet: bool,
    count: int,
    account: int,
    language: str | None,
) -> None:
    """Show the wallet a phrase opens: fingerprint, account xpub, first addresses."""
    from keyvault.seedphrase import wallet

    app = get_app()
    text = read_secret_text("seed phrase")
    try:
        phrase = bip39.check(text, language)
    except InvalidMnemonicError:
        if electrum.kind(text) is None:
            raise
        passphrase = read_optional_bip39_passphrase(bip39_passphrase_prompt, bip39_passphrase_file)
        _inspect_electrum(text, passphrase, count)
        return
    passphrase = read_optional_bip39_passphrase(bip39_passphrase_prompt, bip39_passphrase_file)
    info = wallet.inspect(
        phrase,
        passphrase,
        script=script,  # type: ignore[arg-type]  # a click.Choice of wallet.SCRIPTS
        testnet=testnet,
        count=count,
        account=account,
    )
    guard = phrase_guard(app.home, phrase, passphrase, app.output)
    payload = {
        "fingerprint": info.fingerprint,
        "script": info.script,
        "network": info.network,
        "derivation_path": info.derivation_path,
        "account_xpub": info.account_xpub,
        "descriptor": info.descriptor,
        "addresses": list(info.addresses),
        "bip39_passphrase": passphrase is not None and not passphrase.is_empty(),
        "words": phrase.word_count,
        "language": phrase.language,
        **guard.payload(),
    }
    lines = [
        f"fingerprint:  {info.fingerprint}",
        f"script:       {info.script} ({info.network})",
        f"path:         {info.derivation_path}",
        f"account key:  {info.account_xpub}",
        f"descriptor:   {info.descriptor}",
    ]
    lines += [f"address {i}:    {a}" for i, a in enumerate(info.addresses)]
    app.output.emit(payload, "\n".join(lines))
    guard.say(app.output)


def _inspect_electrum(text: Secret, passphrase: Secret | None, count: int) -> None:
    """``inspect`` for an Electrum seed: what Electrum restores (its derivation, not BIP44)."""
    app = get_app()
    try:
        info = electrum.inspect(text, passphrase, count=count)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    payload = {
        "kind": f"electrum-{info.kind}",
        "fingerprint": info.fingerprint,
        "script": info.script,
        "derivation_path": info.derivation_path,
        "master_keys": list(info.master_keys),
        "addresses": list(info.addresses),
        "change_addresses": list(info.change_addresses),
        "passphrase": passphrase is not None and not passphrase.is_empty(),
    }
    lines = [
        f"kind:         {electrum.describe(info.kind)}",
        f"fingerprint:  {info.fingerprint}",
        f"script:       {info.script}",
        f"path:         {info.derivation_path}",
    ]
    lines += [f"master key:   {key}" for key in info.master_keys]
    lines += [f"address {i}:    {a}" for i, a in enumerate(info.addresses)]
    if info.kind.startswith("2fa"):
        lines.append("addresses: a 2fa wallet also needs TrustedCoin's key; restore it in Electrum")
    app.output.emit(payload, "\n".join(lines))


for _command in (split, combine, bip85_child, xor, plate, holders):
    mnemonic.add_command(_command)
