"""BIP-85: every vector of the BIP for the supported applications; embit as reference."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from embit import bip32 as embit_bip32
from embit import bip85 as embit_bip85
from hypothesis import given, settings
from hypothesis import strategies as st

from keyvault.errors import InvalidExtendedKeyError
from keyvault.secret import Secret
from keyvault.seedphrase import bip39, bip85

VECTORS = json.loads(
    (Path(__file__).parents[2] / "vectors" / "bip85" / "bip85_vectors.json").read_text()
)
ROOT = bip85.root_from_xprv(Secret(VECTORS["root_xprv"]))


def _path(text: str) -> list[int]:
    return [int(p.rstrip("'")) for p in text.split("/")[2:]]


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda c: c["path"])
def test_entropy_of_every_vector(case: dict) -> None:
    entropy = bip85.derive_entropy(ROOT, _path(case["path"])).reveal().hex()
    # The BIP prints the part an application uses: the leading bytes, or for XPRV the
    # private key (the second 32 bytes).
    if case["section"] == "XPRV":
        assert entropy[64:] == case["entropy"]
    else:
        assert entropy.startswith(case["entropy"])


def _case(section: str, path_part: str = "") -> dict:
    return next(c for c in VECTORS["cases"] if c["section"] == section and path_part in c["path"])


@pytest.mark.parametrize("words", [12, 18, 24])
def test_bip39_app(words: int) -> None:
    case = _case("BIP39", f"/{words}'/")
    got = bip85.child(ROOT, "bip39", words=words, index=0)
    assert got.reveal_text() == case["bip39_mnemonic"]


def test_wif_xprv_hex_and_password_apps() -> None:
    assert bip85.child(ROOT, "wif").reveal_text() == _case("HD-Seed WIF")["wif"]
    assert bip85.child(ROOT, "xprv").reveal_text() == _case("XPRV")["xprv"]
    assert bip85.child(ROOT, "hex", length=64).reveal_text() == _case("HEX")["entropy"]
    assert bip85.child(ROOT, "base64", length=21).reveal_text() == _case("PWD BASE64")["pwd"]
    assert bip85.child(ROOT, "base85", length=12).reveal_text() == _case("PWD BASE85")["pwd"]


@settings(max_examples=20, deadline=None)
@given(
    seed=st.binary(min_size=16, max_size=64),
    index=st.integers(0, 2**31 - 1),
    words=st.sampled_from([12, 18, 24]),
    size=st.integers(16, 64),
)
def test_differential_against_embit(seed: bytes, index: int, words: int, size: int) -> None:
    root = bip85.root_from_seed(Secret(seed))
    reference_root = embit_bip32.HDKey.from_seed(seed)
    assert bip85.child(
        root, "bip39", words=words, index=index
    ).reveal_text() == embit_bip85.derive_mnemonic(reference_root, words, index)
    assert bip85.child(root, "wif", index=index).reveal_text() == (
        embit_bip85.derive_wif(reference_root, index).wif()
    )
    assert bip85.child(root, "xprv", index=index).reveal_text() == (
        embit_bip85.derive_xprv(reference_root, index).to_base58()
    )
    assert bip85.child(root, "hex", length=size, index=index).reveal().decode() == (
        embit_bip85.derive_hex(reference_root, size, index).hex()
    )


@pytest.mark.parametrize("language", sorted(bip85.LANGUAGE_CODES))
def test_every_language_gives_a_valid_phrase(language: str) -> None:
    phrase = bip85.child(ROOT, "bip39", words=12, language=language)
    assert bip39.check(phrase, language).language == language


def test_bad_parameters_and_public_keys() -> None:
    with pytest.raises(ValueError):
        bip85.child(ROOT, "bip39", language="russian")
    with pytest.raises(ValueError):
        bip85.child(ROOT, "base64", length=19)
    with pytest.raises(ValueError):
        bip85.child(ROOT, "hex", length=65)
    with pytest.raises(ValueError):
        bip85.child(ROOT, "wif", index=2**31)
    public = ROOT.to_public().to_base58()
    with pytest.raises(InvalidExtendedKeyError):
        bip85.root_from_xprv(Secret(public))
