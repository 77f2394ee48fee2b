"""``keyvault mnemonic bip85``: a BIP-85 child (phrase, WIF, xprv, hex, password) derived
from a master phrase or xprv on stdin; printed once, never stored."""

from __future__ import annotations

import sys
from typing import Any

import click

from keyvault.seedphrase import bip39

from ..context import get_app
from ..options import bip39_passphrase_options
from ..secrets_input import read_optional_bip39_passphrase, read_secret_text
from .mnemonic_common import phrase_fingerprint

__all__ = ["bip85_child"]

# BIP-85 has language codes for these (no Russian or Turkish); keyvault.seedphrase.bip85
# holds the codes, kept out of this module's imports so --help stays fast.
_BIP85LANGUAGES = tuple(
    language for language in bip39.LANGUAGES if language not in ("russian", "turkish")
)


def _bip85_root(bip39_passphrase_prompt: bool, bip39_passphrase_file: str | None) -> Any:
    """The BIP-85 master: an xprv, or a BIP39 phrase (and optional passphrase), from stdin."""
    from keyvault.seedphrase import bip85

    text = read_secret_text("seed phrase or xprv")
    if text.reveal_text().lstrip()[:4] in ("xprv", "tprv"):
        if bip39_passphrase_prompt or bip39_passphrase_file:
            raise click.UsageError("a BIP39 passphrase applies to a phrase, not to an xprv")
        return bip85.root_from_xprv(text)
    phrase = bip39.check(text)
    passphrase = read_optional_bip39_passphrase(bip39_passphrase_prompt, bip39_passphrase_file)
    seed = bip39.to_seed(phrase, passphrase)
    try:
        return bip85.root_from_seed(seed)
    finally:
        seed.wipe()


@click.command("bip85")
@click.option(
    "--app",
    type=click.Choice(["bip39", "wif", "xprv", "hex", "base64", "base85"]),
    default="bip39",
    show_default=True,
    help="bip39: a child phrase; wif: a Bitcoin Core hdseed; xprv: a child master key; "
    "hex: raw bytes; base64/base85: a password.",
)
@click.option(
    "--words",
    "word_count",
    type=click.Choice([str(n) for n in bip39.WORD_COUNTS]),
    default="12",
    show_default=True,
    help="Words of a bip39 child.",
)
@click.option("--index", type=click.IntRange(0, 2**31 - 1), default=0, show_default=True)
@click.option(
    "--language",
    type=click.Choice(_BIP85LANGUAGES),
    default="english",
    show_default=True,
    help="Language of a bip39 child (BIP-85 has codes for these ten).",
)
@click.option(
    "--length",
    type=click.IntRange(10, 86),
    default=None,
    help="hex: bytes (16-64, default 32); base64: characters (20-86, default 21); "
    "base85: characters (10-80, default 12).",
)
@bip39_passphrase_options
def bip85_child(
    app: str,
    word_count: str,
    index: int,
    language: str,
    length: int | None,
    bip39_passphrase_prompt: bool,
    bip39_passphrase_file: str | None,
) -> None:
    """Derive a BIP-85 child (phrase, WIF, xprv, hex, password) from a phrase or xprv on stdin.

    The child is printed once and never stored: the same master, app and index give it
    again whenever it is needed. Add it as an item ('keyvault add-phrase') only if you
    want it backed up on its own.
    """
    from keyvault.seedphrase import bip85

    out = get_app()
    root = _bip85_root(bip39_passphrase_prompt, bip39_passphrase_file)
    try:
        made = bip85.child(
            root,
            app,  # type: ignore[arg-type]  # a click.Choice of bip85.APPLICATIONS
            index=index,
            words=int(word_count),
            language=language,
            length=length,
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    master = root.my_fingerprint.hex() if root.depth == 0 else None
    payload: dict[str, Any] = {"app": app, "index": index, "child": made.reveal_text()}
    if master:
        payload["master_fingerprint"] = master
    if app == "bip39":
        payload.update(words=int(word_count), language=language)
        payload["fingerprint"] = phrase_fingerprint(bip39.check(made, language))

    def human() -> None:
        sys.stdout.write(made.reveal_text() + "\n")
        if "fingerprint" in payload:
            out.output.info(f"child fingerprint {payload['fingerprint']}")
        out.output.info("BIP-85 child: derived again from the same master and index; not stored")

    out.output.emit(payload, human)
