"""The vault key's other forms: its 24-word recovery phrase and its manifest MAC key.

The vault key is an X25519 identity: 32 secret bytes. Its recovery phrase is those 32
bytes encoded exactly as a BIP39 mnemonic (English wordlist, 256 bits of entropy plus an
8-bit SHA-256 checksum = 24 words), so ``AGE-SECRET-KEY-1...`` and the 24 words convert
into each other without loss. Note it is *not* a BIP39 wallet seed: no PBKDF2 is applied.

The manifest MAC key is HKDF-SHA-256(ikm = the 32 key bytes, no salt, info =
``keyvault manifest mac v1``), 32 bytes; the backup engine authenticates manifests with it.
"""

from __future__ import annotations

import difflib
import hashlib
import unicodedata
from functools import lru_cache

from mnemonic import Mnemonic

from keyvault.errors import InvalidMnemonicError
from keyvault.secret import Secret

from ._primitives import hkdf_sha256
from .x25519 import X25519Identity

__all__ = ["WORD_COUNT", "derive_manifest_mac_key", "identity_from_words", "identity_to_words"]

WORD_COUNT = 24
_MAC_INFO = b"keyvault manifest mac v1"


@lru_cache(maxsize=1)
def _wordlist() -> tuple[tuple[str, ...], dict[str, int]]:
    words = tuple(Mnemonic("english").wordlist)
    if len(words) != 2048:  # pragma: no cover - guards a broken installation
        raise RuntimeError("the BIP39 English wordlist is not 2048 words")
    return words, {word: index for index, word in enumerate(words)}


def identity_to_words(identity: X25519Identity) -> Secret:
    """The 24 BIP39 English words (single spaces, lowercase) of the identity's 32 bytes."""
    words, _ = _wordlist()
    entropy = identity.secret_bytes().reveal()
    checksum = hashlib.sha256(entropy).digest()[0]
    number = int.from_bytes(entropy, "big") << 8 | checksum
    indexes = [(number >> (11 * (WORD_COUNT - 1 - i))) & 0x7FF for i in range(WORD_COUNT)]
    return Secret(" ".join(words[i] for i in indexes), label="vault key words")


def _lookup(word: str, position: int) -> int:
    words, index = _wordlist()
    if word in index:
        return index[word]
    # BIP39 words are unique in their first four letters; metal plates often keep only those.
    if len(word) >= 4:
        matches = [w for w in words if w.startswith(word)]
        if len(matches) == 1:
            return index[matches[0]]
    suggestions = tuple(difflib.get_close_matches(word, words, n=3, cutoff=0.6))
    raise InvalidMnemonicError(
        f"word {position} is not in the BIP39 English wordlist",
        position=position,
        suggestions=suggestions,
        hint=f"did you mean: {', '.join(suggestions)}" if suggestions else None,
    )


def identity_from_words(words: Secret | str) -> X25519Identity:
    """The identity the 24 words encode. :class:`InvalidMnemonicError` on any mistake."""
    text = words.reveal_text() if isinstance(words, Secret) else words
    tokens = unicodedata.normalize("NFKD", text).lower().split()
    if len(tokens) != WORD_COUNT:
        raise InvalidMnemonicError(
            f"the vault key phrase has {WORD_COUNT} words, not {len(tokens)}",
            hint="the vault key phrase is the 24 words shown by 'keyvault init'",
        )
    number = 0
    for position, token in enumerate(tokens, start=1):
        number = number << 11 | _lookup(token, position)
    entropy = (number >> 8).to_bytes(32, "big")
    if hashlib.sha256(entropy).digest()[0] != number & 0xFF:
        raise InvalidMnemonicError(
            "the vault key phrase's checksum does not match",
            hint="a word is wrong or two words are swapped; check each against your copy",
        )
    return X25519Identity.from_bytes(entropy)


def derive_manifest_mac_key(identity: X25519Identity) -> Secret:
    """The 32-byte key the backup engine MACs manifests with (HKDF-SHA-256, see above)."""
    return Secret(
        hkdf_sha256(identity.secret_bytes().reveal(), b"", _MAC_INFO), label="manifest MAC key"
    )
