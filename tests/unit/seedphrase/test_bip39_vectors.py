"""BIP39 against the official vectors: trezor/python-mnemonic (12 languages) and bip32JP."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from embit import bip32

from keyvault.secret import Secret
from keyvault.seedphrase import bip39

VECTORS = Path(__file__).parents[2] / "vectors" / "bip39"
TREZOR = json.loads((VECTORS / "trezor_python-mnemonic_vectors.json").read_text("utf-8"))
JAPANESE = json.loads((VECTORS / "bip32JP_test_JP_BIP39.json").read_text("utf-8"))

TREZOR_CASES = [
    pytest.param(language, *entry, id=f"{language}-{n}")
    for language, entries in TREZOR.items()
    for n, entry in enumerate(entries)
]


def test_vectors_cover_every_language() -> None:
    assert set(TREZOR) == set(bip39.LANGUAGES)
    assert len(TREZOR_CASES) == 12 * 24


@pytest.mark.parametrize(("language", "entropy", "mnemonic", "seed", "xprv"), TREZOR_CASES)
def test_trezor_vector(language: str, entropy: str, mnemonic: str, seed: str, xprv: str) -> None:
    # Exact string: NFKD words joined by the language's separator (U+3000 for Japanese).
    assert bip39.from_entropy(bytes.fromhex(entropy), language).reveal_text() == mnemonic

    phrase = bip39.check(mnemonic, language)
    assert phrase.language == language
    assert phrase.words.reveal_text() == mnemonic
    assert phrase.entropy().reveal().hex() == entropy

    detected = bip39.check(mnemonic)
    if language.startswith("chinese"):
        # Simplified and traditional share characters; the seed depends only on the text.
        assert detected.language.startswith("chinese")
    else:
        assert detected.language == language
        assert detected.entropy().reveal().hex() == entropy

    derived = bip39.to_seed(mnemonic, Secret("TREZOR"))
    assert derived.reveal().hex() == seed
    assert bip32.HDKey.from_seed(derived.reveal()).to_string() == xprv


@pytest.mark.parametrize("entry", JAPANESE, ids=lambda e: e["entropy"][:8])
def test_bip32jp_unnormalised_vector(entry: dict[str, str]) -> None:
    mnemonic = entry["mnemonic"]
    phrase = bip39.check(mnemonic)
    assert phrase.language == "japanese"
    assert phrase.entropy().reveal().hex() == entry["entropy"]
    generated = bip39.from_entropy(bytes.fromhex(entry["entropy"]), "japanese").reveal_text()
    assert generated == unicodedata.normalize("NFKD", mnemonic).replace(" ", "\u3000")
    seed = bip39.to_seed(mnemonic, Secret(entry["passphrase"]))
    assert seed.reveal().hex() == entry["seed"]
    assert bip32.HDKey.from_seed(seed.reveal()).to_string() == entry["bip32_xprv"]


def test_languages_match_what_mnemonic_ships() -> None:
    from mnemonic import Mnemonic

    assert set(bip39.LANGUAGES) == set(Mnemonic.list_languages())
    assert bip39.LANGUAGES[0] == "english"


@pytest.mark.parametrize("language", ["russian", "turkish"])
def test_unnormalised_wordlists_are_normalised(language: str) -> None:
    from mnemonic import Mnemonic

    raw = Mnemonic(language).wordlist
    assert any(w != unicodedata.normalize("NFKD", w) for w in raw)  # the 0.21 defect exists
    assert all(w == unicodedata.normalize("NFKD", w) for w in bip39.wordlist(language))
    # A phrase typed in composed (NFC) form is accepted and gives the NFKD canonical form.
    entropy, mnemonic, _, _ = TREZOR[language][5]
    composed = unicodedata.normalize("NFC", mnemonic)
    assert bip39.check(composed, language).entropy().reveal().hex() == entropy
