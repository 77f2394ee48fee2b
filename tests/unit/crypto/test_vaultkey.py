"""The vault key's 24 words and MAC key: exact, both ways, checked against BIP39 itself."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from mnemonic import Mnemonic

from keyvault.crypto import X25519Identity
from keyvault.crypto.vaultkey import (
    derive_manifest_mac_key,
    identity_from_words,
    identity_to_words,
)
from keyvault.errors import InvalidMnemonicError
from keyvault.secret import Secret


def _bip39_vectors_256bit(vectors) -> list[tuple[bytes, str]]:  # type: ignore[no-untyped-def]
    data = json.loads((vectors / "bip39" / "trezor_python-mnemonic_vectors.json").read_text())
    return [
        (bytes.fromhex(entropy), words)
        for entropy, words, *_ in data["english"]
        if len(entropy) == 64
    ]


def test_words_match_official_bip39_vectors(vectors) -> None:  # type: ignore[no-untyped-def]
    cases = _bip39_vectors_256bit(vectors)
    assert len(cases) >= 6
    for entropy, words in cases:
        identity = X25519Identity.from_bytes(entropy)
        assert identity_to_words(identity).reveal_text() == words
        assert identity_from_words(words).secret_bytes().reveal() == entropy


def test_round_trip_random_keys() -> None:
    for _ in range(20):
        identity = X25519Identity.generate()
        words = identity_to_words(identity)
        assert len(words.reveal_text().split()) == 24
        assert Mnemonic("english").check(words.reveal_text())
        back = identity_from_words(words)
        assert back.to_secret().equals(identity.to_secret())


def test_words_accept_case_spacing_and_four_letter_prefixes() -> None:
    identity = X25519Identity.generate()
    words = identity_to_words(identity).reveal_text().split()
    messy = "  " + "\n".join(w.upper() if i % 2 else w[:4] for i, w in enumerate(words)) + " "
    assert identity_from_words(Secret(messy)).recipient == identity.recipient


def test_wrong_word_count() -> None:
    with pytest.raises(InvalidMnemonicError, match="24 words, not 23"):
        identity_from_words(" ".join(["abandon"] * 23))


def test_unknown_word_names_position_and_suggests() -> None:
    words = identity_to_words(X25519Identity.generate()).reveal_text().split()
    words[6] = "abandonn"
    with pytest.raises(InvalidMnemonicError) as info:
        identity_from_words(" ".join(words))
    assert info.value.position == 7
    assert "abandon" in info.value.suggestions
    assert "abandonn" not in info.value.message


def test_bad_checksum(vectors) -> None:  # type: ignore[no-untyped-def]
    reference = Mnemonic("english")
    for _, phrase in _bip39_vectors_256bit(vectors):
        words = phrase.split()
        other = next(k for k, word in enumerate(words) if word != words[0])
        words[0], words[other] = words[other], words[0]
        swapped = " ".join(words)
        assert not reference.check(swapped)  # the reference agrees the checksum is wrong
        with pytest.raises(InvalidMnemonicError, match="checksum"):
            identity_from_words(swapped)


def test_words_and_bech32_are_the_same_key() -> None:
    identity = X25519Identity.generate()
    from_words = identity_from_words(identity_to_words(identity))
    assert X25519Identity.parse(identity.to_secret()).recipient == from_words.recipient


def test_manifest_mac_key_is_hkdf_of_key_bytes() -> None:
    identity = X25519Identity.from_bytes(bytes(range(32)))
    key = derive_manifest_mac_key(identity).reveal()
    # RFC 5869 by hand with the standard library: extract with an empty salt, then expand.
    prk = hmac.new(b"", bytes(range(32)), hashlib.sha256).digest()
    okm = hmac.new(prk, b"keyvault manifest mac v1\x01", hashlib.sha256).digest()
    assert key == okm
    assert len(key) == 32
    assert derive_manifest_mac_key(X25519Identity.generate()).reveal() != key
