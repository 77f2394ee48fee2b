"""What the ``keyvault mnemonic`` subcommands share: the wordlist option, reading a
BIP39 phrase from stdin or the prompt, and a phrase's master fingerprint."""

from __future__ import annotations

import click

from keyvault.seedphrase import bip39

from ..secrets_input import read_secret_text

__all__ = ["LANGUAGE", "phrase_fingerprint", "read_phrase"]

#: ``--language``: one of the BIP39 wordlists.
LANGUAGE = click.Choice(bip39.LANGUAGES)


def phrase_fingerprint(phrase: bip39.Phrase) -> str:
    """The master fingerprint of ``phrase`` without a BIP39 passphrase."""
    from keyvault.seedphrase import wallet

    return wallet.phrase_fingerprint(phrase)


def read_phrase(language: str | None) -> bip39.Phrase:
    """A BIP39 phrase from stdin (piped) or a no-echo prompt, checked."""
    return bip39.check(read_secret_text("seed phrase"), language)
