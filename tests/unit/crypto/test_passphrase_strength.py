"""The passphrase strength check: weak ones refused with a hint, random ones accepted."""

from __future__ import annotations

import secrets

import pytest
from mnemonic import Mnemonic

from keyvault.errors import WeakPassphraseError
from keyvault.secret import Secret
from keyvault.vault.passphrase_strength import MIN_BITS, check_passphrase, estimate_strength

WEAK = [
    "",
    "password",
    "Password1!",
    "P@ssw0rd2024",
    "letmein123456",
    "correct horse battery staple",
    "qwertyuiop1234",
    "aaaaaaaaaaaaaaaaaaaaaaaa",
    "abcdefghijklmnop",
    "1234567890123",
    "Hunter2hunter2hunter2",
    "bitcoin bitcoin bitcoin",
    "Tr0ub4dor&3",
    "gT7#kq2L",  # random but too short
]


@pytest.mark.parametrize("text", WEAK)
def test_weak_passphrases_are_refused_with_a_hint(text: str) -> None:
    with pytest.raises(WeakPassphraseError) as info:
        check_passphrase(Secret(text))
    assert info.value.hint
    if len(text) > 8:  # the words "password" etc. may appear in the advice itself
        assert text not in info.value.message
        assert text not in info.value.hint


def test_specific_warnings() -> None:
    assert "common" in estimate_strength(Secret("Password1!")).hint
    assert "sequence" in estimate_strength(Secret("abcdefghijklmnop")).hint
    assert "repeated" in estimate_strength(Secret("zzzzzzzzzzzzzzzzzz")).hint
    assert "empty" in estimate_strength(Secret("")).hint
    assert "shorter" in estimate_strength(Secret("x7#Q")).hint


def test_random_passphrases_pass() -> None:
    words = Mnemonic("english").wordlist
    for _ in range(20):
        diceware = " ".join(secrets.choice(words) for _ in range(5))
        assert check_passphrase(Secret(diceware)).bits >= MIN_BITS
        alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789#%&*+"
        token = "".join(secrets.choice(alphabet) for _ in range(14))
        assert estimate_strength(Secret(token)).ok


def test_long_input_is_bounded_and_fine() -> None:
    text = secrets.token_urlsafe(3000)
    assert estimate_strength(Secret(text)).ok


def test_non_ascii_passphrase() -> None:
    assert estimate_strength(Secret("żółć gęślą jaźń ćma wiśnia")).ok
