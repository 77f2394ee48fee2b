"""Seed XOR (Coldcard): a BIP39 phrase as the XOR of 2-4 parts that are BIP39 phrases too.

The parts' *entropies* XOR to the secret's entropy; each part carries its own BIP39
checksum (its last word), which is not part of the XOR. Every part is a valid phrase of
the same length, so each can hold decoy funds, and fewer than all parts reveal nothing
about the secret (every subset XORs to some other valid wallet, which is why a missing
part cannot be detected from the result alone: keep the secret's last word to check).

:func:`split` draws all parts but one from the OS CSPRNG; the last is the XOR of the
secret with the others (Coldcard's "random" mode; its deterministic mode is not
offered). :func:`combine` takes parts in any order. Both keep the secret's language.
This follows Coldcard's open standard (``docs/seed-xor.md``), whose worked examples
are the test vectors.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from keyvault.errors import InvalidMnemonicError, InvalidSeedXorError
from keyvault.secret import Secret

from . import bip39

__all__ = ["MAX_PARTS", "MIN_PARTS", "combine", "split"]

#: Parts :func:`split` makes (Coldcard offers 2, 3 or 4).
MIN_PARTS = 2
MAX_PARTS = 4
#: Parts :func:`combine` accepts (any number works; this bounds the input).
_MAX_COMBINE = 16


def _xor(values: Sequence[bytes]) -> bytes:
    result = bytearray(len(values[0]))
    for value in values:
        for i, byte in enumerate(value):
            result[i] ^= byte
    return bytes(result)


def split(
    phrase: bip39.Phrase | Secret | str,
    parts: int = 2,
    randbytes: Callable[[int], bytes] = os.urandom,
) -> list[Secret]:
    """``parts`` BIP39 phrases (2-4) whose entropies XOR to ``phrase``'s entropy."""
    if not MIN_PARTS <= parts <= MAX_PARTS:
        raise ValueError(f"Seed XOR makes {MIN_PARTS} to {MAX_PARTS} parts")
    checked = phrase if isinstance(phrase, bip39.Phrase) else bip39.check(phrase)
    secret = checked.entropy().reveal()
    randoms = [randbytes(len(secret)) for _ in range(parts - 1)]
    values = [*randoms, _xor([secret, *randoms])]
    return [bip39.from_entropy(Secret(value), checked.language) for value in values]


def _part(text: Secret | str, number: int, language: str | None) -> bip39.Phrase:
    try:
        return bip39.check(text, language)
    except InvalidMnemonicError as error:
        raise InvalidSeedXorError(f"part {number}: {error.message}", hint=error.hint) from None


def combine(parts: Sequence[Secret | str], language: str | None = None) -> Secret:
    """The BIP39 phrase the ``parts`` XOR to (in the first part's language by default).

    Raises :class:`InvalidSeedXorError` naming the part (and word) at fault: a part that
    is no valid BIP39 phrase, or parts of different lengths.
    """
    if isinstance(parts, (str, Secret)):
        raise TypeError("parts is a sequence of phrases")
    if len(parts) < MIN_PARTS:
        raise InvalidSeedXorError(
            f"{len(parts)} part was given; Seed XOR needs all the parts (at least 2)"
        )
    if len(parts) > _MAX_COMBINE:
        raise InvalidSeedXorError(f"more than {_MAX_COMBINE} parts were given")
    checked = [_part(text, number, language) for number, text in enumerate(parts, start=1)]
    first = checked[0]
    for number, part in enumerate(checked[1:], start=2):
        if part.word_count != first.word_count:
            raise InvalidSeedXorError(
                f"part {number} has {part.word_count} words, part 1 has {first.word_count}: "
                "all parts have the same length"
            )
    value = _xor([part.entropy().reveal() for part in checked])
    return bip39.from_entropy(Secret(value), language or first.language)
