"""Electrum seeds: Electrum's own test cases for types, seeds, keys and addresses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from keyvault.secret import Secret
from keyvault.seedphrase import electrum

VECTORS = json.loads(
    (Path(__file__).parents[2] / "vectors" / "electrum" / "electrum_vectors.json").read_text()
)


@pytest.mark.parametrize("case", VECTORS["seed_types"], ids=lambda c: c["seed"][:30])
def test_seed_types_as_electrum_classifies_them(case: dict) -> None:
    assert (electrum.kind(case["seed"]) or "") == case["type"]


@pytest.mark.parametrize("case", VECTORS["bip32_seeds"], ids=lambda c: c["name"])
def test_bip32_seed_of_every_language_and_passphrase(case: dict) -> None:
    passphrase = Secret(case["passphrase"]) if case["passphrase"] else None
    assert electrum.to_seed(case["words"], passphrase).reveal().hex() == case["bip32_seed"]
    prefix = {"01": "standard", "100": "segwit"}[case["seed_version_prefix"]]
    assert electrum.kind(case["words"]) == prefix


@pytest.mark.parametrize("case", VECTORS["wallets"], ids=lambda c: c["test"])
def test_wallets_derive_what_electrum_derives(case: dict) -> None:
    passphrase = Secret(case["passphrase"]) if case.get("passphrase") else None
    wallet = electrum.inspect(case["seed"], passphrase, count=1)
    assert wallet.kind == case["type"]
    if case["type"] == "old":
        assert wallet.master_keys == (case["mpk"],)
    else:
        assert wallet.master_keys == tuple(case["xpubs"])
    if wallet.addresses:
        assert wallet.addresses[0] == case["receive_0"]
        assert wallet.change_addresses[0] == case["change_0"]
    else:
        assert case["type"].startswith("2fa")


def test_old_seed_as_hex_is_the_same_wallet() -> None:
    case = next(c for c in VECTORS["wallets"] if c["type"] == "old")
    assert electrum.kind(case["seed_hex"]) == "old"
    from_hex = electrum.inspect(case["seed_hex"], count=1)
    assert from_hex.addresses[0] == case["receive_0"]


def test_bip39_phrases_are_not_electrum_seeds_usually() -> None:
    assert electrum.kind("abandon " * 11 + "about") is None


def test_passphrase_refused_for_old_seeds() -> None:
    case = next(c for c in VECTORS["wallets"] if c["type"] == "old")
    with pytest.raises(ValueError):
        electrum.inspect(case["seed"], Secret("x"))
