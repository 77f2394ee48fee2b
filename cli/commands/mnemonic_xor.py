"""``keyvault mnemonic xor``: Seed XOR (Coldcard): a BIP39 phrase split into 2-4 phrases
that XOR back to it, and combined again."""

from __future__ import annotations

import sys

import click

from keyvault.seedphrase import bip39

from ..context import get_app
from ..secrets_input import read_secret_lines
from .mnemonic_common import LANGUAGE, phrase_fingerprint, read_phrase

__all__ = ["xor"]


@click.group("xor")
def xor() -> None:
    """Seed XOR (Coldcard): split a phrase into 2-4 phrases that XOR back to it."""


@xor.command("split")
@click.option(
    "--parts",
    "part_count",
    type=click.IntRange(2, 4),
    default=2,
    show_default=True,
    help="How many parts (every part is needed to restore).",
)
def xor_split(part_count: int) -> None:
    """Split a BIP39 phrase (stdin) into Seed XOR parts, each a valid BIP39 phrase."""
    from keyvault.seedphrase import seedxor

    app = get_app()
    phrase = read_phrase(None)
    parts = seedxor.split(phrase, part_count)
    fingerprint = phrase_fingerprint(phrase)
    last_word = phrase.words.reveal_text().split(bip39.separator(phrase.language))[-1]
    note = (
        "every part is needed: any subset XORs to another valid wallet; keep the secret's "
        "last word with the parts to check a restore"
    )

    def human() -> None:
        for number, part in enumerate(parts, start=1):
            sys.stdout.write(f"part {number} of {part_count}: {part.reveal_text()}\n")
        app.output.info(f"fingerprint {fingerprint} (of the phrase the parts restore)")
        app.output.info(f"note: {note}")

    app.output.emit(
        {
            "parts": [part.reveal_text() for part in parts],
            "words": phrase.word_count,
            "language": phrase.language,
            "fingerprint": fingerprint,
            "last_word": last_word,
            "note": note,
        },
        human,
    )


@xor.command("combine")
@click.option("--language", type=LANGUAGE, default=None, help="Wordlist (default: detect).")
def xor_combine(language: str | None) -> None:
    """Combine every Seed XOR part (stdin, one phrase per line) into the phrase."""
    from keyvault.seedphrase import seedxor

    app = get_app()
    parts = read_secret_lines("part")
    restored = bip39.check(seedxor.combine(parts, language), language)
    fingerprint = phrase_fingerprint(restored)

    def human() -> None:
        sys.stdout.write(restored.words.reveal_text() + "\n")
        app.output.info(f"fingerprint {fingerprint} (without a BIP39 passphrase)")
        app.output.info("check: its last word is the one you kept with the parts")

    app.output.emit(
        {
            "mnemonic": restored.words.reveal_text(),
            "parts": len(parts),
            "words": restored.word_count,
            "language": restored.language,
            "fingerprint": fingerprint,
        },
        human,
    )
